// Players per channel: the clients (services/audience.ts) that fetched a live playlist in the last
// PLAYER_TIMEOUT_MS. The count people see merges these with chat connections (chat/viewer-counts.ts).
import { clientKey, PLAYER_TIMEOUT_MS } from '../services/audience.js';

/** Bound on tracked players per channel, against floods of fake clients. */
const MAX_TRACKED_PER_CHANNEL = 100_000;

/** Client keys kept worked out: a hash per request was a few % of the server at 1000 Low-Latency viewers. */
const KEYS_KEPT = 10_000;

export class PlayerTracker {
  private readonly seen = new Map<string, Map<string, number>>();
  /** clientKey by address and user agent (the same few for every request of a player). */
  private readonly keys = new Map<string, string>();
  constructor(
    /** The salt of client keys; the same in every process and in chat. */
    private readonly salt: string,
    private readonly now: () => number = Date.now,
  ) {}

  touch(channel: string, address: string, userAgent = ''): void {
    let m = this.seen.get(channel);
    if (!m) this.seen.set(channel, (m = new Map()));
    const id = this.keyOf(address, userAgent);
    if (m.size >= MAX_TRACKED_PER_CHANNEL && !m.has(id)) this.prune(channel);
    if (m.size < MAX_TRACKED_PER_CHANNEL || m.has(id)) m.set(id, this.now());
  }

  /** The clients playing the channel now. */
  clients(channel: string): string[] {
    this.prune(channel);
    return [...(this.seen.get(channel)?.keys() ?? [])];
  }

  /** Channels with players now. */
  channels(): string[] {
    for (const c of [...this.seen.keys()]) this.prune(c);
    return [...this.seen.keys()];
  }

  forget(channel: string): void {
    this.seen.delete(channel);
  }

  private keyOf(address: string, userAgent: string): string {
    const k = `${address}\0${userAgent}`;
    let id = this.keys.get(k);
    if (id === undefined) {
      if (this.keys.size >= KEYS_KEPT) this.keys.clear();
      id = clientKey(this.salt, address, userAgent);
      this.keys.set(k, id);
    }
    return id;
  }

  private prune(channel: string): void {
    const m = this.seen.get(channel);
    if (!m) return;
    const cutoff = this.now() - PLAYER_TIMEOUT_MS;
    for (const [id, t] of m) if (t < cutoff) m.delete(id);
    if (m.size === 0) this.seen.delete(channel);
  }
}
