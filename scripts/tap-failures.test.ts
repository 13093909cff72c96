// The run's failure lines (scripts/tap-failures.ts) from node:test's own TAP, as run-tests.ts collects it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tapFailures, tapTodos } from './tap-failures.js';

const TAP = `TAP version 13
# Subtest: social repos (postgres)
    # Subtest: follow is idempotent
    not ok 1 - follow is idempotent
      ---
      duration_ms: 3.1
      failureType: 'hookFailed'
      error: |-
        PostgreSQL test database unreachable at postgres://postgres@127.0.0.1:5432/test (connect ECONNREFUSED)
        more
      code: 'ERR_TEST_FAILURE'
      ...
    # Subtest: settings
    ok 2 - settings
      ---
      duration_ms: 1
      ...
not ok 1 - social repos (postgres)
  ---
  error: '1 subtest failed'
  ...
not ok 2 - a string error
  ---
  error: 'the video played to its end'
  ...
# pass 1
# fail 2
`;

test('each failed test with the first line of its error; a suite that only counts its failures is left out', () => {
  assert.deepEqual(tapFailures(TAP), [
    'follow is idempotent: PostgreSQL test database unreachable at postgres://postgres@127.0.0.1:5432/test (connect ECONNREFUSED)',
    'a string error: the video played to its end',
  ]);
  assert.deepEqual(tapFailures('ok 1 - fine\n# pass 1\n'), []);
  assert.deepEqual(tapFailures('not ok 1 - crashed\n'), ['crashed: (no error message)']);
});

test("TODO tests: reported as passing or failing with their error's first line, and never among the failures", () => {
  const tap = `# Subtest: the edge viewer
not ok 3 - the edge viewer # TODO the last segment at the edge
  ---
  error: |-
    its last media events: waiting at 14.97
  ...
ok 4 - another # TODO why
not ok 5 - a real failure
  ---
  error: 'boom'
  ...
`;
  assert.deepEqual(tapTodos(tap), ['the edge viewer: fails: its last media events: waiting at 14.97', 'another: passes']);
  assert.deepEqual(tapFailures(tap), ['a real failure: boom']);
});

test("a suite whose before hook failed: its reason comes before its tests' cancellations, past the per-file bound", () => {
  const cancelledTest = (n: number) => `    # Subtest: t${n}
    not ok ${n} - t${n}
      ---
      duration_ms: 0
      failureType: 'cancelledByParent'
      error: 'test did not finish before its parent and was cancelled'
      code: 'ERR_TEST_FAILURE'
      ...
`;
  const tap = `TAP version 13
# Subtest: ChatRepo (postgres)
${[1, 2, 3, 4, 5, 6, 7].map(cancelledTest).join('')}    1..7
not ok 1 - ChatRepo (postgres)
  ---
  duration_ms: 60012.4
  type: 'suite'
  failureType: 'hookFailed'
  error: 'opening a PostgreSQL test database took over 90 s; PostgreSQL: 123 onair idle - 400 s holds advisory 1/2: select 1'
  code: 'ERR_TEST_FAILURE'
  ...
`;
  const lines = tapFailures(tap);
  assert.equal(lines.length, 6);
  assert.equal(
    lines[0],
    'ChatRepo (postgres): opening a PostgreSQL test database took over 90 s; PostgreSQL: 123 onair idle - 400 s holds advisory 1/2: select 1',
  );
  assert.equal(lines[1], 't1: test did not finish before its parent and was cancelled');
});
