// The phone layer's H.264 framing (h264-access-units.ts) on real encoder output: ffmpeg's libx264 writing raw Annex B
// as screenrecord does, fed in pieces of every size; plus the dev bridge's framing of the feed (electron/source-feed.ts)
// and adb's errors in plain words (android.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { adbProblem } from '../../broadcast/android.js';
import { decodeMediaChunk, encodeMediaChunk } from '../../media-chunk.js';
import { encodeFeedFrame, FeedFrameReader, type FeedMessage } from '../../source-feed.js';
import { AccessUnits, type AccessUnitOut } from './h264-access-units.js';

/** `frames` pictures of a moving test pattern, a keyframe every `gop`, as raw H.264 (Annex B). */
function h264(size: string, frames: number, gop: number, profile = 'baseline'): Buffer {
  return execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-frames:v', String(frames)],
    ...['-c:v', 'libx264', '-profile:v', profile, '-level', '3.1', '-pix_fmt', 'yuv420p', '-g', String(gop), '-bf', '0'],
    ...['-x264-params', 'scenecut=0', '-f', 'h264', '-'],
  ]);
}

function run(stream: Buffer, pieces: (n: number) => number, au = new AccessUnits()): AccessUnitOut[] {
  const out: AccessUnitOut[] = [];
  for (let p = 0; p < stream.length;) {
    const n = Math.max(1, Math.min(pieces(p), stream.length - p));
    out.push(...au.push(stream.subarray(p, p + n)));
    p += n;
  }
  return [...out, ...au.flush()];
}

const frames = (o: AccessUnitOut[]) => o.filter((u): u is Extract<AccessUnitOut, { type: 'frame' }> => u.type === 'frame');

describe('Annex B into access units', () => {
  const baseline = h264('320x240', 20, 10);

  test('one configuration, then every picture, keyframes where the encoder put them; the codec string from the SPS', () => {
    const out = run(baseline, () => 4096);
    assert.equal(out[0]!.type, 'config');
    const c = out[0] as Extract<AccessUnitOut, { type: 'config' }>;
    // Constrained Baseline (profile 66, constraint flags set0+set1), level 3.1: what WebCodecs' codec string says.
    assert.equal(c.codec, 'avc1.42c01f');
    assert.deepEqual([c.width, c.height], [320, 240]);
    assert.equal(c.avcC[0], 1);
    assert.equal(out.filter((u) => u.type === 'config').length, 1);
    const f = frames(out);
    assert.equal(f.length, 20);
    assert.deepEqual(
      f.flatMap((x, i) => (x.key ? [i] : [])),
      [0, 10],
    );
    // AVCC: four-byte lengths that add up; no parameter set or delimiter inside (they are in the avcC).
    for (const x of f) {
      let p = 0;
      while (p < x.data.length) {
        const len = x.data.readUInt32BE(p);
        const type = x.data[p + 4]! & 0x1f;
        assert.ok(![7, 8, 9].includes(type), `NAL type ${type} in an access unit`);
        p += 4 + len;
      }
      assert.equal(p, x.data.length);
    }
  });

  test('the same units whatever pieces the bytes come in (one byte, odd sizes, start codes cut in two)', () => {
    const whole = run(baseline, () => baseline.length);
    const ones = run(baseline, () => 1);
    let seed = 7;
    const odd = run(baseline, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 700);
    for (const other of [ones, odd]) {
      assert.equal(other.length, whole.length);
      other.forEach((u, i) => assert.deepEqual(u, whole[i]));
    }
  });

  test('a pause gives out the picture held (flush); bytes that continue it afterwards are dropped up to a start code', () => {
    const au = new AccessUnits();
    const got = au.push(baseline);
    // A picture is known to be whole when the next begins; the last waits for a start code that does not come while
    // the screen is still: flush gives out what is held.
    assert.equal(frames(got).length, 18);
    assert.equal(frames(au.flush()).length, 2);
    assert.deepEqual(au.push(Buffer.from([0x12, 0x34, 0x56])), []);
  });

  test('a new stream (the next screenrecord, another size) is configured afresh; a picture cut off by it is dropped', () => {
    const au = new AccessUnits();
    const first = run(baseline.subarray(0, baseline.length - 100), () => 4096, au).slice(0, -1);
    au.reset();
    const main = h264('480x270', 5, 30, 'main');
    const second = run(main, () => 4096, au);
    assert.ok(first.length > 5);
    const c = second[0] as Extract<AccessUnitOut, { type: 'config' }>;
    assert.equal(c.type, 'config');
    assert.equal(c.codec, 'avc1.4d401f');
    assert.deepEqual([c.width, c.height], [480, 270]);
    assert.equal(frames(second).length, 5);
    assert.ok(frames(second)[0]!.key);
  });

  test('pictures before the first keyframe with its parameter sets are not given out', () => {
    const au = new AccessUnits();
    // Start inside the stream: after the first SPS/PPS/IDR, at the second slice.
    const whole = run(baseline, () => baseline.length);
    const firstDelta = frames(whole)[1]!;
    const at = baseline.indexOf(firstDelta.data.subarray(4, 40)) - 4;
    assert.ok(at > 0);
    const out = run(baseline.subarray(at), () => 4096, au);
    assert.equal(out[0]!.type, 'config', 'the first thing given out is the configuration at the next keyframe');
    assert.equal(frames(out).length, 10);
  });
});

describe("the phone feed's framing (dev bridge)", () => {
  test('events and media chunks come back the same, whatever pieces they arrive in', () => {
    const chunk = new Uint8Array(
      encodeMediaChunk({ kind: 'video-key', timestampUs: 1234, compositionUs: 0, data: new Uint8Array([0, 0, 0, 1, 0x65]) }),
    );
    const sent: FeedMessage[] = [
      { type: 'state', state: 'starting' },
      { type: 'video', codec: 'avc1.42c01f', width: 720, height: 1280 },
      chunk,
      { type: 'state', state: 'failed', reason: 'No Android phone is connected.' },
    ];
    const bytes = Buffer.concat(sent.map((m) => encodeFeedFrame(m)));
    for (const size of [1, 3, 7, bytes.length]) {
      const r = new FeedFrameReader();
      const got: FeedMessage[] = [];
      for (let p = 0; p < bytes.length; p += size) got.push(...r.push(bytes.subarray(p, p + size)));
      assert.equal(got.length, 4);
      assert.deepEqual(got[0], sent[0]);
      assert.deepEqual(got[1], sent[1]);
      const back = decodeMediaChunk(got[2] as Uint8Array);
      assert.ok(!(back instanceof Error) && back.kind === 'video-key' && back.timestampUs === 1234);
      assert.deepEqual(got[3], sent[3]);
    }
  });

  test('a stream that is not one is refused', () => {
    assert.throws(() => new FeedFrameReader().push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0])));
    assert.throws(() => new FeedFrameReader().push(encodeFeedFrame({ type: 'state', state: 'nope' } as never)));
  });
});

test("adb's errors in plain words", () => {
  assert.match(adbProblem('error: device unauthorized.\nThis adb server', 1), /not allowed this computer/);
  assert.match(adbProblem('error: no devices/emulators found', 1), /No Android phone is connected/);
  assert.match(adbProblem("error: device 'R58M' not found", 1), /No Android phone is connected/);
  assert.match(adbProblem('error: more than one device/emulator', 1), /Several Android phones/);
  assert.match(adbProblem('', 3), /adb exited with 3/);
});
