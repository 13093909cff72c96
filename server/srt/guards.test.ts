// The listener's flood guards: a per-second handshake budget and warnings at most once per key per interval.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../log.js';
import { Writable } from 'node:stream';
import { HandshakeBudget, RefusalLog } from './guards.js';

test('the handshake budget refuses past its count within a second and refills the next', () => {
  const b = new HandshakeBudget(3);
  const t = 1_000_000;
  assert.deepEqual([b.spend(t), b.spend(t + 10), b.spend(t + 20), b.spend(t + 30)], [true, true, true, false]);
  assert.equal(b.spend(t + 1000), true);
});

test('a refusal is logged once per key per interval', () => {
  let lines = 0;
  const sink = new Writable({
    write(_c, _e, cb) {
      lines++;
      cb();
    },
  });
  const log = new RefusalLog(createLogger({ level: 'warn' }, sink), 60_000, 10);
  for (let i = 0; i < 5; i++) log.warn('1.2.3.4', {}, 'refused');
  log.warn('5.6.7.8', {}, 'refused');
  assert.equal(lines, 2);
});
