// Public channel pages' data: a channel, its replays, one replay.
import type { FastifyInstance } from 'fastify';
import type { ApiReplay, PublicChannel } from '../api/types.js';
import type { Replay } from '../db/models.js';
import type { HttpDeps } from './deps.js';
import { HttpError } from './errors.js';
import { channelUrls, replayUrls } from './urls.js';

export function registerChannelRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const toApiReplay = (r: Replay): ApiReplay => {
    const urls = replayUrls(deps.config, r.id);
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

  async function channelByName(name: string) {
    const channel = /^[A-Za-z0-9_-]{1,64}$/.test(name) ? await deps.channels.byName(name.toLowerCase()) : null;
    if (!channel) throw new HttpError(404, 'not_found', `There is no channel called ${JSON.stringify(name.slice(0, 64))}.`);
    return channel;
  }

  app.get('/api/channels/:name', async (req) => {
    const channel = await channelByName((req.params as { name: string }).name);
    const live = deps.streams.get(channel.name);
    const urls = channelUrls(deps.config, channel.name);
    const body: PublicChannel = {
      name: channel.name,
      title: channel.title,
      live: !!live,
      hlsUrl: live ? urls.hls : null,
      dashUrl: live ? urls.dash : null,
      thumbnailUrl: live ? urls.thumbnail : null,
      viewers: live ? deps.viewers.count(channel.name) : 0,
    };
    return body;
  });

  app.get('/api/channels/:name/replays', async (req) => {
    const channel = await channelByName((req.params as { name: string }).name);
    const replays = await deps.replays.listByChannel(channel.id, 100);
    return replays.filter((r) => r.deletedAt === null).map(toApiReplay);
  });

  app.get('/api/replays/:id', async (req) => {
    const id = (req.params as { id: string }).id;
    const replay = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await deps.replays.byId(id) : null;
    if (!replay || replay.deletedAt !== null) throw new HttpError(404, 'not_found', 'No such replay.');
    const channel = await deps.channels.byId(replay.channelId);
    return { ...toApiReplay(replay), channel: channel?.name ?? null };
  });
}
