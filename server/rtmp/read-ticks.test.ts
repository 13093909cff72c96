// Publishers' reads gathered into ticks (socket-reads.ts: ReadPacer), with real ffmpeg publishers over TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ffmpegPath, run, sleep, waitFor } from '../test-support/process.js';
import { keyHooks, publishArgs, startServer, type RecordingSink } from '../test-support/rtmp.js';
import { ReadPacer } from './socket-reads.js';

/** How many separate moments frames arrived at in [from, to): frames handed over by one read come together. */
function arrivalMoments(sink: RecordingSink, from: number, to: number): number {
  let moments = 0;
  let last = -Infinity;
  for (const t of sink.arrivals) {
    if (t < from || t >= to) continue;
    if (t - last > 3) moments++;
    last = t;
  }
  return moments;
}

test('reads in ticks: one publisher (below the minimum) is read as its bytes come; with two, each is read once a tick, every frame intact', async () => {
  const hooks = keyHooks({ 'key-a': 'a', 'key-b': 'b' });
  const { server, port } = await startServer(hooks, { publisherReadTickMs: 100, publisherReadTickMinPublishers: 2 });
  try {
    const pubA = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/key-a`, 7), 30_000);
    await waitFor('a publishing', () => (hooks.sinks.get('a')?.[0]?.count('video') ?? 0) > 30, 10_000, 20);
    const a = hooks.sinks.get('a')![0];
    const alone = performance.now();
    await sleep(1500);
    // 30 video and 43 audio frames a second, each read when it comes.
    const momentsAlone = arrivalMoments(a, alone, alone + 1500) / 1.5;

    const pubB = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/key-b`, 3), 30_000);
    await waitFor('b publishing', () => (hooks.sinks.get('b')?.[0]?.count('video') ?? 0) > 0, 10_000, 20);
    const both = performance.now();
    await sleep(2000);
    const momentsTogether = arrivalMoments(a, both, both + 2000) / 2;
    const [ra, rb] = await Promise.all([pubA, pubB]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    const b = hooks.sinks.get('b')![0];
    await waitFor('both ended', () => a.ends.length > 0 && b.ends.length > 0, 3000, 20);
    console.log(`# moments with frames a second: alone ${momentsAlone.toFixed(1)}, with a second publisher ${momentsTogether.toFixed(1)}`);

    assert.ok(momentsAlone >= 20, `alone, read as its bytes come (${momentsAlone.toFixed(1)} moments a second)`);
    // 10 ticks a second; a read of a full buffer goes on at once, so a keyframe can add one.
    assert.ok(momentsTogether <= 14, `with two publishers, read in 100 ms ticks (${momentsTogether.toFixed(1)} moments a second)`);

    for (const [sink, seconds] of [
      [a, 7],
      [b, 3],
    ] as const) {
      const video = sink.messages.filter((m) => m.track === 'video' && m.kind !== 'config');
      const audio = sink.messages.filter((m) => m.track === 'audio' && m.kind !== 'config');
      assert.ok(video.length >= seconds * 30 - 2, `every video frame (${video.length} of ${seconds * 30})`);
      assert.ok(audio.length >= seconds * 43 - 3, `every audio frame (${audio.length})`);
      for (const list of [video, audio]) for (let i = 1; i < list.length; i++) assert.ok(list[i].dts >= list[i - 1].dts, 'in order');
      assert.deepEqual(sink.ends.length, 1, 'one end');
    }
  } finally {
    await server.close();
  }
});

test('the pacer holds only short reads of joined publishers, from its minimum on, and resumes them all at its tick', async () => {
  const pacer = new ReadPacer(20, 2);
  let resumed = 0;
  const read = { resume: () => resumed++ };
  const leaveA = pacer.join();
  assert.equal(pacer.hold(read, 100, 65536), false, 'one publisher: read on');
  const leaveB = pacer.join();
  assert.equal(pacer.hold(read, 65536, 65536), false, 'a full buffer: more is waiting, read on');
  assert.equal(pacer.hold(read, 100, 65536), true);
  assert.equal(pacer.hold(read, 200, 65536), true);
  assert.equal(resumed, 0);
  await sleep(60);
  assert.equal(resumed, 2, 'both resumed at the tick');
  leaveB();
  leaveB();
  assert.equal(pacer.hold(read, 100, 65536), false, 'a publisher left (once): below the minimum again');
  leaveA();
  assert.equal(new ReadPacer(0, 0).hold(read, 1, 65536), false, 'a tick of 0: off');
});
