// The signed-in owner's outgoing webhooks: list, add, change, delete, and send a test. A webhook URL is shown back
// only masked (a Discord webhook URL carries a token) and never logged; logs name the webhook's origin.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiWebhook, WebhookTestResult } from '../api/types.js';
import type { Channel } from '../db/models.js';
import { WindowLimiter } from '../db/rate-limit.js';
import type { LastDelivery, Webhook, WebhookFields } from '../db/webhooks.js';
import { DELIVERY_LIMITS } from '../webhooks/dispatcher.js';
import { maskWebhookUrl, parseWebhookEvents, parseWebhookFormat, parseWebhookUrl, webhookTarget } from '../webhooks/input.js';
import { requireUser } from './auth.js';
import type { HttpDeps } from './deps.js';
import { checkedInput, HttpError, jsonObject, rethrowDbError } from './errors.js';
import { publicBase } from './urls.js';

const EXAMPLE = '{"url": "https://discord.com/api/webhooks/…", "format": "discord", "events": ["live", "ended"]}';

const iso = (ms: number) => new Date(ms).toISOString();

export function toApiDelivery(d: LastDelivery) {
  return { event: d.event, at: iso(d.at), ok: d.ok, status: d.status, error: d.error, attempts: d.attempts, retrying: d.retrying };
}

function toApiWebhook(w: Webhook): ApiWebhook {
  return {
    id: w.id,
    url: maskWebhookUrl(w.url),
    format: w.format,
    events: w.events,
    createdAt: iso(w.createdAt),
    lastDelivery: w.last ? toApiDelivery(w.last) : null,
  };
}

const notYours = () => new HttpError(404, 'not_found', 'There is no such webhook on your channel.');

export function registerWebhookRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const allowPrivate = deps.config.webhooks.allowPrivateAddresses;
  // Test sends per channel: the server should not become a way to POST at someone over and over.
  const tests = new WindowLimiter(deps.rateWindows, { name: 'webhook-tests', limit: DELIVERY_LIMITS.testsPerMinute, windowMs: 60_000 });

  async function ownChannel(req: FastifyRequest): Promise<Channel> {
    const { userId } = await requireUser(req, deps);
    const channel = await deps.channels.byUserId(userId);
    if (!channel) throw new HttpError(404, 'not_found', 'This account has no channel.');
    return channel;
  }

  async function ownWebhook(req: FastifyRequest): Promise<{ channel: Channel; webhook: Webhook }> {
    const channel = await ownChannel(req);
    const raw = (req.params as { id: string }).id;
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    const webhook = Number.isSafeInteger(id) ? await deps.webhooks.get(channel.id, id) : null;
    if (!webhook) throw notYours();
    return { channel, webhook };
  }

  /** Links in deliveries use the address the owner is using now, unless ONAIR_PUBLIC_URL fixes them. */
  const linkBase = (req: FastifyRequest) => publicBase(deps.config, req.raw, deps.trust).web;

  app.get('/api/me/webhooks', async (req) => {
    const channel = await ownChannel(req);
    return (await deps.webhooks.list(channel.id)).map(toApiWebhook);
  });

  app.post('/api/me/webhooks', async (req, reply) => {
    const channel = await ownChannel(req);
    const b = jsonObject(req.body, EXAMPLE);
    const fields: WebhookFields = {
      url: checkedInput(() => parseWebhookUrl(b.url, allowPrivate)),
      format: checkedInput(() => parseWebhookFormat(b.format)),
      events: checkedInput(() => parseWebhookEvents(b.events)),
      linkBase: linkBase(req),
    };
    const webhook = await deps.webhooks.create(channel.id, fields).catch(rethrowDbError);
    deps.logger.info({ channel: channel.name, webhookId: webhook.id, target: webhookTarget(webhook.url), format: webhook.format }, 'webhook added');
    return reply.status(201).send(toApiWebhook(webhook));
  });

  app.patch('/api/me/webhooks/:id', async (req) => {
    const { channel, webhook } = await ownWebhook(req);
    const b = jsonObject(req.body, EXAMPLE);
    const patch: Partial<WebhookFields> = { linkBase: linkBase(req) };
    if (b.url !== undefined) patch.url = checkedInput(() => parseWebhookUrl(b.url, allowPrivate));
    if (b.format !== undefined) patch.format = checkedInput(() => parseWebhookFormat(b.format));
    if (b.events !== undefined) patch.events = checkedInput(() => parseWebhookEvents(b.events));
    const updated = await deps.webhooks.update(channel.id, webhook.id, patch);
    if (!updated) throw notYours();
    deps.logger.info({ channel: channel.name, webhookId: webhook.id, target: webhookTarget(updated.url) }, 'webhook changed');
    return toApiWebhook(updated);
  });

  app.delete('/api/me/webhooks/:id', async (req, reply) => {
    const { channel, webhook } = await ownWebhook(req);
    if (!(await deps.webhooks.remove(channel.id, webhook.id))) throw notYours();
    deps.logger.info({ channel: channel.name, webhookId: webhook.id }, 'webhook deleted');
    return reply.status(204).send();
  });

  app.post('/api/me/webhooks/:id/test', async (req) => {
    const { channel, webhook } = await ownWebhook(req);
    const allowed = await tests.take(String(channel.id));
    if (!allowed.allowed) {
      throw new HttpError(
        429,
        'rate_limited',
        `At most ${DELIVERY_LIMITS.testsPerMinute} test sends a minute; try again shortly.`,
        allowed.retryAfterSeconds,
      );
    }
    const body: WebhookTestResult = { delivery: toApiDelivery(await deps.webhookTests.sendTest(webhook)) };
    return body;
  });
}
