// `npm run broadcast -- …`: the Studio's broadcast pipeline from a terminal. Prints state changes and one health
// line a second; exits 0 on a clean end, 1 with the plain reason on failure, 2 on bad arguments.
import { parseArgs } from 'node:util';
import { locateFfmpeg } from '../server/ffmpeg/locate.js';
import { presetVideo } from './broadcast/args.js';
import { Broadcast } from './broadcast/broadcast.js';
import { availableEncoders, probeEncoders } from './broadcast/encoders.js';
import { PRESETS, type BroadcastHealth, type BroadcastSettings, type BroadcastState, type PresetName, type SourceSpec } from './broadcast/types.js';

export const HELP = `Onair Studio broadcast (command line)

Usage: npm run broadcast -- --server <rtmp-url> --key <key> [options]

  --server URL      RTMP server, e.g. rtmp://HOST/live (your channel settings show it)
  --key KEY         stream key; or set ONAIR_STREAM_KEY so it stays out of your shell history
  --source SRC      test | screen[:N] | camera[:NAME] | window:ID | android[:SERIAL]   (default: test)
                      screen:N    monitor N (Linux: the X screen in DISPLAY)
                      camera:NAME /dev/videoN or N on Linux, the device name on Windows and macOS
                      android     phone over USB with adb (screenrecord, restarted every 170 s)
  --duration S      stop cleanly after S seconds live (default: until Ctrl-C)
  --preset NAME     ${Object.keys(PRESETS)
    .map((p) => `"${p}"`)
    .join(', ')} (default "Smooth 720p30")
  --bitrate K       video bitrate in kbit/s (default: the preset's)
  --fps N           frames per second (default: the preset's)
  --keyframe S      seconds between keyframes (default 1, for low delay; 2 saves a little bitrate)
  --encoder NAME    libx264, h264_nvenc, h264_qsv, h264_amf, h264_videotoolbox, h264_vaapi (default libx264)
  --list-encoders   test-encode with each encoder and list those that work here, then exit
  --record FILE     also record to FILE from the same encode (.mkv, .mp4 or .mov as fragmented MP4, .flv)
  --mic NAME        microphone (PulseAudio source, DirectShow or avfoundation device)
  --system-audio    add system audio (Linux: the default output's monitor)
  --pip CAMERA      camera picture-in-picture over the main picture (bottom-right, 25 % wide)
  --audio-bitrate K audio bitrate in kbit/s (default 160)
  --quiet           only state changes, no health lines
  --help            this text

Environment: ONAIR_STREAM_KEY (the key), FFMPEG_PATH (ffmpeg binary).
Exit status: 0 after a clean end, 1 when the broadcast failed (the reason is printed), 2 for bad arguments.`;

export function parseSource(text: string): SourceSpec | string {
  const [kind, ...restParts] = text.split(':');
  const rest = restParts.join(':');
  switch (kind) {
    case 'test':
      return { kind: 'test' };
    case 'screen':
      if (rest && !/^\d+$/.test(rest)) return `screen takes a number: screen:0`;
      return { kind: 'screen', display: rest ? Number(rest) : undefined };
    case 'camera':
      return { kind: 'camera', name: rest || (process.platform === 'linux' ? '/dev/video0' : '0') };
    case 'window':
      if (!rest) return 'window needs an id (X11 window id, or the window title on Windows): window:0x3a00007';
      return { kind: 'window', id: rest, title: rest };
    case 'android':
      return { kind: 'android', serial: rest || undefined };
    default:
      return `unknown source "${text}": use test, screen[:N], camera[:NAME], window:ID or android[:SERIAL]`;
  }
}

function describeState(s: BroadcastState): string {
  switch (s.kind) {
    case 'connecting':
      return `connecting (attempt ${s.attempt})`;
    case 'live':
      return 'live';
    case 'reconnecting':
      return `reconnecting in ${(s.retryInMs / 1000).toFixed(1)} s (attempt ${s.attempt}): ${s.reason}`;
    case 'failed':
      return `failed (${s.code}): ${s.reason}`;
    default:
      return s.kind;
  }
}

function healthLine(h: BroadcastHealth): string {
  return `health ${String(h.uptimeSeconds).padStart(4)} s  ${String(h.bitrateKbps).padStart(5)} kbit/s  ${h.fps.toFixed(1)} fps  speed ${h.speed.toFixed(2)}x  dropped ${h.droppedFrames}  dup ${h.duplicatedFrames}  ffmpeg cpu ${h.cpuPercent.toFixed(0)} %`;
}

export async function main(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        server: { type: 'string' },
        key: { type: 'string' },
        source: { type: 'string', default: 'test' },
        duration: { type: 'string' },
        preset: { type: 'string', default: 'Smooth 720p30' },
        bitrate: { type: 'string' },
        fps: { type: 'string' },
        keyframe: { type: 'string' },
        encoder: { type: 'string', default: 'libx264' },
        'list-encoders': { type: 'boolean' },
        record: { type: 'string' },
        mic: { type: 'string' },
        'system-audio': { type: 'boolean' },
        pip: { type: 'string' },
        'audio-bitrate': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  const ffmpegPath = locateFfmpeg({ explicit: process.env.FFMPEG_PATH });
  if (values['list-encoders']) {
    for (const r of await probeEncoders({ ffmpegPath })) out(`${r.ok ? 'ok  ' : 'no  '} ${r.name}${r.ok ? '' : `  (${r.error})`}`);
    return 0;
  }
  const key = values.key ?? process.env.ONAIR_STREAM_KEY;
  if (!values.server) return usage(err, '--server is required (e.g. rtmp://HOST/live)');
  if (!key) return usage(err, '--key is required (or set ONAIR_STREAM_KEY)');
  const source = parseSource(values.source!);
  if (typeof source === 'string') return usage(err, source);
  if (!(values.preset! in PRESETS)) return usage(err, `unknown preset "${values.preset}"`);
  const video = presetVideo(values.preset as PresetName, values.encoder);
  const numOpt = (name: string, v: string | undefined): number | undefined | string => {
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n > 0 ? n : `--${name} must be a positive number`;
  };
  const nums = {
    bitrate: numOpt('bitrate', values.bitrate),
    fps: numOpt('fps', values.fps),
    keyframe: numOpt('keyframe', values.keyframe),
    duration: numOpt('duration', values.duration),
    audio: numOpt('audio-bitrate', values['audio-bitrate']),
  };
  for (const v of Object.values(nums)) if (typeof v === 'string') return usage(err, v);
  if (typeof nums.bitrate === 'number') video.bitrateKbps = nums.bitrate;
  if (typeof nums.fps === 'number') video.fps = nums.fps;
  if (typeof nums.keyframe === 'number') video.keyframeSeconds = nums.keyframe;
  if (values.encoder !== 'libx264') {
    const ok = await availableEncoders({ ffmpegPath, candidates: [values.encoder!] });
    if (!ok.length) {
      err(`failed (encoder_failed): the encoder ${values.encoder} does not work on this machine. Try --list-encoders.`);
      return 1;
    }
  }
  const settings: BroadcastSettings = {
    server: values.server,
    streamKey: key,
    source,
    video,
    audio: { bitrateKbps: (nums.audio as number | undefined) ?? 160, microphone: values.mic, system: values['system-audio'] },
    pip: values.pip ? { camera: values.pip, position: 'bottom-right', size: 0.25 } : undefined,
    recordPath: values.record,
    durationSeconds: nums.duration as number | undefined,
  };
  const b = new Broadcast(settings, { ffmpegPath });
  b.on('state', (s) => out(`state ${describeState(s)}`));
  if (!values.quiet) b.on('health', (h) => out(healthLine(h)));
  const onSignal = () => void b.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  b.start();
  const end = await b.finished;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (end.kind === 'failed') {
    err(`broadcast failed (${end.code}): ${end.reason}`);
    return 1;
  }
  return 0;
}

function usage(err: (line: string) => void, msg: string): number {
  err(`${msg}\nRun with --help for every option.`);
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('electron/cli.ts')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
