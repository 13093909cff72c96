import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFfmpegArgs, maskSecrets, type FfmpegCommand } from './args.js';
import { locateFfmpeg } from './locate.js';
import { runFfmpeg } from './process.js';

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
