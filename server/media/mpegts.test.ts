// MPEG-TS into media frames, against ffmpeg: one encode written as MPEG-TS and remuxed (-c copy) to FLV must give
// the same frames through TsFrameReader as through the FLV reader (kinds, timestamps, composition offsets, codec
// records); the frames packaged into HLS decode without an error; HEVC gets an hvcC ffmpeg decodes; a file cut off
// mid-packet, or with packets missing in the middle, gives no exception and still clean HLS.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAsc } from './aac-config.js';
import { avcInfo, hevcInfo } from './codecs.js';
import { readFlvFile } from './flv-file.js';
import type { MediaFrame } from './frame.js';
import { TsFrameReader } from './mpegts-frames.js';
import { TS_PACKET } from './mpegts.js';
import { decode, packagerFactory } from '../test-support/media.js';
import { ffmpegPath, runOk } from '../test-support/process.js';

const work = mkdtempSync(join(tmpdir(), 'onair-mpegts-'));
const ffmpeg = (args: string[]) => runOk(ffmpegPath, ['-v', 'error', '-y', ...args]);
const av = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
const gop = ['-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'];

function read(ts: Buffer, chunk = 1316): MediaFrame[] {
  const frames: MediaFrame[] = [];
  const r = new TsFrameReader((f) => frames.push(f));
  for (let p = 0; p < ts.length; p += chunk) r.push(ts.subarray(p, p + chunk));
  r.end();
  return frames;
}

const summary = (fs: MediaFrame[], track: 'video' | 'audio') =>
  fs.filter((f) => f.track === track && f.kind !== 'other').map((f) => `${f.kind}@${f.dts}+${f.cts}:${f.data.length}`);

async function hlsDecodes(frames: MediaFrame[]): Promise<{ stderr: string; segments: number }> {
  const { p, dir, segments } = packagerFactory(work)();
  for (const f of frames) p.push(f);
  await p.end();
  const stderr = await decode(join(dir, 'index.m3u8'));
  return { stderr, segments: segments.length };
}

describe('MPEG-TS into frames', { timeout: 120_000 }, () => {
  let ts: Buffer;
  let flvFrames: MediaFrame[];
  before(async () => {
    const tsFile = join(work, 'av.ts');
    await ffmpeg([...av, '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', ...gop, '-c:a', 'aac', '-t', '4', '-f', 'mpegts', tsFile]);
    await ffmpeg(['-i', tsFile, '-c', 'copy', '-f', 'flv', join(work, 'av.flv')]);
    ts = readFileSync(tsFile);
    flvFrames = await readFlvFile(join(work, 'av.flv'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('H.264 with B-frames and AAC: the frames ffmpeg remuxes to FLV, timestamps rebased to the first', () => {
    const frames = read(ts);
    const video = frames.filter((f) => f.track === 'video');
    const configs = video.filter((f) => f.kind === 'config');
    assert.equal(configs.length, 1, 'one AVC configuration, before the first keyframe');
    assert.equal(video[0].kind, 'config');
    const info = avcInfo(configs[0].data);
    assert.equal(`${info.width}x${info.height}`, '320x240');
    assert.equal(info.codec, avcInfo(flvFrames.find((f) => f.track === 'video' && f.kind === 'config')!.data).codec);
    assert.equal(video.filter((f) => f.kind === 'key').length, 4, 'a keyframe a second');
    const meta = frames.find((f) => f.kind === 'meta')?.meta;
    assert.equal(meta?.width, 320, 'onMetaData as an RTMP encoder sends it');
    assert.equal(meta?.videocodecid, 7);
    const asc = parseAsc(frames.find((f) => f.track === 'audio' && f.kind === 'config')!.data);
    assert.deepEqual([asc.sampleRate, asc.channels, asc.objectType], [48000, 1, 2]);

    // The FLV's timestamps start where the TS's do; ours start at 0: compare from each side's first video frame.
    const rebase = (fs: MediaFrame[]) => {
      const first = fs.find((f) => f.track === 'video')!.dts;
      return fs.map((f) => ({ ...f, dts: f.dts - first }));
    };
    const ours = summary(rebase(frames), 'video').filter((s) => !s.startsWith('config'));
    const theirs = summary(rebase(flvFrames), 'video').filter((s) => !s.startsWith('config'));
    assert.equal(ours.length, 120);
    // Both round 90 kHz to milliseconds, from different origins: within a millisecond. ffmpeg's FLV keeps SPS/PPS
    // in the keyframes (we move them into the config) and the access unit delimiter the TS muxer added (we drop it:
    // 4 + 2 bytes): inter frames are otherwise the same bytes.
    const parse = (s: string) => /^(\w+)@(-?\d+)\+(-?\d+):(\d+)$/.exec(s)!.slice(1);
    ours.forEach((s, i) => {
      const [kind, dts, cts, size] = parse(s);
      const [kind2, dts2, cts2, size2] = parse(theirs[i]);
      assert.equal(kind, kind2, `frame ${i}`);
      assert.ok(Math.abs(Number(dts) - Number(dts2)) <= 1 && Math.abs(Number(cts) - Number(cts2)) <= 1, `frame ${i}: ${s} vs ${theirs[i]}`);
      if (kind === 'inter') assert.equal(Number(size) + 6, Number(size2), `frame ${i} size`);
    });
    const audioOurs = summary(rebase(frames), 'audio').filter((s) => !s.startsWith('config'));
    const audioTheirs = summary(rebase(flvFrames), 'audio').filter((s) => !s.startsWith('config'));
    assert.equal(audioOurs.length, audioTheirs.length);
    assert.deepEqual(
      audioOurs.map((s) => s.split(':')[1]),
      audioTheirs.map((s) => s.split(':')[1]),
      'the same AAC frames',
    );
  });

  test('the frames package into HLS that decodes without an error', async () => {
    const { stderr, segments } = await hlsDecodes(read(ts));
    assert.equal(stderr.trim(), '');
    assert.ok(segments >= 3, `${segments} segments`);
  });

  test('cut off mid-packet and with packets missing in the middle: no exception, video resumes at a keyframe, clean HLS', async () => {
    const packets = ts.length / TS_PACKET;
    const holed = Buffer.concat([
      ts.subarray(0, Math.floor(packets * 0.3) * TS_PACKET),
      ts.subarray(Math.floor(packets * 0.3 + 40) * TS_PACKET, ts.length - 100), // 40 packets gone, the last one cut
    ]);
    const frames = read(holed, 1000); // chunks that split packets too
    const video = frames.filter((f) => f.track === 'video' && f.kind !== 'config');
    assert.ok(video.length > 60 && video.length < 120, `${video.length} video frames`);
    // After the hole, the first video frame is a keyframe.
    const dts = video.map((f) => f.dts);
    const gapAt = dts.findIndex((d, i) => i > 0 && d - dts[i - 1] > 40);
    assert.ok(gapAt > 0, 'a gap in the video');
    assert.equal(video[gapAt].kind, 'key');
    const { stderr } = await hlsDecodes(frames);
    assert.equal(stderr.trim(), '');
    // Garbage between packets is skipped.
    const noisy = Buffer.concat([Buffer.from('not a transport stream'), ts.subarray(0, 200 * TS_PACKET)]);
    assert.ok(read(noisy).some((f) => f.kind === 'key'));
  });

  test('corrupted bytes anywhere (a seeded 1 in 200) never throw, and keyframes still come out', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 5; round++) {
      const bad = Buffer.from(ts);
      for (let i = 0; i < bad.length; i++) if (rand() < 0.005) bad[i] = Math.floor(rand() * 256);
      const frames = read(bad, 1316);
      assert.ok(
        frames.some((f) => f.kind === 'key'),
        `round ${round}`,
      );
    }
    assert.deepEqual(read(Buffer.alloc(188 * 20, 0x47)), [], 'sync bytes and nothing else');
  });

  test('HEVC: an hvcC that says the picture size, Enhanced RTMP tags, HLS that decodes', async () => {
    const file = join(work, 'hevc.ts');
    await ffmpeg([
      ...av,
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error',
      ...gop,
      '-c:a',
      'aac',
      '-t',
      '3',
      '-f',
      'mpegts',
      file,
    ]);
    const frames = read(readFileSync(file));
    const config = frames.find((f) => f.track === 'video' && f.kind === 'config')!;
    assert.equal(config.codec, 'hevc');
    const info = hevcInfo(config.data);
    assert.equal(`${info.width}x${info.height}`, '320x240');
    assert.match(info.codec, /^hvc1\.1\./);
    assert.equal(frames.filter((f) => f.track === 'video' && f.kind === 'key').length, 3);
    const { stderr } = await hlsDecodes(frames);
    assert.equal(stderr.trim(), '');
  });
});
