// The server process's own numbers for the operator's page (/admin): CPU, memory, event-loop delay and open
// connections, sampled every few seconds into a short history kept in memory (charts of the last minutes; a
// restart starts it over, as /metrics scrapers keep the long history).
import { periodic, type StopJob } from '../periodic.js';
import type { SystemSample } from '../api/types.js';

export interface ConnectionCounts {
  rtmp: number;
  http: number;
  chat: number;
}

export interface SystemMetricsOptions {
  intervalMs: number;
  /** Samples kept (oldest dropped first). */
  historySize: number;
  connections(): Promise<ConnectionCounts>;
  now?: () => number;
}

export class SystemMetrics {
  private readonly samples: SystemSample[] = [];
  // The delay is the lateness of the periodic jobs' wakes (periodic.ts), not a probe of its own: a probe every 250 ms
  // was four of the eight wakes a second of an idle server. The mean (what the admin page shows) is the same.
  private stopTimer?: StopJob;
  private lastLoop = { wakes: 0, totalMs: 0 };
  private lastCpu = process.cpuUsage();
  private lastAt: number;
  private readonly now: () => number;

  constructor(private readonly opts: SystemMetricsOptions) {
    this.now = opts.now ?? Date.now;
    this.lastAt = this.now();
  }

  start(): void {
    if (this.stopTimer) return;
    this.lastCpu = process.cpuUsage();
    this.lastAt = this.now();
    this.lastLoop = periodic.loopDelay();
    this.stopTimer = periodic.every(this.opts.intervalMs, () => void this.sample());
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }

  /** Takes a sample now, keeps it in the history and returns it. */
  async sample(): Promise<SystemSample> {
    const now = this.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const wallUs = Math.max(1, (now - this.lastAt) * 1000);
    const mem = process.memoryUsage();
    const conns = await this.opts.connections();
    const loop = periodic.loopDelay();
    const wakes = loop.wakes - this.lastLoop.wakes;
    const loopDelayMs = wakes > 0 ? (loop.totalMs - this.lastLoop.totalMs) / wakes : 0;
    const s: SystemSample = {
      at: now,
      cpuPercent: Math.round(((cpu.user + cpu.system) / wallUs) * 1000) / 10,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      eventLoopDelayMs: Math.round(loopDelayMs * 100) / 100,
      rtmpConnections: conns.rtmp,
      httpConnections: conns.http,
      chatConnections: conns.chat,
    };
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    this.lastLoop = loop;
    this.samples.push(s);
    if (this.samples.length > this.opts.historySize) this.samples.splice(0, this.samples.length - this.opts.historySize);
    return s;
  }

  /** The samples kept, oldest first. */
  history(): SystemSample[] {
    return [...this.samples];
  }
}
