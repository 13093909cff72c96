// The server's periodic work (samplers, sweeps, polls) on one timer. A timer of its own for each job wakes the event
// loop at a moment of its own, and on a small VM each wake is two epoll calls and a context switch: an idle server
// woke eight times a second for work that can share a wake (0.13-0.17 % of a core idle, 0.05 % with them merged,
// where nginx-rtmp's whole cost at one stream is 0.4-0.6 %). Jobs run on a grid common to all of them (multiples of
// their period since the epoch, shifted by a phase of the process's own), so jobs of 1 s, 2 s and 10 s meet on the
// same wakes, and the nodes of a cluster do not all beat into Redis in the same millisecond.
//
// The lateness of each wake is the event loop's delay, as monitorEventLoopDelay measures it with a timer of its own.

/** Stops the job. */
export type StopJob = () => void;
/** Runs `job` every `periodMs` (on the common grid) until stopped. */
export type Every = (periodMs: number, job: () => void) => StopJob;

interface Job {
  readonly periodMs: number;
  nextAt: number;
  readonly run: () => void;
}

/** Node fires a timer up to a few ms early or late by the loop's cached clock: a job due this close runs on this wake. */
const SLACK_MS = 10;

export class PeriodicJobs {
  private readonly jobs = new Set<Job>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private wakes = 0;
  private lateMs = 0;

  constructor(
    private readonly now: () => number = Date.now,
    /** Where in each second this process's grid lies. */
    private readonly phaseMs = Math.floor(Math.random() * 1000),
  ) {}

  every: Every = (periodMs, run) => {
    if (!(periodMs > 0)) throw new Error(`every: a period must be above 0 ms (got ${periodMs})`);
    const job: Job = { periodMs, nextAt: this.nextOnGrid(this.now(), periodMs), run };
    this.jobs.add(job);
    this.arm();
    return () => {
      this.jobs.delete(job);
      if (this.jobs.size === 0) this.disarm();
    };
  };

  /** The wakes so far and their lateness in all, in ms: a reader's mean delay is the difference of two readings. */
  loopDelay(): { wakes: number; totalMs: number } {
    return { wakes: this.wakes, totalMs: this.lateMs };
  }

  /** The first point of the grid of `periodMs` after `t`. */
  private nextOnGrid(t: number, periodMs: number): number {
    return (Math.floor((t - this.phaseMs) / periodMs) + 1) * periodMs + this.phaseMs;
  }

  private arm(): void {
    let earliest = Infinity;
    for (const j of this.jobs) earliest = Math.min(earliest, j.nextAt);
    if (earliest === Infinity) return this.disarm();
    if (this.timer && this.armedFor <= earliest) return;
    clearTimeout(this.timer);
    this.armedFor = earliest;
    this.timer = setTimeout(this.fire, Math.max(0, earliest - this.now()));
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.now();
    const ready: Job[] = [];
    let dueAt = Infinity;
    for (const j of this.jobs) {
      // The wall clock went back: the job's next run is on the grid from now, not an hour away.
      if (j.nextAt - now > j.periodMs + SLACK_MS) j.nextAt = this.nextOnGrid(now, j.periodMs);
      if (j.nextAt > now + SLACK_MS) continue;
      dueAt = Math.min(dueAt, j.nextAt);
      ready.push(j);
      // Late by more than a period: the runs missed are skipped, as setInterval does.
      j.nextAt = this.nextOnGrid(Math.max(now, j.nextAt) + SLACK_MS, j.periodMs);
    }
    if (dueAt !== Infinity) {
      this.lateMs += Math.max(0, now - dueAt);
      this.wakes++;
    }
    this.arm();
    for (const j of ready) {
      if (!this.jobs.has(j)) continue;
      try {
        j.run();
      } catch (err) {
        // As a throwing setInterval callback would: uncaught, and the other jobs still run.
        process.nextTick(() => {
          throw err;
        });
      }
    }
  };
}

/** The process's periodic jobs: every server part's timers share its wakes. */
export const periodic = new PeriodicJobs();
export const every: Every = periodic.every;
