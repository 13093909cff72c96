// Table tests for the pure parts: sources per platform, the ffmpeg command, progress parsing, exit diagnosis.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFfmpegArgs } from '../../server/ffmpeg/args.js';
import { buildBroadcastCommand, escapeTee, presetVideo, publishUrl, recordFormat, recordPartPath } from './args.js';
import { backoffDelay } from './broadcast.js';
import { parsePsTime } from './cpu.js';
import { diagnoseExit, ProgressParser, type ProgressSample } from './diagnose.js';
import { encoderProfile, probeCommand } from './encoders.js';
import { planSources, type SourceEnv } from './sources.js';
import { screenrecordArgs } from './android.js';
import { parseSource } from '../cli.js';
import { PRESETS, type BroadcastSettings, type PresetName, type SourceSpec } from './types.js';

const KEY = 'live_SeCrEt_key_0123456789';
const linux: SourceEnv = { platform: 'linux', display: ':0' };
const win: SourceEnv = { platform: 'win32' };
const mac: SourceEnv = { platform: 'darwin' };

function settings(over: Partial<BroadcastSettings> = {}): BroadcastSettings {
  return {
    server: 'rtmp://onair.example:1935/live',
    streamKey: KEY,
    source: { kind: 'test' },
    video: { ...presetVideo('Smooth 720p30'), keyframeSeconds: 1 },
    audio: { bitrateKbps: 128 },
    ...over,
  };
}

function argvFor(s: BroadcastSettings, env: SourceEnv): string[] {
  const r = buildBroadcastCommand(s, { env });
  assert.ok(r.ok, !r.ok ? r.reason : '');
  return buildFfmpegArgs(r.command);
}

/** The arguments between the first -f and its -i, for one input. */
function inputOf(argv: string[], n = 0): { format?: string; url: string; before: string[] } {
  let count = 0;
  let from = argv.indexOf('-y') + 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-i') {
      if (count === n) {
        const before = argv.slice(from, i);
        const f = before.lastIndexOf('-f');
        return { format: f >= 0 ? before[f + 1] : undefined, url: argv[i + 1], before };
      }
      count++;
      from = i + 2;
    }
  }
  throw new Error(`no input ${n}`);
}

describe('sources per platform', () => {
  const cases: Array<{ name: string; source: SourceSpec; env: SourceEnv; format: string; url: string | RegExp; opts?: Record<string, string> }> = [
    { name: 'test pattern', source: { kind: 'test' }, env: linux, format: 'lavfi', url: 'testsrc2=size=1280x720:rate=30' },
    { name: 'X11 whole screen', source: { kind: 'screen' }, env: { platform: 'linux', display: ':1' }, format: 'x11grab', url: ':1.0' },
    { name: 'X11 screen with DISPLAY :0.0', source: { kind: 'screen' }, env: { platform: 'linux', display: ':0.0' }, format: 'x11grab', url: ':0.0' },
    {
      name: 'X11 monitor region',
      source: { kind: 'screen', region: { x: 1920, y: 0, width: 1280, height: 1024 } },
      env: linux,
      format: 'x11grab',
      url: ':0.0+1920,0',
      opts: { video_size: '1280x1024' },
    },
    { name: 'X11 window', source: { kind: 'window', id: '0x3a00007' }, env: linux, format: 'x11grab', url: ':0.0', opts: { window_id: '0x3a00007' } },
    { name: 'v4l2 camera by index', source: { kind: 'camera', name: '2' }, env: linux, format: 'v4l2', url: '/dev/video2' },
    { name: 'v4l2 camera by path', source: { kind: 'camera', name: '/dev/video0' }, env: linux, format: 'v4l2', url: '/dev/video0' },
    { name: 'Windows desktop (gdigrab)', source: { kind: 'screen' }, env: win, format: 'gdigrab', url: 'desktop' },
    {
      name: 'Windows monitor (ddagrab)',
      source: { kind: 'screen', display: 1 },
      env: { platform: 'win32', windowsGrabber: 'ddagrab' },
      format: 'lavfi',
      url: /^ddagrab=output_idx=1:framerate=30,hwdownload,format=bgra$/,
    },
    { name: 'Windows window by title', source: { kind: 'window', id: '42', title: 'Notepad' }, env: win, format: 'gdigrab', url: 'title=Notepad' },
    { name: 'Windows camera', source: { kind: 'camera', name: 'HD Webcam' }, env: win, format: 'dshow', url: 'video=HD Webcam' },
    { name: 'macOS screen', source: { kind: 'screen', display: 1 }, env: mac, format: 'avfoundation', url: 'Capture screen 1:none' },
    {
      name: 'macOS camera',
      source: { kind: 'camera', name: 'FaceTime HD Camera' },
      env: mac,
      format: 'avfoundation',
      url: 'FaceTime HD Camera:none',
    },
    {
      name: 'Android on stdin',
      source: { kind: 'android', serial: 'R58M' },
      env: linux,
      format: 'h264',
      url: 'pipe:0',
      opts: { use_wallclock_as_timestamps: '1' },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const argv = argvFor(settings({ source: c.source }), c.env);
      const input = inputOf(argv, 0);
      assert.equal(input.format, c.format);
      if (typeof c.url === 'string') assert.equal(input.url, c.url);
      else assert.match(input.url, c.url);
      for (const [k, v] of Object.entries(c.opts ?? {})) {
        const at = input.before.indexOf(`-${k}`);
        assert.ok(at >= 0, `-${k} in ${input.before.join(' ')}`);
        assert.equal(input.before[at + 1], v);
      }
    });
  }

  test('Wayland: screen and window fail with a plain reason pointing at the app picker', () => {
    for (const env of [
      { platform: 'linux', sessionType: 'wayland', display: ':0', waylandDisplay: 'wayland-0' },
      { platform: 'linux', waylandDisplay: 'wayland-0' },
    ] as SourceEnv[]) {
      for (const source of [{ kind: 'screen' }, { kind: 'window', id: '1' }] as SourceSpec[]) {
        const r = buildBroadcastCommand(settings({ source }), { env });
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.code, 'source_failed');
          assert.match(r.reason, /Wayland/);
          assert.match(r.reason, /getDisplayMedia/);
        }
      }
    }
    // A camera works on Wayland.
    assert.ok(buildBroadcastCommand(settings({ source: { kind: 'camera', name: '0' } }), { env: { platform: 'linux', sessionType: 'wayland' } }).ok);
  });

  test('window capture on macOS points at the app picker', () => {
    const r = planSources(settings({ source: { kind: 'window', id: '1' } }), mac);
    assert.equal(r.ok, false);
  });

  test('audio: silence by default, tone for the test pattern, monitor and loopback for system audio, mixing two', () => {
    const screen: SourceSpec = { kind: 'screen' };
    const quiet = argvFor(settings({ source: screen }), linux);
    assert.deepEqual([inputOf(quiet, 1).format, inputOf(quiet, 1).url], ['lavfi', 'anullsrc=channel_layout=stereo:sample_rate=48000']);
    const tone = argvFor(settings(), linux);
    assert.match(inputOf(tone, 1).url, /^sine=/);
    const sys = argvFor(settings({ source: screen, audio: { bitrateKbps: 128, system: true } }), linux);
    assert.deepEqual([inputOf(sys, 1).format, inputOf(sys, 1).url], ['pulse', '@DEFAULT_MONITOR@']);
    const winSys = argvFor(settings({ source: screen, audio: { bitrateKbps: 128, system: true } }), win);
    assert.deepEqual([inputOf(winSys, 1).format, inputOf(winSys, 1).url], ['dshow', 'audio=virtual-audio-capturer']);
    const macSys = planSources(settings({ source: screen, audio: { bitrateKbps: 128, system: true } }), mac);
    assert.ok(macSys.ok && macSys.plan.warnings.some((w) => /BlackHole/.test(w)));
    const macHole = argvFor(settings({ source: screen, audio: { bitrateKbps: 128, system: true, systemDevice: 'BlackHole 2ch' } }), mac);
    assert.equal(inputOf(macHole, 1).url, 'none:BlackHole 2ch');
    const both = buildBroadcastCommand(settings({ source: screen, audio: { bitrateKbps: 128, system: true, microphone: 'alsa_input.usb-mic' } }), {
      env: linux,
    });
    assert.ok(both.ok);
    if (both.ok) {
      assert.match(both.command.filterComplex ?? '', /\[1:a\]\[2:a\]amix=inputs=2/);
      assert.deepEqual(both.command.outputs[0].maps, ['0:v', '[aout]']);
    }
  });

  test('picture in picture: camera overlaid in the chosen corner at the chosen width', () => {
    const r = buildBroadcastCommand(settings({ source: { kind: 'screen' }, pip: { camera: '/dev/video0', position: 'bottom-right', size: 0.25 } }), {
      env: linux,
    });
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.command.inputs[1].format, 'v4l2');
    assert.match(r.command.filterComplex!, /\[1:v\]scale=320:-2/);
    assert.match(r.command.filterComplex!, /overlay=main_w-overlay_w-16:main_h-overlay_h-16/);
    assert.deepEqual(r.command.outputs[0].maps, ['[vout]', '2:a']);
    const argv = buildFfmpegArgs(r.command);
    assert.ok(!argv.includes('-filter:v'), 'no simple filter on a complex-graph output');
    const tl = buildBroadcastCommand(settings({ pip: { camera: '0', position: 'top-left', size: 0.9 } }), { env: linux });
    assert.ok(tl.ok && /scale=640:-2/.test(tl.command.filterComplex!) && /overlay=16:16/.test(tl.command.filterComplex!), 'size clamped to 0.5');
  });
});

describe('the ffmpeg command', () => {
  const table: Array<{ name: string; s: BroadcastSettings; expect: Array<[string, string]>; absent?: string[] }> = [
    {
      name: '720p30 CBR with 1 s keyframes',
      s: settings(),
      expect: [
        ['-c:v', 'libx264'],
        ['-b:v', '3500k'],
        ['-maxrate', '3500k'],
        ['-bufsize', '7000k'],
        ['-g', '30'],
        ['-keyint_min', '30'],
        ['-sc_threshold', '0'],
        ['-r', '30'],
        ['-c:a', 'aac'],
        ['-b:a', '128k'],
        ['-ar', '48000'],
        ['-preset', 'veryfast'],
        ['-tune', 'zerolatency'],
        ['-pix_fmt', 'yuv420p'],
        ['-progress', 'pipe:1'],
      ],
    },
    {
      name: '1080p30 preset, its 1 s keyframes, 6000k',
      s: settings({ video: presetVideo('Sharp 1080p30') }),
      expect: [
        ['-b:v', '6000k'],
        ['-bufsize', '12000k'],
        ['-g', '30'],
      ],
    },
    {
      name: "480p at 60 fps and the preset's 1 s keyframes",
      s: settings({ video: { ...presetVideo('Low bandwidth 480p'), fps: 60 } }),
      expect: [
        ['-b:v', '1200k'],
        ['-g', '60'],
        ['-r', '60'],
      ],
    },
    {
      name: 'NVENC in CBR',
      s: settings({ video: { ...presetVideo('Smooth 720p30', 'h264_nvenc'), keyframeSeconds: 2 } }),
      expect: [
        ['-c:v', 'h264_nvenc'],
        ['-rc', 'cbr'],
        ['-tune', 'll'],
        ['-g', '60'],
        ['-maxrate', '3500k'],
      ],
      absent: ['-x264-params'],
    },
    {
      name: 'VAAPI uploads frames and opens its device',
      s: settings({ video: presetVideo('Smooth 720p30', 'h264_vaapi') }),
      expect: [
        ['-c:v', 'h264_vaapi'],
        ['-vaapi_device', '/dev/dri/renderD128'],
        ['-rc_mode', 'CBR'],
      ],
    },
  ];
  for (const c of table) {
    test(c.name, () => {
      const argv = argvFor(c.s, linux);
      for (const [flag, value] of c.expect) {
        const at = argv.indexOf(flag);
        assert.ok(at >= 0, `${flag} in ${argv.join(' ')}`);
        assert.equal(argv[at + 1], value, flag);
      }
      for (const a of c.absent ?? []) assert.ok(!argv.includes(a), `${a} absent`);
    });
  }

  test('every preset sends a keyframe every second (what the README advises for low delay)', () => {
    for (const [name, p] of Object.entries(PRESETS)) {
      assert.equal(p.keyframeSeconds, 1, name);
      const argv = argvFor(settings({ video: presetVideo(name as PresetName) }), linux);
      assert.equal(argv[argv.indexOf('-g') + 1], String(p.fps), name);
    }
  });

  test('the picture is scaled into the output size keeping aspect, VAAPI upload last', () => {
    const argv = argvFor(settings({ video: presetVideo('Smooth 720p30', 'h264_vaapi') }), linux);
    const vf = argv[argv.indexOf('-filter:v') + 1];
    assert.equal(vf, 'scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30,format=nv12,hwupload');
  });

  test('FLV to server/key', () => {
    const argv = argvFor(settings(), linux);
    assert.deepEqual(argv.slice(-3), ['-f', 'flv', `rtmp://onair.example:1935/live/${KEY}`]);
    assert.equal(argv[argv.indexOf('-flvflags') + 1], 'no_duration_filesize');
    assert.equal(publishUrl('rtmp://h/live/', 'k'), 'rtmp://h/live/k');
  });

  test('recording: one encode feeds RTMP and the program on a pipe through tee (the broadcast records from the pipe)', () => {
    const PIPE = '[f=flv:onfail=ignore:flvflags=no_duration_filesize]pipe:3';
    const argv = argvFor(settings({ recordPath: '/home/me/Videos/show.mkv' }), linux);
    assert.deepEqual(argv.slice(-3), [
      '-f',
      'tee',
      `[f=flv:onfail=ignore:flvflags=no_duration_filesize]rtmp://onair.example:1935/live/${KEY}|${PIPE}`,
    ]);
    assert.ok(!argv.join(' ').includes('show.mkv'), 'ffmpeg never opens the file itself');
    assert.equal(argv.filter((a) => a === '-c:v').length, 1, 'one video encode');
    assert.deepEqual(
      argv.filter((a, i) => argv[i - 1] === '-map'),
      ['0:v', '1:a'],
    );
    assert.equal(argv[argv.indexOf('-flags') + 1], '+global_header');
    // A recording that may start while live: the same pipe, from the start.
    assert.deepEqual(argvFor(settings({ recordWhileLive: true }), linux).slice(-1), [
      `[f=flv:onfail=ignore:flvflags=no_duration_filesize]rtmp://onair.example:1935/live/${KEY}|${PIPE}`,
    ]);
    assert.deepEqual(argvFor(settings({}), linux).slice(-2), ['flv', `rtmp://onair.example:1935/live/${KEY}`], 'neither: no tee');
    // An .mp4 name is written as fragmented MP4 (playable after a crash), not Matroska under an MP4 name.
    assert.deepEqual(recordFormat('/v/show.MP4'), { format: 'mp4', options: { movflags: '+frag_keyframe+empty_moov+default_base_moof' } });
    assert.equal(recordFormat('/v/show.mov').format, 'mp4');
    assert.equal(recordFormat('/v/show.flv').format, 'flv');
    assert.equal(recordFormat('/v/show.mkv').format, 'matroska');
    assert.equal(recordPartPath('C:\\v\\a b.mkv', 3), 'C:\\v\\a b-3.mkv');
    assert.equal(recordPartPath('noext', 2), 'noext-2');
    assert.equal(escapeTee('C:\\v\\a|b.mkv'), 'C:\\\\v\\\\a\\|b.mkv');
  });

  test('extra destinations: the same encode once more as FLV on a pipe after the preview, their keys masked', () => {
    const destinations = [{ id: 'd1', name: 'Twitch', url: 'rtmp://live.twitch.tv/app', key: 'live_twitch_secret' }];
    const argv = argvFor(settings({ destinations }), linux);
    assert.deepEqual(argv.slice(-3), [
      '-f',
      'tee',
      `[f=flv:onfail=ignore:flvflags=no_duration_filesize]rtmp://onair.example:1935/live/${KEY}|[f=flv:onfail=ignore:flvflags=no_duration_filesize]pipe:3`,
    ]);
    assert.equal(argv.filter((a) => a === '-c:v').length, 1, 'one video encode');
    assert.ok(!argv.join(' ').includes('live_twitch_secret'), 'the pipe carries the stream, never the key');
    const withAll = buildBroadcastCommand(settings({ destinations, recordPath: '/v/show.mkv', preview: true }), { env: linux });
    assert.ok(withAll.ok);
    assert.ok(withAll.command.outputs[0].url.endsWith(`/live/${KEY}|[f=flv:onfail=ignore:flvflags=no_duration_filesize]pipe:4`), 'one pipe for both');
    assert.equal(withAll.command.outputs[1].url, 'pipe:3', 'the preview keeps its pipe');
    assert.deepEqual(withAll.secrets, [KEY, 'live_twitch_secret'], 'every key is masked in what is logged');
  });

  test('encoder probe command: one second of a test pattern into the null muxer', () => {
    const argv = buildFfmpegArgs(probeCommand('h264_qsv'));
    assert.deepEqual(argv.slice(-2), ['null', '-']);
    assert.equal(argv[argv.indexOf('-t') + 1], '1');
    assert.equal(argv[argv.indexOf('-c:v') + 1], 'h264_qsv');
    assert.equal(encoderProfile('something_new').codec, 'something_new');
  });

  test('Android: screenrecord arguments', () => {
    assert.deepEqual(screenrecordArgs({ kind: 'adb-screenrecord', serial: 'R58M', size: '1280x720', bitRate: 8_000_000 }), [
      '-s',
      'R58M',
      'exec-out',
      'screenrecord',
      '--output-format=h264',
      '--size=1280x720',
      '--bit-rate=8000000',
      '--time-limit=180',
      '-',
    ]);
  });
});

describe('reading ffmpeg', () => {
  test('progress blocks become samples, split anywhere', () => {
    const samples: ProgressSample[] = [];
    const p = new ProgressParser((s) => samples.push(s));
    const text =
      'frame=60\nfps=29.97\nstream_0_0_q=23.0\nbitrate=2345.6kbits/s\ntotal_size=586400\nout_time_us=2000000\nout_time_ms=2000000\nout_time=00:00:02.000000\ndup_frames=1\ndrop_frames=2\nspeed=1.01x\nprogress=continue\n' +
      'frame=90\nfps=30\nbitrate=N/A\ntotal_size=N/A\nout_time_us=3000000\ndup_frames=1\ndrop_frames=2\nspeed=N/A\nprogress=end\n';
    for (let i = 0; i < text.length; i += 7) p.push(text.slice(i, i + 7));
    assert.equal(samples.length, 2);
    assert.deepEqual(samples[0], {
      frame: 60,
      fps: 29.97,
      bitrateKbps: 2345.6,
      totalSize: 586400,
      outTimeUs: 2000000,
      dupFrames: 1,
      dropFrames: 2,
      speed: 1.01,
      end: false,
    });
    assert.equal(samples[1].totalSize, 0);
    assert.ok(Number.isNaN(samples[1].bitrateKbps));
    assert.equal(samples[1].end, true);
  });

  const host = '127.0.0.1:1935';
  const diag: Array<{ name: string; tail: string; wasLive?: boolean; kind: string; code: string; retry: boolean; reason?: RegExp }> = [
    {
      name: 'wrong key (Onair BadName)',
      tail: '[rtmp @ 0x1] Server error: Unknown stream key. Copy the current key from your channel settings.\nrtmp://127.0.0.1:1935/live/****: Operation not permitted\n',
      kind: 'wrong_key',
      code: 'wrong_key',
      retry: false,
      reason: /Unknown stream key/,
    },
    {
      name: 'already live (maybe our old connection)',
      tail: '[rtmp @ 0x1] Server error: This channel is already live from another encoder.\n',
      kind: 'already_live',
      code: 'refused',
      retry: true,
    },
    { name: 'wrong app', tail: '[rtmp @ 0x1] Server error: Publish to the "live" application\n', kind: 'refused', code: 'refused', retry: false },
    {
      name: 'connection refused',
      tail: '[tcp @ 0x1] Connection to tcp://127.0.0.1:1935?tcp_nodelay=0 failed: Connection refused\nrtmp://127.0.0.1:1935/live/****: Connection refused\n',
      kind: 'network',
      code: 'unreachable',
      retry: true,
      reason: /connection refused/,
    },
    {
      name: 'dropped while live',
      tail: 'av_interleaved_write_frame(): Broken pipe\nError writing trailer of rtmp://h/live/****: Broken pipe\n',
      wasLive: true,
      kind: 'network',
      code: 'unreachable',
      retry: true,
      reason: /dropped/,
    },
    {
      name: 'NVENC without a GPU',
      tail: '[h264_nvenc @ 0x1] Cannot load libcuda.so.1\nError initializing output stream 0:0 -- Error while opening encoder for output stream #0:0\n',
      kind: 'encoder',
      code: 'encoder_failed',
      retry: false,
    },
    {
      name: 'no X display',
      tail: '[x11grab @ 0x1] Cannot open display :7.0, error 1.\n:7.0: Input/output error\n',
      kind: 'source',
      code: 'source_failed',
      retry: false,
      reason: /Cannot open display/,
    },
    {
      name: 'no camera',
      tail: '[video4linux2,v4l2 @ 0x1] Cannot open video device /dev/video9: No such file or directory\n/dev/video9: No such file or directory\n',
      kind: 'source',
      code: 'source_failed',
      retry: false,
    },
    {
      name: 'tee slave failed',
      tail: '[tee @ 0x1] Slave muxer #0 failed: Broken pipe, continuing with 1/2 slaves.\n',
      kind: 'rtmp_dropped',
      code: 'unreachable',
      retry: true,
    },
    { name: 'something else', tail: 'weird thing happened\n', kind: 'unknown', code: 'unreachable', retry: true, reason: /weird thing happened/ },
  ];
  for (const d of diag) {
    test(`diagnosis: ${d.name}`, () => {
      const r = diagnoseExit(d.tail, { host, wasLive: d.wasLive ?? false });
      assert.equal(r.kind, d.kind);
      assert.equal(r.code, d.code);
      assert.equal(r.retry, d.retry);
      if (d.reason) assert.match(r.reason, d.reason);
    });
  }
  test('diagnosis: ffmpeg missing', () => {
    const r = diagnoseExit('\nspawn /nope/ffmpeg ENOENT', { host, wasLive: false, spawnError: 'spawn /nope/ffmpeg ENOENT' });
    assert.equal(r.code, 'ffmpeg_missing');
    assert.equal(r.retry, false);
  });

  test('backoff doubles up to the cap', () => {
    const b = { initialMs: 500, maxMs: 4000, maxAttempts: 9 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, b)),
      [500, 1000, 2000, 4000, 4000, 4000],
    );
  });

  test('ps cpu time', () => {
    assert.equal(parsePsTime('0:01.50'), 1.5);
    assert.equal(parsePsTime('01:02:03'), 3723);
    assert.equal(parsePsTime('1-00:00:01'), 86401);
    assert.equal(parsePsTime(''), undefined);
  });

  test('CLI sources', () => {
    assert.deepEqual(parseSource('test'), { kind: 'test' });
    assert.deepEqual(parseSource('screen:1'), { kind: 'screen', display: 1 });
    assert.deepEqual(parseSource('camera:/dev/video2'), { kind: 'camera', name: '/dev/video2' });
    assert.deepEqual(parseSource('android:R58M'), { kind: 'android', serial: 'R58M' });
    assert.equal(typeof parseSource('screen:x'), 'string');
    assert.equal(typeof parseSource('mars'), 'string');
  });
});
