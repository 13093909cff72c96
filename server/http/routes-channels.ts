// Public channel pages' data: a channel, its replays, one replay. Non-public channels show the caller only what
// they may see (see PublicChannel in server/api/types.ts).
import { channelAccessInfo } from '../access/access.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiReplay, PublicChannel } from '../api/types.js';
import type { Channel, Replay } from '../db/models.js';
import { identify } from './auth.js';
import type { HttpDeps } from './deps.js';
import { HttpError } from './errors.js';
import { channelUrls, publicBase, replayUrls, type PublicBase } from './urls.js';

export const privateChannel = (name: string) =>
  new HttpError(403, 'forbidden', `${name} is a private channel: only its owner and the people they let in can watch it.`);

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

export function registerChannelRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const toApiReplay = (base: PublicBase, r: Replay): ApiReplay => {
    const urls = replayUrls(base, r.id);
    return {
      id: r.id,
      title: r.title,
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
    };
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
    const id = (req.params as { id: string }).id;
    const replay = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await deps.replays.byId(id) : null;
    if (!replay || replay.deletedAt !== null) throw new HttpError(404, 'not_found', 'No such replay.');
    const channel = await deps.channels.byId(replay.channelId);
    if (channel) await requireWatch(req, deps, channel);
    return { ...toApiReplay(publicBase(deps.config, req.raw, deps.trust), replay), channel: channel?.name ?? null };
  });
}
