// The program preview: the JPEG splitter, the preview output in the broadcast command, and with real parts — real
// ffmpeg, a real X display, a real Onair server — that the frames keep coming while live and show what is sent now.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildFfmpegArgs } from '../../server/ffmpeg/args.js';
import { FfmpegProcess } from '../../server/ffmpeg/process.js';
import { ffmpegPath as FFMPEG, waitFor } from '../../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../../server/test-support/server.js';
import { startXvfb } from '../../server/test-support/xvfb.js';
import { buildBroadcastCommand, presetVideo } from './args.js';
import { Broadcast } from './broadcast.js';
import { JpegFrames, PREVIEW_FD, previewSize } from './preview.js';
import type { BroadcastSettings } from './types.js';

const linux = { platform: 'linux' as const, display: ':0' };

function settings(over: Partial<BroadcastSettings> = {}): BroadcastSettings {
  return {
    server: 'rtmp://onair.example/live',
    streamKey: 'live_preview_key_123456',
    source: { kind: 'test' },
    video: presetVideo('Smooth 720p30'),
    audio: { bitrateKbps: 128 },
    preview: true,
    ...over,
  };
}

/** A JPEG's pixel size, from its start-of-frame segment. */
function jpegSize(jpeg: Buffer): { width: number; height: number } {
  for (let i = 2; i + 9 < jpeg.length;) {
    assert.equal(jpeg[i], 0xff, 'segment marker');
    const marker = jpeg[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error('no start-of-frame segment');
}

/** The mean colour of a JPEG, decoded by ffmpeg. */
function meanRgb(jpeg: Buffer): [number, number, number] {
  const r = spawnSync(
    FFMPEG,
    ['-v', 'error', '-f', 'image2pipe', '-c:v', 'mjpeg', '-i', 'pipe:0', '-vf', 'scale=16:9', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    {
      input: jpeg,
      timeout: 10_000,
    },
  );
  assert.equal(r.status, 0, String(r.stderr));
  const px = r.stdout;
  const sum = [0, 0, 0];
  for (let i = 0; i < px.length; i += 3) for (let c = 0; c < 3; c++) sum[c]! += px[i + c]!;
  const n = px.length / 3;
  return [Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n)];
}

describe('JPEG frames from a byte stream', () => {
  // Two small "JPEGs": coded data with stuffed FF 00 and a restart marker (FF D0), which do not end a frame.
  const a = Buffer.from([0xff, 0xd8, 0x01, 0xff, 0x00, 0x02, 0xff, 0xd0, 0x03, 0xff, 0xd9]);
  const b = Buffer.from([0xff, 0xd8, 0x10, 0x11, 0xff, 0xd9]);
  const stream = Buffer.concat([Buffer.from([0x00, 0xff]), a, b]);

  test('split at every byte, the same two frames; garbage before a start marker skipped', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const f = new JpegFrames();
      const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
      assert.deepEqual(got, [a, b], `cut at ${cut}`);
    }
    const bytewise = new JpegFrames();
    const got: Buffer[] = [];
    for (const byte of stream) got.push(...bytewise.push(Buffer.from([byte])));
    assert.deepEqual(got, [a, b]);
  });

  test('a frame that never ends is dropped at the size limit, and the next one is found', () => {
    const f = new JpegFrames(64);
    assert.deepEqual(f.push(Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(100, 0x42)])), []);
    assert.deepEqual(f.push(b), [b]);
  });
});

describe('the preview output of the broadcast command', () => {
  test('sizes: 640 wide at the output aspect, even; smaller outputs as they are', () => {
    assert.deepEqual(previewSize(1920, 1080), { width: 640, height: 360 });
    assert.deepEqual(previewSize(854, 480), { width: 640, height: 360 });
    assert.deepEqual(previewSize(1280, 1024), { width: 640, height: 512 });
    assert.deepEqual(previewSize(320, 240), { width: 320, height: 240 });
  });

  test('a second output: the picture, two frames a second, small, MJPEG on fd 3; the stream output unchanged', () => {
    const r = buildBroadcastCommand(settings(), { env: linux });
    assert.ok(r.ok);
    const without = buildBroadcastCommand(settings({ preview: false }), { env: linux });
    assert.ok(without.ok);
    assert.equal(without.command.outputs.length, 1);
    assert.deepEqual(r.command.outputs[0], without.command.outputs[0], 'the stream is encoded as without the preview');
    const argv = buildFfmpegArgs(r.command);
    const at = argv.lastIndexOf('-map');
    assert.deepEqual(argv.slice(at), [
      '-map',
      '0:v',
      '-c:v',
      'mjpeg',
      '-filter:v',
      'fps=2,scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1',
      '-q:v',
      '7',
      '-an',
      '-f',
      'image2pipe',
      `pipe:${PREVIEW_FD}`,
    ]);
  });

  test('picture in picture with a hardware encoder: the preview branches off the composed picture before the upload', () => {
    const r = buildBroadcastCommand(
      settings({ pip: { camera: '/dev/video0', position: 'top-right', size: 0.25 }, video: presetVideo('Smooth 720p30', 'h264_vaapi') }),
      {
        env: linux,
      },
    );
    assert.ok(r.ok);
    const graph = r.command.filterComplex!.split(';');
    assert.ok(graph.includes('[vout]split=2[vprogram][vpreviewin]'), r.command.filterComplex);
    assert.ok(graph.includes('[vprogram]format=nv12,hwupload[vencode]'), r.command.filterComplex);
    assert.ok(graph.some((g) => g.startsWith('[vpreviewin]fps=2,scale=640:360') && g.endsWith('[vpreview]')));
    assert.deepEqual(r.command.outputs[0]!.maps, ['[vencode]', '2:a']);
    assert.deepEqual(r.command.outputs[1]!.maps, ['[vpreview]']);
  });

  test('real ffmpeg runs the picture-in-picture graph and writes preview frames (camera played by a test source)', async (t) => {
    const r = buildBroadcastCommand(
      settings({ pip: { camera: '/dev/video0', position: 'bottom-right', size: 0.25 }, video: presetVideo('Low bandwidth 480p') }),
      {
        env: linux,
      },
    );
    assert.ok(r.ok);
    const dir = mkdtempSync(path.join(tmpdir(), 'onair-preview-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const command = {
      ...r.command,
      inputs: r.command.inputs.map((i, n) => (n === 1 ? { format: 'lavfi', url: 'testsrc=size=320x240:rate=30', realtime: true } : i)),
      outputs: [{ ...r.command.outputs[0]!, url: path.join(dir, 'out.flv') }, r.command.outputs[1]!],
    };
    const proc = new FfmpegProcess({ binary: FFMPEG, command, outputPipes: 1 });
    t.after(() => proc.kill());
    const frames: Buffer[] = [];
    const split = new JpegFrames();
    proc.output(PREVIEW_FD - 3).on('data', (c: Buffer) => frames.push(...split.push(c)));
    proc.child.stdout!.resume();
    await waitFor('three preview frames', () => frames.length >= 3, 15_000, 50);
    proc.kill();
    await proc.done;
    assert.deepEqual(jpegSize(frames[0]!), { width: 640, height: 360 });
  });
});

describe('the preview of a live broadcast (real ffmpeg, X display, Onair server)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.stop();
  });

  test('frames keep coming while live and show the screen as it is now: red, then blue', async (t) => {
    const x = await startXvfb('640x360');
    t.after(() => x.stop());
    x.paint('#ff0000');
    const { channel } = await newStreamer(s.base, 'previewer');
    const b = new Broadcast(
      settings({
        server: s.rtmpBase,
        streamKey: channel.streamKey,
        source: { kind: 'screen' },
        video: { width: 640, height: 360, fps: 30, bitrateKbps: 800, keyframeSeconds: 1, encoder: 'libx264' },
      }),
      { ffmpegPath: FFMPEG, env: { platform: 'linux', display: x.display } },
    );
    const frames: { at: number; jpeg: Buffer }[] = [];
    b.on('preview', (jpeg) => frames.push({ at: Date.now(), jpeg }));
    b.start();
    t.after(() => b.stop());
    await waitFor('live', () => b.state.kind === 'live', 20_000, 50);
    const isRed = ([r, g, bl]: number[]) => r! > 200 && g! < 60 && bl! < 60;
    const isBlue = ([r, g, bl]: number[]) => bl! > 200 && r! < 60 && g! < 60;
    await waitFor('a red preview frame', () => frames.length > 0 && isRed(meanRgb(frames.at(-1)!.jpeg)), 10_000, 200);
    assert.deepEqual(jpegSize(frames.at(-1)!.jpeg), { width: 640, height: 360 });

    x.paint('#0000ff');
    const painted = Date.now();
    await waitFor(
      'a blue preview frame',
      () => frames.length > 0 && frames.at(-1)!.at > painted && isBlue(meanRgb(frames.at(-1)!.jpeg)),
      10_000,
      200,
    );

    // About two a second, on and on (not one frame, then nothing).
    const count = frames.length;
    await new Promise((r) => setTimeout(r, 3000));
    const more = frames.length - count;
    assert.ok(more >= 4 && more <= 9, `${more} frames in 3 s`);
    await b.stop();
    const atStop = frames.length;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(frames.length, atStop, 'no frame after the broadcast ended');
    assert.equal(b.state.kind, 'ended');
  });
});
