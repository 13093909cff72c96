// The failures in a test file's TAP output, one line each (test name and the first line of its error), printed at
// the end of a run: a CI log is often read from its tail, which then says what failed and why, not only where.

const MAX_PER_FILE = 6;
const MAX_LINE = 300;

/**
 * `not ok` tests with the first line of their error (node:test's TAP: `error: |-` then the message, indented). Tests
 * cancelled because their suite failed come last: the suite's own line (a failed `before` hook, say) says why.
 */
export function tapFailures(output: string): string[] {
  const lines = output.split('\n');
  const found: string[] = [];
  const cancelled: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(lines[i]);
    // A TODO test's failure does not fail the run (tapTodos reports it).
    if (!m || TODO.test(m[2])) continue;
    const reason = errorAfter(lines, i);
    // A suite's own line repeats its failed tests' failure ("N subtests failed"): skipped when a test says more.
    if (/^\d+ subtests? failed$/.test(reason)) continue;
    (reason === CANCELLED_BY_PARENT ? cancelled : found).push(`${m[2]}: ${reason || '(no error message)'}`.slice(0, MAX_LINE));
  }
  return [...found, ...cancelled].slice(0, MAX_PER_FILE);
}

const CANCELLED_BY_PARENT = 'test did not finish before its parent and was cancelled';
const TODO = / # TODO( .*)?$/;

/**
 * The TODO tests (node:test's `{ todo }`: run, reported, never failing the run), each with whether it passed and,
 * if not, its error's first line: a run says when one is ready to become a plain test.
 */
export function tapTodos(output: string): string[] {
  const lines = output.split('\n');
  const found: string[] = [];
  for (let i = 0; i < lines.length && found.length < MAX_PER_FILE; i++) {
    const m = /^\s*(not )?ok \d+ - (.*)$/.exec(lines[i]);
    if (!m || !TODO.test(m[2])) continue;
    const name = m[2].replace(TODO, '');
    found.push((m[1] ? `${name}: fails: ${errorAfter(lines, i) || '(no error message)'}` : `${name}: passes`).slice(0, MAX_LINE));
  }
  return found;
}

/** The first line of the error in the YAML block after line `i`, bounded; '' when there is none. */
function errorAfter(lines: string[], i: number): string {
  for (let j = i + 1; j < Math.min(lines.length, i + 40) && !/^\s*(not )?ok \d+ /.test(lines[j]); j++) {
    const e = /^\s*error: (.*)$/.exec(lines[j]);
    if (!e) continue;
    return e[1] === '|-' || e[1] === '|' || e[1] === '>-' ? (lines[j + 1] ?? '').trim() : e[1].replace(/^['"]|['"]$/g, '');
  }
  return '';
}
