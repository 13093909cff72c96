// Folding stream notices in the chat list: a channel restarted a few times with nobody chatting in between leaves a
// run of "is live" / "has ended" lines. Such a run is shown as one compact line ("Live 3 times between 14:02 and
// 15:10", with a toggle for the earlier lines) followed by its latest start (and end) as usual. Pure: Chat.tsx
// renders what this returns.
import type { ChatMessage } from './contracts.js';

export type ChatRow =
  | { kind: 'message'; message: ChatMessage }
  | {
      kind: 'fold';
      /** Stable while the run grows: the id of its first line. */
      key: string;
      /** The earlier lines of the run, shown only when the reader opens the fold. */
      hidden: ChatMessage[];
      /** How many times the channel went live in the whole run (hidden lines and the latest ones). */
      lives: number;
      /** ISO times of the run's first and last line. */
      from: string;
      to: string;
    };

/** A "went live" or "ended" line. */
export const isStreamNotice = (m: ChatMessage): boolean => m.author.kind === 'system' && (m.system === 'live' || m.system === 'ended');

/** A run folds when at least this many of its lines would be hidden (one start and end pair is never folded). */
const MIN_HIDDEN = 2;

/** The lines of a run that stay in view: its latest start and what follows it (its end), at most two lines. */
function latestPair(run: ChatMessage[]): number {
  let lastLive = -1;
  for (let i = run.length - 1; i >= 0; i--) {
    if (run[i].system === 'live') {
      lastLive = i;
      break;
    }
  }
  const start = lastLive >= 0 ? lastLive : run.length - 1;
  return Math.max(start, run.length - 2);
}

/**
 * The rows to show: every message as itself, except that a run of stream notices with at least MIN_HIDDEN earlier
 * lines becomes a fold row followed by the run's latest pair. With the fold's key in `expanded`, the earlier lines
 * follow the fold row (the fold row stays, to close it again).
 */
export function foldChat(messages: readonly ChatMessage[], expanded: ReadonlySet<string> = new Set()): ChatRow[] {
  const rows: ChatRow[] = [];
  let i = 0;
  while (i < messages.length) {
    if (!isStreamNotice(messages[i])) {
      rows.push({ kind: 'message', message: messages[i++] });
      continue;
    }
    let j = i;
    while (j < messages.length && isStreamNotice(messages[j])) j++;
    const run = messages.slice(i, j);
    const keepFrom = latestPair(run);
    if (keepFrom >= MIN_HIDDEN) {
      const key = String(run[0].id);
      const hidden = run.slice(0, keepFrom);
      rows.push({ kind: 'fold', key, hidden, lives: run.filter((m) => m.system === 'live').length, from: run[0].at, to: run[run.length - 1].at });
      if (expanded.has(key)) for (const m of hidden) rows.push({ kind: 'message', message: m });
      for (const m of run.slice(keepFrom)) rows.push({ kind: 'message', message: m });
    } else {
      for (const m of run) rows.push({ kind: 'message', message: m });
    }
    i = j;
  }
  return rows;
}

/** "Live 3 times between 14:02 and 15:10" (the date too when the run spans days); `time` formats one ISO time. */
export function foldSummary(fold: { lives: number; from: string; to: string }, time: (iso: string, withDate: boolean) => string): string {
  const a = new Date(fold.from);
  const b = new Date(fold.to);
  const withDate = a.toDateString() !== b.toDateString();
  const span = `between ${time(fold.from, withDate)} and ${time(fold.to, withDate)}`;
  if (fold.lives === 0) return `Stream notices ${span}`;
  return `Live ${fold.lives === 1 ? 'once' : `${fold.lives} times`} ${span}`;
}
