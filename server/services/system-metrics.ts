// The server process's own numbers for the operator's page (/admin): CPU, memory, event-loop delay and open
// connections, sampled every few seconds into a short history kept in memory (charts of the last minutes; a
// restart starts it over, as /metrics scrapers keep the long history).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
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
  // A 250 ms probe, not Node's 10-20 ms: each probe wakes the loop, and at 50 a second the probes were most of an
  // idle server's CPU. The mean delay (what the admin page shows) is the same over a sample of a few seconds.
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 250 });
  private timer?: NodeJS.Timeout;
  private lastCpu = process.cpuUsage();
  private lastAt: number;
  private readonly now: () => number;

  constructor(private readonly opts: SystemMetricsOptions) {
    this.now = opts.now ?? Date.now;
    this.lastAt = this.now();
  }

  start(): void {
    if (this.timer) return;
    this.loop.enable();
    this.lastCpu = process.cpuUsage();
    this.lastAt = this.now();
    this.timer = setInterval(() => void this.sample(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.loop.disable();
  }

  /** Takes a sample now, keeps it in the history and returns it. */
  async sample(): Promise<SystemSample> {
    const now = this.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const wallUs = Math.max(1, (now - this.lastAt) * 1000);
    const mem = process.memoryUsage();
    const conns = await this.opts.connections();
    const meanNs = this.loop.count > 0 ? this.loop.mean : 0;
    const s: SystemSample = {
      at: now,
      cpuPercent: Math.round(((cpu.user + cpu.system) / wallUs) * 1000) / 10,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      eventLoopDelayMs: Math.round(meanNs / 1e4) / 100,
      rtmpConnections: conns.rtmp,
      httpConnections: conns.http,
      chatConnections: conns.chat,
    };
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    this.loop.reset();
    this.samples.push(s);
    if (this.samples.length > this.opts.historySize) this.samples.splice(0, this.samples.length - this.opts.historySize);
    return s;
  }

  /** The samples kept, oldest first. */
  history(): SystemSample[] {
    return [...this.samples];
  }
}
