// Counts HLS/DASH viewers per channel: distinct clients that fetched a playlist in the last few seconds.
// A client is an address plus user agent, hashed so that no address is kept in memory longer than needed.
import { createHash } from 'node:crypto';

/** A viewer that has not refreshed its playlist for this long has left. */
const VIEWER_TIMEOUT_MS = 15_000;
/** Bound on tracked viewers per channel, against floods of fake clients. */
const MAX_TRACKED_PER_CHANNEL = 100_000;

export class ViewerCounter {
  private readonly seen = new Map<string, Map<string, number>>();
  constructor(private readonly now: () => number = Date.now) {}

  touch(channel: string, address: string, userAgent = ''): void {
    let m = this.seen.get(channel);
    if (!m) this.seen.set(channel, (m = new Map()));
    const id = createHash('sha1').update(address).update('\0').update(userAgent).digest('base64url').slice(0, 16);
    if (m.size >= MAX_TRACKED_PER_CHANNEL && !m.has(id)) this.prune(channel);
    if (m.size < MAX_TRACKED_PER_CHANNEL || m.has(id)) m.set(id, this.now());
  }

  count(channel: string): number {
    this.prune(channel);
    return this.seen.get(channel)?.size ?? 0;
  }

  forget(channel: string): void {
    this.seen.delete(channel);
  }

  private prune(channel: string): void {
    const m = this.seen.get(channel);
    if (!m) return;
    const cutoff = this.now() - VIEWER_TIMEOUT_MS;
    for (const [id, t] of m) if (t < cutoff) m.delete(id);
    if (m.size === 0) this.seen.delete(channel);
  }
}
