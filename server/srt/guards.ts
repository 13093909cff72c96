// What keeps a flood cheap at the SRT listener: a budget of handshake replies per second in total, and warnings
// at most once per key (an address group, '*', a budget's name) per interval.
import type { Logger } from '../log.js';

export class HandshakeBudget {
  private second = 0;
  private used = 0;

  constructor(private readonly perSecond: number) {}

  /** False when this second's replies are spent. */
  spend(now = Date.now()): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.used = 0;
    }
    if (this.used >= this.perSecond) return false;
    this.used++;
    return true;
  }
}

export class RefusalLog {
  private readonly logged = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly maxKeys: number,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const last = this.logged.get(key);
    if (last !== undefined && now - last < this.intervalMs) return;
    this.logged.set(key, now);
    if (this.logged.size > this.maxKeys) {
      for (const [k, at] of this.logged) if (now - at >= this.intervalMs) this.logged.delete(k);
    }
    this.log.warn(fields, message);
  }
}
