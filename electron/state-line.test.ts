import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trayLine } from './state-line.js';

test('the tray says a recording without a stream, and nothing more while a stream runs (its own line says it)', () => {
  const now = 1_000_000;
  assert.equal(trayLine({ kind: 'idle' }, false, now), 'Not live');
  assert.equal(trayLine({ kind: 'idle' }, true, now), 'Not live · Recording');
  assert.equal(trayLine({ kind: 'ended' }, true, now), 'Ended · Recording');
  assert.equal(trayLine({ kind: 'live', since: now - 65_000 }, true, now), 'Live 01:05');
  assert.equal(trayLine({ kind: 'connecting', attempt: 1 }, true, now), 'Connecting…');
});
