import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFfmpegArgs, maskSecrets, pipeUrl, type FfmpegCommand } from './args.js';
import { locateFfmpeg } from './locate.js';
import { FfmpegProcess, runFfmpeg } from './process.js';
import { FlvStreamReader } from '../media/flv-file.js';
import type { MediaFrame } from '../media/frame.js';

const FFMPEG = locateFfmpeg({ explicit: process.env.FFMPEG_PATH });

const cases: Array<{ name: string; cmd: FfmpegCommand; expect: string[] }> = [
  {
    name: 'copy remux to flv',
    cmd: {
      inputs: [{ url: 'in.flv', realtime: true, loop: true }],
      outputs: [{ url: 'rtmp://h/live/k', format: 'flv', video: { codec: 'copy' }, audio: { codec: 'copy' } }],
    },
    expect: [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      'in.flv',
      '-c:v',
      'copy',
      '-c:a',
      'copy',
      '-f',
      'flv',
      'rtmp://h/live/k',
    ],
  },
  {
    name: 'cbr x264 with scaling and gop',
    cmd: {
      logLevel: 'warning',
      overwrite: false,
      progressUrl: 'pipe:1',
      inputs: [{ url: 'testsrc2=size=1280x720:rate=30', format: 'lavfi' }],
      outputs: [
        {
          url: 'out.ts',
          format: 'mpegts',
          video: { codec: 'libx264', height: 480, bitrateKbps: 1000, cbr: true, gopFrames: 60, preset: 'veryfast' },
          audio: 'none',
          durationSeconds: 2,
        },
      ],
    },
    expect: [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'warning',
      '-progress',
      'pipe:1',
      '-stats_period',
      '1',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1280x720:rate=30',
      '-c:v',
      'libx264',
      '-filter:v',
      'scale=-2:480',
      '-preset',
      'veryfast',
      '-b:v',
      '1000k',
      '-maxrate',
      '1000k',
      '-bufsize',
      '2000k',
      '-g',
      '60',
      '-keyint_min',
      '60',
      '-sc_threshold',
      '0',
      '-an',
      '-t',
      '2',
      '-f',
      'mpegts',
      'out.ts',
    ],
  },
  {
    name: 'input options precede -f and -i; undefined options skipped',
    cmd: {
      inputs: [{ url: ':0.0', format: 'x11grab', options: { video_size: '640x480', framerate: 30, draw_mouse: undefined } }],
      outputs: [{ url: 'x.jpg', format: 'image2', frames: 1, maps: ['0:v:0'] }],
    },
    expect: [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      '-video_size',
      '640x480',
      '-framerate',
      '30',
      '-f',
      'x11grab',
      '-i',
      ':0.0',
      '-map',
      '0:v:0',
      '-frames:v',
      '1',
      '-f',
      'image2',
      'x.jpg',
    ],
  },
  {
    name: 'an output to a pipe on the input timeline, keyframes where the input has them',
    cmd: {
      copyTimestamps: true,
      inputs: [{ url: 'pipe:0', format: 'flv' }],
      outputs: [
        {
          url: pipeUrl(3),
          format: 'flv',
          video: { codec: 'libx264', forceKeyframes: 'source', passthroughTimestamps: true },
          options: { flush_packets: 1 },
        },
        { url: 'grid.mp4', format: 'mp4', video: { codec: 'libx264', forceKeyframes: 2 } },
      ],
    },
    expect: [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      '-copyts',
      '-f',
      'flv',
      '-i',
      'pipe:0',
      '-c:v',
      'libx264',
      '-force_key_frames',
      'source',
      '-fps_mode',
      'passthrough',
      '-enc_time_base:v',
      '-1',
      '-flush_packets',
      '1',
      '-f',
      'flv',
      'pipe:3',
      '-c:v',
      'libx264',
      '-force_key_frames',
      'expr:gte(t,n_forced*2)',
      '-f',
      'mp4',
      'grid.mp4',
    ],
  },
];

for (const c of cases) {
  test(`buildFfmpegArgs: ${c.name}`, () => assert.deepEqual(buildFfmpegArgs(c.cmd), c.expect));
}

test('buildFfmpegArgs refuses a command without inputs or outputs', () => {
  assert.throws(() => buildFfmpegArgs({ inputs: [], outputs: [{ url: 'x', format: 'null' }] }), /input/);
  assert.throws(() => buildFfmpegArgs({ inputs: [{ url: 'x' }], outputs: [] }), /output/);
});

test('maskSecrets hides RTMP keys and literal secrets', () => {
  assert.equal(maskSecrets('pushing to rtmp://example.com:1935/live/live_abcdef123 now'), 'pushing to rtmp://example.com:1935/live/**** now');
  assert.equal(maskSecrets('key=supersecret!', ['supersecret']), 'key=****!');
  assert.equal(maskSecrets('rtmp://host/app'), 'rtmp://host/app');
});

test('locateFfmpeg prefers the explicit binary over a bundled one, and the bundled one when it exists', () => {
  assert.equal(locateFfmpeg({ explicit: '/x/ffmpeg', bundled: process.execPath }), '/x/ffmpeg');
  assert.equal(locateFfmpeg({ explicit: '', bundled: process.execPath }), process.execPath);
  assert.notEqual(locateFfmpeg({ bundled: '/nonexistent/ffmpeg' }), '/nonexistent/ffmpeg');
});

test('runFfmpeg runs a real ffmpeg and reports failures with stderr', async () => {
  const ok = await runFfmpeg({
    binary: FFMPEG,
    command: { inputs: [{ url: 'testsrc2=size=64x64:rate=10', format: 'lavfi' }], outputs: [{ url: '-', format: 'null', durationSeconds: 0.5 }] },
    timeoutMs: 20000,
  });
  assert.equal(ok.code, 0, ok.stderrTail);
  const bad = await runFfmpeg({
    binary: FFMPEG,
    command: { inputs: [{ url: '/nonexistent/input.flv' }], outputs: [{ url: '-', format: 'null' }] },
    timeoutMs: 20000,
  });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderrTail, /No such file/);
});

test('output pipes: a real ffmpeg writes two FLV outputs on fds 3 and 4, read as frames while it runs', async () => {
  const proc = new FfmpegProcess({
    binary: FFMPEG,
    outputPipes: 2,
    command: {
      inputs: [{ url: 'testsrc2=size=64x64:rate=10', format: 'lavfi' }],
      outputs: [3, 4].map((fd) => ({
        url: pipeUrl(fd),
        format: 'flv',
        video: { codec: 'libx264', height: fd === 3 ? 64 : 32, preset: 'ultrafast', gopFrames: 5 },
        durationSeconds: 1,
      })),
    },
  });
  const frames: MediaFrame[][] = [[], []];
  [0, 1].forEach((i) => {
    const reader = new FlvStreamReader((f) => frames[i].push(f));
    proc.output(i).on('data', (chunk: Buffer) => reader.push(chunk));
  });
  assert.throws(() => proc.output(2), /no output pipe/);
  const exit = await proc.done;
  assert.equal(exit.code, 0, exit.stderrTail);
  for (const list of frames) {
    const video = list.filter((f) => f.track === 'video');
    assert.equal(video[0].kind, 'config');
    assert.equal(video.filter((f) => f.kind === 'key' || f.kind === 'inter').length, 10);
    assert.deepEqual(
      video.filter((f) => f.kind === 'key').map((f) => f.dts),
      [0, 500],
    );
  }
});
