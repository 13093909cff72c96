// The HTTP API's payloads for what leaves the server on a channel's behalf: outgoing webhooks and restream
// destinations (their limits, requests, answers and statuses). Re-exported by types.ts.
import type { ChannelVisibility } from './types.js';

/** Outgoing webhooks' limits, the same for the server and the apps that show them. */
export const WEBHOOK_LIMITS = {
  /** Webhooks one channel may have. */
  maxPerChannel: 10,
  maxUrlChars: 2000,
  /** Attempts per delivery: the first and up to three retries (1 s, 2 s, 4 s apart). */
  attempts: 4,
  /** One attempt's deadline, from connecting to the answer's status line. */
  timeoutSeconds: 5,
} as const;

/** What an outgoing webhook is told about: a stream going live, a stream ending. */
export type WebhookEvent = 'live' | 'ended';

/** How a webhook's body is shaped: Onair's own JSON (`WebhookPayload`), or Discord's webhook message. */
export type WebhookFormat = 'json' | 'discord';

/** POST /api/me/webhooks body (PATCH takes the same fields, each optional). */
export interface WebhookRequest {
  /** http:// or https://, at most 2000 characters. Shown again only masked (a Discord webhook URL carries a token). */
  url: string;
  format: WebhookFormat;
  /** At least one; duplicates removed. */
  events: WebhookEvent[];
}

/** The outcome of a webhook's last delivery (the last attempt of it). */
export interface WebhookDelivery {
  event: WebhookEvent | 'test';
  /** When the attempt ended. */
  at: string;
  ok: boolean;
  /** The receiver's HTTP status; null when none came (refused, timed out, address not allowed). */
  status: number | null;
  /** Why it failed, in plain words (never the URL); null when ok. */
  error: string | null;
  /** Attempts made so far for this delivery (1 to WEBHOOK_LIMITS.attempts). */
  attempts: number;
  /** Another attempt is scheduled. */
  retrying: boolean;
}

/** An item of GET /api/me/webhooks; also the answer to POST and PATCH. */
export interface ApiWebhook {
  id: number;
  /** Masked: scheme, host and port, then "/…" and the last 4 characters of the rest. */
  url: string;
  format: WebhookFormat;
  events: WebhookEvent[];
  createdAt: string;
  lastDelivery: WebhookDelivery | null;
}

/** Restream destinations' limits, the same for the server and the apps. */
export const DESTINATION_LIMITS = {
  /** Destinations one channel may have. */
  maxPerChannel: 10,
  maxNameChars: 60,
  maxUrlChars: 500,
  maxKeyChars: 500,
} as const;

/** Ingest addresses offered in the settings page; any other rtmp:// or rtmps:// address works too. */
export const DESTINATION_PRESETS: ReadonlyArray<{ name: string; url: string }> = [
  { name: 'Twitch', url: 'rtmp://live.twitch.tv/app' },
  { name: 'YouTube', url: 'rtmp://a.rtmp.youtube.com/live2' },
];

/** Where a destination is while its channel is live ('idle' while it is not, or when disabled). */
export type DestinationState = 'idle' | 'connecting' | 'live' | 'retrying' | 'failed';

export interface DestinationStatus {
  state: DestinationState;
  /** Why it is retrying or failed, in plain words (the destination server's own answer when it refused). */
  reason: string | null;
  /** Outgoing bitrate while live, else 0. */
  bitrateKbps: number;
  /** Frames dropped since the stream started because the destination could not keep up. */
  droppedFrames: number;
  /** Since when it is in this state. */
  since: string;
}

/** POST /api/me/destinations body (PATCH takes the same fields, each optional). */
export interface DestinationRequest {
  name: string;
  /** rtmp:// or rtmps:// ingest address, without the stream key. */
  url: string;
  /** The destination's stream key: write-only, never shown again. */
  key: string;
  enabled?: boolean;
}

/** An item of GET /api/me/destinations; also the answer to POST and PATCH. The key is never in it. */
export interface ApiDestination {
  id: number;
  name: string;
  url: string;
  enabled: boolean;
  status: DestinationStatus;
}

/** A destination as /api/stats shows it to the operator: the host, never the path's query nor the key. */
export interface DestinationStats {
  id: number;
  name: string;
  host: string;
  state: DestinationState;
  reason: string | null;
  bitrateKbps: number;
  droppedFrames: number;
}

/** 200 from POST /api/me/webhooks/:id/test: one attempt, no retries. */
export interface WebhookTestResult {
  delivery: WebhookDelivery;
}

/**
 * The body of a `json` webhook. For a channel that is not public only what its URL already says goes out: the
 * channel name, its watch page and the times; no title, tags, thumbnail or replay link.
 */
export interface WebhookPayload {
  event: WebhookEvent | 'test';
  channel: string;
  visibility: ChannelVisibility;
  /** The channel's watch page. */
  url: string;
  /** Public channels only ("" when the channel has none). */
  title?: string;
  /** Public channels only. */
  tags?: string[];
  /** Public channels with thumbnails on: the live picture (`live`), the replay's (`ended`). */
  thumbnail?: string;
  startedAt: string;
  /** `ended` only. */
  endedAt?: string;
  /** `ended` only. */
  durationSeconds?: number;
  /** `ended` with a replay kept, public channels only: the replay's page. */
  replayUrl?: string;
  /** The same for every attempt of one delivery: receivers can drop repeats. */
  deliveryId: string;
}
