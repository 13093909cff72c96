// The signed-in owner's restream destinations: list (with each one's status while live), add, change, delete. The
// stream key is write-only: taken on POST and PATCH, sealed at rest, never in an answer or a log line; logs name
// the destination's host.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDestination, DestinationStatus } from '../api/types.js';
import type { Destination, DestinationFields } from '../db/destinations.js';
import type { Channel } from '../db/models.js';
import { destinationHost, parseDestinationKey, parseDestinationName, parseDestinationUrl, parseEnabled } from '../restream/input.js';
import { requireUser } from './auth.js';
import type { HttpDeps } from './deps.js';
import { checkedInput, HttpError, jsonObject, rethrowDbError } from './errors.js';

const EXAMPLE = '{"name": "Twitch", "url": "rtmp://live.twitch.tv/app", "key": "live_…", "enabled": true}';

const notYours = () => new HttpError(404, 'not_found', 'There is no such destination on your channel.');

export function registerDestinationRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const allowPrivate = deps.config.restream.allowPrivateAddresses;

  async function ownChannel(req: FastifyRequest): Promise<Channel> {
    const { userId } = await requireUser(req, deps);
    const channel = await deps.channels.byUserId(userId);
    if (!channel) throw new HttpError(404, 'not_found', 'This account has no channel.');
    return channel;
  }

  async function ownDestination(req: FastifyRequest): Promise<{ channel: Channel; destination: Destination }> {
    const channel = await ownChannel(req);
    const raw = (req.params as { id: string }).id;
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    const destination = Number.isSafeInteger(id) ? await deps.destinations.get(channel.id, id) : null;
    if (!destination) throw notYours();
    return { channel, destination };
  }

  function toApi(channel: Channel, d: Destination): ApiDestination {
    const s = deps.restream.status(channel.name, d.id);
    const status: DestinationStatus = s
      ? { state: s.state, reason: s.reason, bitrateKbps: s.bitrateKbps, droppedFrames: s.droppedFrames, since: new Date(s.since).toISOString() }
      : {
          state: 'idle',
          // A key sealed under another server secret cannot be used: say so rather than fail silently when live.
          reason: d.key === null ? 'The stream key can no longer be read (the server secret changed): enter it again.' : null,
          bitrateKbps: 0,
          droppedFrames: 0,
          since: new Date(d.createdAt).toISOString(),
        };
    return { id: d.id, name: d.name, url: d.url, enabled: d.enabled, status };
  }

  app.get('/api/me/destinations', async (req) => {
    const channel = await ownChannel(req);
    return (await deps.destinations.list(channel.id)).map((d) => toApi(channel, d));
  });

  app.post('/api/me/destinations', async (req, reply) => {
    const channel = await ownChannel(req);
    const b = jsonObject(req.body, EXAMPLE);
    const fields: DestinationFields = {
      name: checkedInput(() => parseDestinationName(b.name)),
      url: checkedInput(() => parseDestinationUrl(b.url, allowPrivate)),
      key: checkedInput(() => parseDestinationKey(b.key)),
      enabled: b.enabled === undefined ? true : checkedInput(() => parseEnabled(b.enabled)),
    };
    const d = await deps.destinations.create(channel.id, fields).catch(rethrowDbError);
    deps.logger.info({ channel: channel.name, destinationId: d.id, host: destinationHost(d.url) }, 'restream destination added');
    await deps.restream.refresh(channel.name);
    return reply.status(201).send(toApi(channel, d));
  });

  app.patch('/api/me/destinations/:id', async (req) => {
    const { channel, destination } = await ownDestination(req);
    const b = jsonObject(req.body, EXAMPLE);
    const patch: Partial<DestinationFields> = {};
    if (b.name !== undefined) patch.name = checkedInput(() => parseDestinationName(b.name));
    if (b.url !== undefined) patch.url = checkedInput(() => parseDestinationUrl(b.url, allowPrivate));
    if (b.key !== undefined) patch.key = checkedInput(() => parseDestinationKey(b.key));
    if (b.enabled !== undefined) patch.enabled = checkedInput(() => parseEnabled(b.enabled));
    const updated = await deps.destinations.update(channel.id, destination.id, patch);
    if (!updated) throw notYours();
    deps.logger.info({ channel: channel.name, destinationId: updated.id, host: destinationHost(updated.url) }, 'restream destination changed');
    await deps.restream.refresh(channel.name);
    return toApi(channel, updated);
  });

  app.delete('/api/me/destinations/:id', async (req, reply) => {
    const { channel, destination } = await ownDestination(req);
    if (!(await deps.destinations.remove(channel.id, destination.id))) throw notYours();
    deps.logger.info({ channel: channel.name, destinationId: destination.id }, 'restream destination deleted');
    await deps.restream.refresh(channel.name);
    return reply.status(204).send();
  });
}
