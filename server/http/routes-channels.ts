// Public channel pages' data: a channel, its replays, one replay; and the owner renaming and deleting replays.
// Non-public channels show the caller only what they may see (see PublicChannel in server/api/types.ts).
import { channelAccessInfo } from '../access/access.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiReplay, ApiReplayDetail, PublicChannel, ReplayUpdate } from '../api/types.js';
import type { Channel, Replay } from '../db/models.js';
import { identify, requireUser } from './auth.js';
import type { HttpDeps } from './deps.js';
import { HttpError, rethrowDbError } from './errors.js';
import { readVerticalLink } from '../media/vertical-link.js';
import { channelUrls, publicBase, replayUrls, type PublicBase } from './urls.js';

export const privateChannel = (name: string) =>
  new HttpError(403, 'forbidden', `${name} is a private channel: only its owner and the people they let in can watch it.`, undefined, name);

/** The channel named in a URL, or 404. */
export async function channelByName(deps: HttpDeps, name: string): Promise<Channel> {
  const channel = /^[A-Za-z0-9_-]{1,64}$/.test(name) ? await deps.channels.byName(name.toLowerCase()) : null;
  if (!channel) throw new HttpError(404, 'not_found', `There is no channel called ${JSON.stringify(name.slice(0, 64))}.`);
  return channel;
}

/** 403 unless the caller may watch the channel. */
export async function requireWatch(req: FastifyRequest, deps: HttpDeps, channel: Channel): Promise<void> {
  if (channel.visibility === 'public') return;
  const who = await identify(req, deps);
  if (!(await deps.access.canWatch(who, channelAccessInfo(channel)))) throw privateChannel(channel.name);
}

const REPLAY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const noSuchReplay = () => new HttpError(404, 'not_found', 'No such replay: it was deleted, or the link is wrong.');

/** The replay a URL names (not deleted), or 404. */
async function replayByParam(req: FastifyRequest, deps: HttpDeps): Promise<Replay> {
  const id = (req.params as { id: string }).id;
  const replay = REPLAY_ID.test(id) ? await deps.replays.byId(id) : null;
  if (!replay || replay.deletedAt !== null) throw noSuchReplay();
  return replay;
}

/** A replay of the caller's own channel (renaming, deleting): 401 signed out, 404 unknown, 403 someone else's. */
async function ownReplay(req: FastifyRequest, deps: HttpDeps): Promise<{ replay: Replay; channel: Channel }> {
  const { userId } = await requireUser(req, deps);
  const replay = await replayByParam(req, deps);
  const channel = await deps.channels.byId(replay.channelId);
  if (!channel) throw noSuchReplay();
  if (channel.userId !== userId) {
    // Someone who may not watch it learns no more than GET /api/replays/:id tells them.
    await requireWatch(req, deps, channel);
    throw new HttpError(403, 'forbidden', `Only ${channel.name} can rename or delete this replay.`);
  }
  return { replay, channel };
}

export function registerChannelRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const toApiReplay = (base: PublicBase, r: Replay): ApiReplay => {
    const urls = replayUrls(base, r.id);
    return {
      id: r.id,
      title: r.title,
      pageUrl: urls.page,
      startedAt: new Date(r.startedAt).toISOString(),
      durationSeconds: Math.round(r.durationSeconds * 1000) / 1000,
      hlsUrl: urls.hls,
      dashUrl: urls.dash,
      thumbnailUrl: urls.thumbnail,
    };
  };

  app.get('/api/channels/:name', async (req) => {
    const channel = await channelByName(deps, (req.params as { name: string }).name);
    const who = await identify(req, deps);
    const canWatch = await deps.access.canWatch(who, channelAccessInfo(channel));
    const live = canWatch ? deps.streams.get(channel.name) : undefined;
    const urls = channelUrls(publicBase(deps.config, req.raw, deps.trust), channel.name);
    const body: PublicChannel = {
      name: channel.name,
      title: canWatch || channel.visibility === 'followers' ? channel.title : '',
      live: !!live,
      hlsUrl: live ? urls.hls : null,
      dashUrl: live ? urls.dash : null,
      thumbnailUrl: live ? urls.thumbnail : null,
      viewers: live ? deps.viewers.count(channel.name) : 0,
      tags: canWatch ? await deps.channels.tagsOf(channel.id) : [],
      visibility: channel.visibility,
      followers: await deps.follows.countFollowers(channel.id),
      following: who?.kind === 'user' ? await deps.follows.isFollowing(who.userId, channel.id) : false,
      canWatch,
      vertical: null,
    };
    const companion = canWatch ? deps.streams.vertical(channel.name) : undefined;
    if (companion) {
      const video = companion.info().video;
      body.vertical = { hlsUrl: urls.verticalHls, width: video?.width ?? 0, height: video?.height ?? 0 };
    }
    return body;
  });

  app.get('/api/channels/:name/replays', async (req) => {
    const channel = await channelByName(deps, (req.params as { name: string }).name);
    await requireWatch(req, deps, channel);
    const replays = await deps.replays.listByChannel(channel.id, 100);
    const base = publicBase(deps.config, req.raw, deps.trust);
    return replays.filter((r) => r.deletedAt === null).map((r) => toApiReplay(base, r));
  });

  app.get('/api/replays/:id', async (req) => {
    const replay = await replayByParam(req, deps);
    const channel = await deps.channels.byId(replay.channelId);
    if (channel) await requireWatch(req, deps, channel);
    const base = publicBase(deps.config, req.raw, deps.trust);
    const link = await readVerticalLink(deps.streams.mediaDir, replay.id);
    const vertical = link && { hlsUrl: replayUrls(base, link.streamId).hls, width: link.width, height: link.height };
    const body: ApiReplayDetail = { ...toApiReplay(base, replay), channel: channel?.name ?? null, vertical };
    return body;
  });

  app.patch('/api/replays/:id', async (req) => {
    const { replay, channel } = await ownReplay(req, deps);
    const body = req.body as Partial<ReplayUpdate> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body) || body.title === undefined) {
      throw new HttpError(400, 'bad_request', 'Send the new title as JSON, e.g. {"title": "Friday night speedruns"}.');
    }
    const renamed = await deps.replays.rename(replay.id, body.title as string).catch(rethrowDbError);
    if (!renamed) throw noSuchReplay();
    deps.logger.info({ channel: channel.name, streamId: replay.id }, 'replay renamed');
    return toApiReplay(publicBase(deps.config, req.raw, deps.trust), renamed);
  });

  app.delete('/api/replays/:id', async (req, reply) => {
    const { replay } = await ownReplay(req, deps);
    if (!(await deps.retention.deleteReplay(replay.id))) throw noSuchReplay();
    return reply.status(204).send();
  });
}
