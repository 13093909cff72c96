// Media memory with explicit lifetimes (media-slabs.ts): the pool's accounting, and a real server whose released
// slabs are poisoned, so that any frame bytes read after their release are 0xEE: a real ffmpeg publishes, parts are
// streamed while they grow and fetched once complete, segments are read from memory and from disk, and every one
// must decode and equal its parts, while the pool is seen reusing slabs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ffmpegPath, runOk, waitFor } from '../test-support/process.js';
import { newStreamer, publish, startTestServer, type Publisher, type TestServer } from '../test-support/server.js';
import { MediaSlabPool, mediaSlabs, SlabCutter } from './media-slabs.js';
import { TRACK_FILES } from './hls-playlist.js';
import type { LiveStream } from './live-stream.js';

describe('the media slab pool', () => {
  test('a slab returns to the pool when its last holder lets go, poisoned; pinned slabs never return', () => {
    const pool = new MediaSlabPool(true, 1024, 2);
    const a = pool.take();
    const frame = a.subarray(0, 100);
    frame.fill(7);
    pool.hold(frame);
    pool.release(a); // the cutter is done with it; the frame still holds it
    assert.equal(pool.isReleased(frame), false);
    assert.equal(frame[0], 7);
    pool.release(frame);
    assert.equal(pool.isReleased(frame), true);
    assert.equal(frame[0], 0xee, 'poisoned on release');
    assert.equal(pool.take(), a, 'reused');
    assert.equal(pool.stats.reused, 1);

    const pinned = pool.take().subarray(0, 10);
    pool.pin(pinned);
    pool.release(pinned);
    assert.equal(pool.isReleased(pinned), false, 'a pinned slab stays out of the pool');
    assert.notEqual(pool.take().buffer, pinned.buffer);
  });

  test('a release without a hold is refused when poisoning, and counted', () => {
    const pool = new MediaSlabPool(true, 1024, 2);
    const b = pool.take();
    pool.release(b);
    assert.throws(() => pool.release(b), /released more often than held/);
    assert.equal(pool.stats.underflows, 1);
    const quiet = new MediaSlabPool(false, 1024, 2);
    const c = quiet.take();
    quiet.release(c);
    quiet.release(c);
    assert.equal(quiet.stats.underflows, 1);
  });

  test('a cutter cuts small buffers from one slab, lets go of a full one, and its cuts keep the slab while held', () => {
    const pool = new MediaSlabPool(true, 1024, 4);
    const cutter = new SlabCutter(pool);
    const a = cutter.cut(40);
    const b = cutter.cut(24);
    assert.equal(a.buffer, b.buffer, 'one slab');
    assert.equal(b.byteOffset, a.byteOffset + 40, 'one after another');
    a.fill(1);
    pool.hold(a); // a part keeps `a`; nobody keeps `b`
    for (let i = 0; i < 15; i++) cutter.cut(64); // fills the slab (1024 bytes)
    const next = cutter.cut(64);
    assert.notEqual(next.buffer, a.buffer, 'a cut that does not fit takes a new slab');
    assert.notEqual(pool.take().buffer, a.buffer, 'the full slab stays out of the pool while `a` is held');
    assert.equal(a[0], 1);
    pool.release(a);
    assert.equal(pool.isReleased(a), true, 'back in the pool once its last cut is let go');
    assert.equal(a[0], 0xee);
    assert.equal(pool.isReleased(next), false, 'the slab being cut from is held by the cutter');
    const own = cutter.cut(65);
    assert.equal(own.length, 65, 'larger than a sixteenth of a slab: memory of its own');
    pool.hold(own);
    pool.release(own);
    assert.equal(pool.stats.underflows, 0);
  });

  test('buffers that are not slab views are left alone', () => {
    const pool = new MediaSlabPool(true, 1024, 2);
    const own = Buffer.alloc(10, 1);
    pool.hold(own);
    pool.release(own);
    pool.release(own);
    pool.pin(own);
    assert.equal(own[0], 1);
    assert.equal(pool.stats.underflows, 0);
  });
});

describe('a server reusing media memory, released slabs poisoned', () => {
  let s: TestServer;
  let pub: Publisher;
  let stream: LiveStream;
  const poisonWas = mediaSlabs.poison;
  const work = mkdtempSync(path.join(tmpdir(), 'onair-slabs-'));

  before(async () => {
    mediaSlabs.poison = false;
    s = await startTestServer();
    assert.equal(mediaSlabs.poison, true, 'test servers poison released media (ONAIR_POISON_RELEASED_MEDIA)');
    const a = await newStreamer(s.base, 'alice');
    // Frames of 4-128 KB are cut from slabs: 640x360 at 3 Mb/s gives inter frames of about 12 KB.
    pub = publish(`${s.rtmpBase}/${a.channel.streamKey}`, {
      seconds: 60,
      size: '640x360',
      extra: ['-b:v', '3M', '-maxrate', '3M', '-bufsize', '1M'],
    });
    stream = await waitFor(
      'a live stream with 3 segments',
      () => {
        const x = s.streams.get('alice');
        return x && x.segments >= 3 && x;
      },
      30_000,
      100,
    );
  });
  after(async () => {
    pub.proc.kill('SIGKILL');
    await s.stop();
    mediaSlabs.poison = poisonWas;
    rmSync(work, { recursive: true, force: true });
  });

  const url = (file: string) => `${s.base}/vod/${stream.streamId}/${file}`;
  const bytesOf = async (file: string) => {
    const r = await fetch(url(file));
    assert.equal(r.status, 200, file);
    return Buffer.from(await r.arrayBuffer());
  };
  /** Decodes init + fragments with ffmpeg; resolves to its complaints ('' when clean). */
  const decode = async (name: string, init: Buffer, ...fragments: Buffer[]) => {
    const file = path.join(work, name);
    writeFileSync(file, Buffer.concat([init, ...fragments]));
    const { stderr } = await runOk(ffmpegPath, ['-v', 'error', '-i', file, '-f', 'null', '-']);
    return stderr.trim();
  };

  test('streamed parts, complete parts, segments in memory and on disk all decode and agree, while slabs are reused', async () => {
    const start = stream.segments;
    const videoInit = await bytesOf(TRACK_FILES.video.initName(0));
    const audioInit = await bytesOf(TRACK_FILES.audio.initName(0));
    const inUse = async () => {
      const text = await (await fetch(`${s.base}/metrics`)).text();
      return Number(/onair_media_slab_bytes\{state="in_use"\} (\d+)/.exec(text)?.[1]);
    };
    const inUseAtStart = await inUse();
    const got: Array<{ msn: number; parts: Buffer[]; again: Buffer[] }> = [];
    // Bounded: 8 segments (about 10 s). Even segments: every part asked for before it exists (the hinted request,
    // streamed as it grows, which pins its slabs), then read again once complete. Odd ones: parts read only once
    // complete and after the next segment was cut, when nothing but the part itself holds their frames (the queue,
    // the segment's write and the GOP cache have let go), and never streamed. Checked once all are in: decoding
    // here would leave the live edge behind.
    for (let msn = start; msn < start + 8; msn++) {
      const parts: Buffer[] = [];
      const streamed = msn % 2 === 0;
      if (!streamed) await waitFor(`segment ${msn + 1} cut`, () => stream.segments > msn + 1, 10_000, 20);
      for (let i = 0; i < 20; i++) {
        const r = await fetch(url(TRACK_FILES.video.partName(msn, i)));
        if (r.status !== 200) break; // past the segment's last part
        parts.push(Buffer.from(await r.arrayBuffer()));
      }
      assert.ok(parts.length >= 3, `segment ${msn} has parts`);
      await waitFor(`segment ${msn} cut`, () => stream.segments > msn, 10_000, 20);
      const again = streamed ? await Promise.all(parts.map((_, i) => bytesOf(TRACK_FILES.video.partName(msn, i)))) : [];
      got.push({ msn, parts, again });
    }
    for (const { msn, parts, again } of got) {
      for (let i = 0; i < again.length; i++) assert.ok(again[i].equals(parts[i]), `part ${msn}.${i} read again`);
      for (let i = 0; i < parts.length; i++)
        assert.equal(await decode(`p${msn}.${i}.mp4`, videoInit, ...parts.slice(0, i + 1)), '', `parts to ${msn}.${i} decode`);
      const segment = await bytesOf(TRACK_FILES.video.segmentName(msn));
      assert.ok(segment.equals(Buffer.concat(parts)), `segment ${msn} is its parts`);
      assert.equal(await decode(`v${msn}.mp4`, videoInit, segment), '', `segment ${msn} decodes`);
      assert.equal(await decode(`a${msn}.mp4`, audioInit, await bytesOf(TRACK_FILES.audio.segmentName(msn))), '', `audio ${msn} decodes`);
      const file = path.join(stream.dir, TRACK_FILES.video.segmentName(msn));
      assert.ok((await readFile(file)).equals(segment), `segment ${msn} on disk`);
    }
    // One stream's media in memory: its parts (about 5 s), the GOP cache and the slab being cut, whole slabs each. A
    // missed release would grow it by the stream's bitrate (3 Mb/s: 1.5 slabs a second, some 18 over the test).
    const inUseAtEnd = await inUse();
    console.log(`media slabs in use: ${inUseAtStart / 262144} at the start, ${inUseAtEnd / 262144} at the end`);
    assert.ok(inUseAtStart > 0 && inUseAtEnd < inUseAtStart + 12 * 262144, `${inUseAtStart} -> ${inUseAtEnd}`);
    assert.ok(mediaSlabs.stats.reused > 0, `slabs were reused (${JSON.stringify(mediaSlabs.stats)})`);
    assert.equal(mediaSlabs.stats.underflows, 0);
  });
});
