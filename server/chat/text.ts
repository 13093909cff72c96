// Pure parts of chat: message text cleaning and the token-bucket rate limiter.
import { CHAT_LIMITS } from '../api/chat.js';

// C0/C1 controls (newlines included: chat is one line), and the bidi override / isolate characters that can
// make a message display as something else.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export type CleanText = { ok: true; text: string } | { ok: false; code: 'bad_request' | 'empty' | 'too_long'; message: string };

/** Strips control characters, trims, and checks 1..maxChars code points. */
export function cleanMessageText(raw: unknown, maxChars: number = CHAT_LIMITS.maxMessageChars): CleanText {
  if (typeof raw !== 'string') return { ok: false, code: 'bad_request', message: 'The message text must be a string.' };
  // Refuse absurd inputs before doing any work on them (the socket.io packet limit bounds this anyway).
  if (raw.length > maxChars * 8) return { ok: false, code: 'too_long', message: `Messages can be at most ${maxChars} characters.` };
  const text = raw.replace(CONTROL, '').trim();
  if (text.length === 0) return { ok: false, code: 'empty', message: 'The message is empty.' };
  let count = 0;
  for (const _ of text) if (++count > maxChars) return { ok: false, code: 'too_long', message: `Messages can be at most ${maxChars} characters.` };
  return { ok: true, text };
}

/** True for a plausible channel name (what the join payload may carry). */
export function isChannelName(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= CHAT_LIMITS.channelNameMaxLength && /^[A-Za-z0-9_-]+$/.test(v);
}

/**
 * Token buckets keyed by a string: `burst` tokens, refilled continuously at burst / windowMs. Entries that are
 * full again are dropped by sweep(), so memory is bounded by the keys active in the last window.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly burst: number,
    windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = burst / windowMs;
  }

  /** Takes a token: 0 if allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.buckets.set(key, b);
      return 0;
    }
    this.buckets.set(key, b);
    return Math.ceil((1 - b.tokens) / this.perMs);
  }

  sweep(): void {
    const now = this.now();
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) * this.perMs >= this.burst) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }
}
