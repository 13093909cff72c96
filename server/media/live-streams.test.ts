import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KeyframeMeter } from './keyframe-cadence.js';
import { LiveStream } from './live-stream.js';
import { LivePackager } from './packager.js';
import { ENDED_PLAYOUT_MS, RecentlyEnded } from './recently-ended.js';

const work = mkdtempSync(join(tmpdir(), 'onair-live-stream-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a live stream versions its playlists: waiters wake at the version they wait for, or time out, or the end', async () => {
  const keepAlive = setInterval(() => {}, 1000); // a server's loop is busy; the waiters' own timers do not hold it
  const s = new LiveStream('ann', work, '127.0.0.1', (dir) => new LivePackager({ dir, segmentSeconds: 1 }), Date.now(), 1);
  assert.equal(s.version, 0);
  assert.equal(await s.waitForVersion(0, 10), true, 'a version already reached answers at once');
  const two = s.waitForVersion(2, 5000);
  const one = s.waitForVersion(1, 5000);
  let twoDone = false;
  void two.then(() => (twoDone = true));
  s.bumpVersion();
  assert.equal(await one, true);
  await new Promise((r) => setImmediate(r));
  assert.equal(twoDone, false, 'version 2 is not there yet');
  s.bumpVersion();
  assert.equal(await two, true);
  const started = Date.now();
  assert.equal(await s.waitForVersion(3, 50), false, 'times out');
  assert.ok(Date.now() - started >= 40);
  const pending = s.waitForVersion(3, 5000);
  s.releaseWaiters();
  assert.equal(await pending, false, 'the stream ending releases waiters');
  assert.equal(s.playlist('index.m3u8'), undefined, 'nothing listed before the first segment');
  assert.equal(s.segment('v-seg-0.m4s'), undefined);
  clearInterval(keepAlive);
});

test('the keyframe meter warns once two intervals are far above the segment target, and forgets a returned publisher', () => {
  const m = new KeyframeMeter(1);
  assert.equal(m.thresholdSeconds, 2.2);
  m.keyframe(0);
  m.keyframe(8333);
  assert.equal(m.summary().warning, null, 'one interval is not enough');
  m.keyframe(16_667);
  const s = m.summary();
  assert.equal(s.maxIntervalSeconds, 8.33);
  assert.equal(s.intervals, 2);
  assert.ok(s.warning, 'two 8.3 s GOPs against a 1 s target warn');
  assert.match(s.warning.fix, /Keyframe Interval: 1 s \(2 s also works\)/);
  m.restart();
  for (let t = 0; t <= 6006; t += 2002) m.keyframe(t); // OBS's 2 s at 29.97 fps
  assert.deepEqual(m.summary(), { maxIntervalSeconds: 2, medianIntervalSeconds: 2, intervals: 3, warning: null });
  m.keyframe(1000); // the clock went back: measure again
  assert.equal(m.summary().intervals, 0);
});

test('a stream that ended answers at its live URLs for a minute, not after, nor once its replay is deleted', () => {
  let now = 1_000_000;
  const ended = new RecentlyEnded(() => now);
  const stream = (channel: string) => new LiveStream(channel, work, '127.0.0.1', (dir) => new LivePackager({ dir, segmentSeconds: 1 }), now, 1);
  const a = stream('ann');
  const b = stream('bob');
  ended.add(a);
  ended.add(b);
  assert.equal(ended.get('ann'), a);
  assert.equal(ended.byStreamId(b.streamId), b);
  assert.equal(ended.get('cat'), undefined);
  ended.forget(b.streamId);
  assert.equal(ended.get('bob'), undefined, 'its replay was deleted');
  now += ENDED_PLAYOUT_MS - 1;
  assert.equal(ended.get('ann'), a);
  now += 1;
  assert.equal(ended.get('ann'), undefined, 'a minute later');
  assert.equal(ended.byStreamId(a.streamId), undefined);
  const a2 = stream('ann');
  ended.add(a2);
  assert.equal(ended.get('ann'), a2, "the channel's newest end");
});
