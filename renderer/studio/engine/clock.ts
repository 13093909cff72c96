import type { SessionClock } from './types.js';

/** One clock per session, from the page's monotonic clock (performance.now), zero when the session starts. */
export function sessionClock(now: () => number = () => performance.now()): SessionClock {
  const start = now();
  return { nowUs: () => Math.round((now() - start) * 1000) };
}
