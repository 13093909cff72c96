// Delivers a channel's webhooks when its stream goes live or ends, away from everything else: the stream lifecycle
// hands the news over and returns at once; each webhook has its own queue, so a receiver that hangs delays only its
// own later deliveries (each attempt ends within WEBHOOK_LIMITS.timeoutSeconds, retries are bounded). Every attempt's
// outcome is kept on the webhook (the API shows it). Logs name a webhook by id and its origin, never its path (a
// Discord webhook URL carries its token there).
import { randomUUID } from 'node:crypto';
import { WEBHOOK_LIMITS, type WebhookEvent } from '../api/types.js';
import type { OnairConfig } from '../config.js';
import type { ChannelsRepo } from '../db/channels.js';
import type { Channel } from '../db/models.js';
import type { LastDelivery, Webhook, WebhooksRepo } from '../db/webhooks.js';
import { configuredBase, type PublicBase } from '../http/urls.js';
import type { Logger } from '../log.js';
import { postJson, type PostOutcome } from './deliver.js';
import { webhookTarget } from './input.js';
import { webhookBody, type StreamNews } from './payloads.js';

/** Delivery limits beside the shared ones (WEBHOOK_LIMITS). */
export const DELIVERY_LIMITS = {
  /** Wait before retry n (1-based): 1 s, 2 s, 4 s. */
  backoffMs: (retry: number) => 1000 * 2 ** (retry - 1),
  /** A Retry-After longer than this is cut to it. */
  maxRetryAfterMs: 30_000,
  /** Deliveries waiting per webhook; beyond it the oldest waiting one is dropped. */
  queuePerWebhook: 10,
  /** Test sends per channel per minute. */
  testsPerMinute: 10,
} as const;

/** What happened to a stream, as the lifecycle tells it. */
export interface StreamLive {
  channel: string;
  streamId: string;
  startedAt: number;
}
export interface StreamOver extends StreamLive {
  endedAt: number;
  durationSeconds: number;
  hasReplay: boolean;
}

export interface WebhookDispatcherOptions {
  webhooks: WebhooksRepo;
  channels: ChannelsRepo;
  config: OnairConfig;
  logger: Logger;
}

interface Job {
  webhook: Webhook;
  news: StreamNews;
}

export class WebhookDispatcher {
  /** Per webhook id: deliveries waiting, and whether one is under way. */
  private readonly queues = new Map<number, { waiting: Job[]; running: boolean }>();
  private readonly stopping = new AbortController();
  private readonly idleWaiters = new Set<() => void>();
  /** News being turned into deliveries (the channel and its webhooks looked up). */
  private announcing = 0;

  constructor(private readonly opts: WebhookDispatcherOptions) {}

  /** Queues the channel's 'live' deliveries. Resolves once they are queued (never waits on a receiver); never rejects. */
  streamLive(s: StreamLive): Promise<void> {
    return this.announce('live', s);
  }

  /** Queues the channel's 'ended' deliveries, after any of its 'live' ones still waiting. As streamLive. */
  streamEnded(s: StreamOver): Promise<void> {
    return this.announce('ended', s, s);
  }

  /** One attempt to one webhook, now, with a sample of its body (event "test"); the outcome is kept like any other. */
  async sendTest(webhook: Webhook): Promise<LastDelivery> {
    const channel = await this.opts.channels.byId(webhook.channelId);
    if (!channel) throw new Error('channel gone');
    const tags = await this.opts.channels.tagsOf(channel.id);
    const news = this.news('test', channel, tags, { channel: channel.name, streamId: '', startedAt: Date.now() }, webhook);
    const outcome = await this.attempt(webhook, news);
    const last = this.lastDelivery('test', outcome, 1, false);
    await this.record(webhook, last);
    this.logOutcome(webhook, channel.name, 'test', outcome, 1, false);
    return last;
  }

  /** Stops at once: attempts under way are aborted, waiting deliveries dropped. */
  close(): void {
    this.stopping.abort();
    this.queues.clear();
    for (const w of this.idleWaiters) w();
  }

  /** Resolves when no delivery is waiting or under way (a stopping server gives them a moment). */
  idle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  private busy(): boolean {
    return this.announcing > 0 || this.queues.size > 0;
  }

  private settle(): void {
    if (this.busy()) return;
    for (const w of this.idleWaiters) w();
    this.idleWaiters.clear();
  }

  private async announce(event: WebhookEvent, s: StreamLive, over?: StreamOver): Promise<void> {
    const { channels, webhooks, logger } = this.opts;
    this.announcing++;
    try {
      const channel = await channels.byName(s.channel);
      if (!channel) return;
      const targets = await webhooks.forEvent(channel.id, event);
      if (targets.length === 0) return;
      const tags = await channels.tagsOf(channel.id);
      for (const webhook of targets) this.enqueue({ webhook, news: this.news(event, channel, tags, s, webhook, over) });
    } catch (err) {
      logger.warn({ channel: s.channel, event, err: (err as Error).message }, 'could not queue webhooks');
    } finally {
      this.announcing--;
      this.settle();
    }
  }

  private news(event: StreamNews['event'], channel: Channel, tags: string[], s: StreamLive, webhook: Webhook, over?: StreamOver): StreamNews {
    return {
      event,
      channel: { name: channel.name, title: channel.title, visibility: channel.visibility, tags },
      streamId: s.streamId || undefined,
      startedAt: s.startedAt,
      endedAt: over?.endedAt,
      durationSeconds: over?.durationSeconds,
      hasReplay: over?.hasReplay,
      thumbnails: this.opts.config.media.thumbnailIntervalSeconds > 0,
      base: this.linkBase(webhook),
      deliveryId: randomUUID(),
    };
  }

  /** ONAIR_PUBLIC_URL when set; else the address the owner used when saving the webhook. */
  private linkBase(webhook: Webhook): PublicBase {
    const { config } = this.opts;
    if (config.publicUrlSet || !webhook.linkBase) return configuredBase(config);
    return { ...configuredBase(config), web: webhook.linkBase };
  }

  private enqueue(job: Job): void {
    if (this.stopping.signal.aborted) return;
    let q = this.queues.get(job.webhook.id);
    if (!q) this.queues.set(job.webhook.id, (q = { waiting: [], running: false }));
    q.waiting.push(job);
    if (q.waiting.length > DELIVERY_LIMITS.queuePerWebhook) {
      const dropped = q.waiting.shift()!;
      this.opts.logger.warn(
        { webhookId: job.webhook.id, target: webhookTarget(job.webhook.url), event: dropped.news.event },
        'webhook delivery dropped: too many waiting for this receiver',
      );
    }
    if (!q.running) void this.drain(job.webhook.id, q);
  }

  private async drain(id: number, q: { waiting: Job[]; running: boolean }): Promise<void> {
    q.running = true;
    try {
      for (let job = q.waiting.shift(); job && !this.stopping.signal.aborted; job = q.waiting.shift()) await this.deliver(job);
    } finally {
      q.running = false;
      if (this.queues.get(id) === q && q.waiting.length === 0) this.queues.delete(id);
      this.settle();
    }
  }

  /** Attempts one delivery up to WEBHOOK_LIMITS.attempts times, waiting longer between each. */
  private async deliver({ webhook, news }: Job): Promise<void> {
    const event = news.event as WebhookEvent;
    for (let attempt = 1; attempt <= WEBHOOK_LIMITS.attempts; attempt++) {
      const outcome = await this.attempt(webhook, news);
      if (this.stopping.signal.aborted) return;
      const retrying = !outcome.ok && outcome.retryable && attempt < WEBHOOK_LIMITS.attempts;
      await this.record(webhook, this.lastDelivery(event, outcome, attempt, retrying));
      this.logOutcome(webhook, news.channel.name, event, outcome, attempt, retrying);
      if (!retrying) return;
      const asked = outcome.retryAfterSeconds !== undefined ? Math.min(outcome.retryAfterSeconds * 1000, DELIVERY_LIMITS.maxRetryAfterMs) : 0;
      if (!(await this.pause(Math.max(asked, DELIVERY_LIMITS.backoffMs(attempt))))) return;
    }
  }

  private attempt(webhook: Webhook, news: StreamNews): Promise<PostOutcome> {
    return postJson(webhook.url, webhookBody(webhook.format, news), {
      timeoutMs: WEBHOOK_LIMITS.timeoutSeconds * 1000,
      allowPrivate: this.opts.config.webhooks.allowPrivateAddresses,
      headers: { 'user-agent': 'Onair-Webhook/1', 'x-onair-event': news.event, 'x-onair-delivery': news.deliveryId },
      signal: this.stopping.signal,
    });
  }

  /** False when the server stopped meanwhile. */
  private pause(ms: number): Promise<boolean> {
    const signal = this.stopping.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private lastDelivery(event: LastDelivery['event'], o: PostOutcome, attempts: number, retrying: boolean): LastDelivery {
    return { event, at: Date.now(), ok: o.ok, status: o.status, error: o.error, attempts, retrying };
  }

  private async record(webhook: Webhook, last: LastDelivery): Promise<void> {
    await this.opts.webhooks
      .recordDelivery(webhook.id, last)
      .catch((err) => this.opts.logger.warn({ webhookId: webhook.id, err: (err as Error).message }, 'could not record a webhook delivery'));
  }

  private logOutcome(webhook: Webhook, channel: string, event: LastDelivery['event'], o: PostOutcome, attempt: number, retrying: boolean): void {
    const fields = { webhookId: webhook.id, channel, event, target: webhookTarget(webhook.url), status: o.status, attempt };
    if (o.ok) this.opts.logger.info(fields, 'webhook delivered');
    else if (retrying) this.opts.logger.info({ ...fields, error: o.error }, 'webhook delivery failed; will retry');
    else this.opts.logger.warn({ ...fields, error: o.error }, 'webhook delivery failed');
  }
}
