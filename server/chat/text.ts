// Pure parts of chat: message text cleaning and the token-bucket rate limiter.
import { CHAT_LIMITS } from '../api/chat.js';
import { LocalTokenBuckets, type TokenBucket } from '../db/token-buckets.js';
import { graphemeLength, hasBidiControl, isInvisibleOnly } from '../api/text-rules.js';

// C0/C1 controls (newlines included: chat is one line) and the line / paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export type CleanText = { ok: true; text: string } | { ok: false; code: 'bad_request' | 'empty' | 'too_long'; message: string };

/**
 * Strips control characters and trims; refuses bidi controls (they would make the message read as something else),
 * text that shows nothing, and more than maxChars grapheme clusters (what people see as characters).
 */
export function cleanMessageText(raw: unknown, maxChars: number = CHAT_LIMITS.maxMessageChars): CleanText {
  if (typeof raw !== 'string') return { ok: false, code: 'bad_request', message: 'The message text must be a string.' };
  const tooLong = { ok: false, code: 'too_long', message: `Messages can be at most ${maxChars} characters.` } as const;
  // No work on inputs larger than a chat packet (socket.io refuses those before they get here anyway).
  if (raw.length > CHAT_LIMITS.maxPayloadBytes) return tooLong;
  if (hasBidiControl(raw)) {
    return {
      ok: false,
      code: 'bad_request',
      message:
        'Messages cannot contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069): they change the order text is shown in.',
    };
  }
  const text = raw.replace(CONTROL, '').trim();
  if (isInvisibleOnly(text)) return { ok: false, code: 'empty', message: 'The message is empty.' };
  if (graphemeLength(text, maxChars) > maxChars) return tooLong;
  return { ok: true, text };
}

/** True for a plausible channel name (what the join payload may carry). */
export function isChannelName(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= CHAT_LIMITS.channelNameMaxLength && /^[A-Za-z0-9_-]+$/.test(v);
}

/**
 * Token buckets keyed by a string, in this process (chat's joins and moderation actions per connection: a connection
 * lives on one process): `burst` tokens, refilled continuously at burst / windowMs. Entries that are full again are
 * dropped by sweep(), so memory is bounded by the keys active in the last window.
 */
export class RateLimiter {
  private readonly buckets = new LocalTokenBuckets();
  private readonly bucket: TokenBucket;

  constructor(
    burst: number,
    windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.bucket = { name: '', burst, windowMs };
  }

  /** Takes a token: 0 if allowed, else the milliseconds until one is available. */
  take(key: string): number {
    return this.buckets.takeNow(this.bucket, key, this.now());
  }

  sweep(): void {
    this.buckets.sweep(this.now());
  }

  get size(): number {
    return this.buckets.size;
  }
}
