// Chat moderation over HTTP: the owner's moderators (list, appoint, remove) and moderation log, and a channel's
// chat modes (read by anyone who may watch; changed by the owner or a moderator). ChatCommunity does the work and
// tells chat, on every process, so a change takes effect at once.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CHAT_SETTINGS_LIMITS, publicChatSettings } from '../api/chat.js';
import type { ApiModerator, ModerationLogPage } from '../api/types.js';
import { CommunityError, type ChannelRef } from '../chat/community.js';
import type { StoredModerator } from '../db/chat-moderation.js';
import type { Channel } from '../db/models.js';
import { authenticate, requireUser } from './auth.js';
import type { HttpDeps } from './deps.js';
import { HttpError, jsonObject } from './errors.js';
import { channelByName, requireWatch } from './routes-channels.js';

const STATUS = { bad_request: 400, forbidden: 403, not_found: 404 } as const;
const USERNAME = /^[A-Za-z0-9_-]{1,64}$/;
const PAGE_PARAM = /^\d{1,15}$/;

async function answered<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CommunityError) throw new HttpError(STATUS[err.code], err.code, err.message);
    throw err;
  }
}

const toApi = (m: StoredModerator): ApiModerator => ({ userId: m.userId, username: m.username, since: new Date(m.since).toISOString() });
const ref = (c: Channel): ChannelRef => ({ id: c.id, name: c.name, ownerUserId: c.userId });

export function registerModerationRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { community } = deps;

  /** The signed-in owner, with their channel and name. */
  async function owner(req: FastifyRequest): Promise<{ channel: Channel; actor: { userId: number; name: string } }> {
    const { userId } = await requireUser(req, deps);
    const [channel, user] = await Promise.all([deps.channels.byUserId(userId), deps.users.byId(userId)]);
    if (!channel || !user) throw new HttpError(404, 'not_found', 'This account has no channel.');
    return { channel, actor: { userId, name: user.username } };
  }

  async function userNamed(raw: unknown): Promise<{ id: number; username: string }> {
    if (typeof raw !== 'string' || !USERNAME.test(raw)) throw new HttpError(400, 'bad_request', 'Give a username, e.g. {"username": "bob"}.');
    const user = await deps.users.byUsername(raw);
    if (!user) throw new HttpError(404, 'not_found', `There is no user called ${JSON.stringify(raw)}.`);
    return { id: user.id, username: user.username };
  }

  app.get('/api/me/moderators', async (req) => {
    const { channel } = await owner(req);
    return (await community.moderators(channel.id)).map(toApi);
  });

  app.post('/api/me/moderators', async (req, reply) => {
    const { channel, actor } = await owner(req);
    const user = await userNamed(jsonObject(req.body, '{"username": "bob"}').username);
    const added = await answered(() => community.addModerator(ref(channel), actor, user));
    if (added) deps.logger.info({ channel: channel.name, userId: user.id }, 'moderator appointed');
    const m = (await community.moderators(channel.id)).find((x) => x.userId === user.id);
    if (!m) throw new HttpError(404, 'not_found', 'That account is gone.');
    return reply.status(added ? 201 : 200).send(toApi(m));
  });

  app.delete('/api/me/moderators/:username', async (req, reply) => {
    const { channel, actor } = await owner(req);
    const user = await userNamed((req.params as { username: string }).username);
    if (!(await community.removeModerator(ref(channel), actor, user)))
      throw new HttpError(404, 'not_found', `${user.username} is not a moderator of your channel.`);
    deps.logger.info({ channel: channel.name, userId: user.id }, 'moderator removed');
    return reply.status(204).send();
  });

  app.get('/api/me/moderation-log', async (req): Promise<ModerationLogPage> => {
    const { channel } = await owner(req);
    const q = req.query as { before?: string; limit?: string };
    if (q.before !== undefined && !PAGE_PARAM.test(q.before))
      throw new HttpError(400, 'bad_request', 'before must be an entry id (nextBefore of the previous page).');
    const max = CHAT_SETTINGS_LIMITS.logPageSize;
    const limit = q.limit === undefined ? max : PAGE_PARAM.test(q.limit) ? Number(q.limit) : NaN;
    if (!(limit >= 1 && limit <= max)) throw new HttpError(400, 'bad_request', `limit must be a whole number from 1 to ${max}.`);
    const rows = await community.repo.logPage(channel.id, limit + 1, q.before === undefined ? undefined : Number(q.before));
    const page = rows.slice(0, limit);
    return {
      entries: page.map((e) => ({
        id: e.id,
        at: new Date(e.at).toISOString(),
        action: e.action,
        actor: e.actor,
        target: e.target && { name: e.target.name, ...(e.target.userId !== undefined ? { userId: e.target.userId } : {}) },
        detail: e.detail,
      })),
      nextBefore: rows.length > limit ? page[page.length - 1].id : null,
    };
  });

  /** Owner or moderator of the channel: may see the blocked terms and change the modes. */
  const mayModerate = async (userId: number, channel: Channel) => userId === channel.userId || (await community.isModerator(channel.id, userId));

  app.get('/api/channels/:name/chat-settings', async (req) => {
    const channel = await channelByName(deps, (req.params as { name: string }).name);
    await requireWatch(req, deps, channel);
    const { settings } = await community.rules(channel.id);
    const p = await authenticate(req, deps);
    return p && (await mayModerate(p.userId, channel)) ? settings : publicChatSettings(settings);
  });

  app.patch('/api/channels/:name/chat-settings', async (req) => {
    const channel = await channelByName(deps, (req.params as { name: string }).name);
    const p = await requireUser(req, deps);
    if (!(await mayModerate(p.userId, channel)))
      throw new HttpError(403, 'forbidden', 'Only the channel owner and its moderators can change the chat modes.');
    const user = await deps.users.byId(p.userId);
    const body = jsonObject(req.body, '{"slowModeSeconds": 10, "followersOnlyMinutes": null}');
    const settings = await answered(() => community.updateSettings(ref(channel), { userId: p.userId, name: user?.username ?? '' }, body));
    deps.logger.info({ channel: channel.name }, 'chat modes changed');
    return settings;
  });
}
