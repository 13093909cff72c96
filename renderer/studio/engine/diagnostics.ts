// The engine's own figures (compose times, encode counters) for tools outside the page's modules: a bench or a test
// driving the page (Playwright's page.evaluate), or a developer's console, calls globalThis.__onairEngineStats(),
// which answers what each running part registered, by name ('compose', 'encode', 'encodeVertical'). A reader is
// called only when asked, so registering costs nothing per frame. Pure apart from that one global.

export type StatsReader = () => unknown;

/** The global a tool calls: `globalThis.__onairEngineStats()`. */
export const STATS_GLOBAL = '__onairEngineStats';

const readers = new Map<string, StatsReader>();

/** Registers `read` under `name` (replacing an older one); the returned function removes it (once, and only it). */
export function exposeStats(name: string, read: StatsReader): () => void {
  readers.set(name, read);
  return () => {
    if (readers.get(name) === read) readers.delete(name);
  };
}

/** Every registered figure, read now. */
export function engineStats(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, read] of readers) out[name] = read();
  return out;
}

(globalThis as Record<string, unknown>)[STATS_GLOBAL] = engineStats;
