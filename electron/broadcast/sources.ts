// What to capture, as ffmpeg inputs, per operating system. Pure: the platform and environment are passed in so
// every branch is table-tested on any machine. The picture always comes first (input 0), then the optional
// picture-in-picture camera, then audio inputs; the plan says which streams to map and which filter graph joins them.
import type { FfmpegInput } from '../../server/ffmpeg/args.js';
import type { AudioSettings, BroadcastSettings, PictureInPicture, SourceSpec } from './types.js';

export interface SourceEnv {
  platform: NodeJS.Platform;
  /** DISPLAY (X11), e.g. ':0' or ':0.0'. */
  display?: string;
  /** WAYLAND_DISPLAY; with XDG_SESSION_TYPE=wayland, screen grabbing through X11 shows only XWayland windows. */
  waylandDisplay?: string;
  sessionType?: string;
  /** Windows: use the Desktop Duplication grabber (ddagrab, ffmpeg 6.1+) instead of gdigrab. */
  windowsGrabber?: 'gdigrab' | 'ddagrab';
}

export function sourceEnvFromProcess(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform): SourceEnv {
  return { platform, display: env.DISPLAY, waylandDisplay: env.WAYLAND_DISPLAY, sessionType: env.XDG_SESSION_TYPE };
}

/** Feeds ffmpeg's stdin from another program (Android: adb screenrecord, restarted before its 3-minute limit). */
export interface AndroidFeed {
  kind: 'adb-screenrecord';
  serial?: string;
  /** Screen size asked of screenrecord (WxH), bitrate in bits/s. */
  size: string;
  bitRate: number;
}

export interface SourcePlan {
  inputs: FfmpegInput[];
  /** -map for the picture: '0:v' or a filter label such as '[vout]'. */
  videoMap: string;
  audioMap: string;
  /** Set when inputs are joined (picture in picture, scaling in the graph, mixing audio). */
  filterComplex?: string;
  /** True when filterComplex already scales and pads the picture to the output size and rate. */
  videoScaledInGraph: boolean;
  feed?: AndroidFeed;
  /** Plain-words notes for the user (e.g. no system audio on macOS without a virtual device). */
  warnings: string[];
}

export type SourceResult = { ok: true; plan: SourcePlan } | { ok: false; code: 'source_failed'; reason: string };

const WAYLAND_REASON =
  'This desktop runs Wayland, where ffmpeg cannot grab the screen. Use the screen picker in the Onair Studio window ' +
  '(it captures through the system dialog, getDisplayMedia), or sign in to an "X11" / "Xorg" session.';

function isWayland(env: SourceEnv): boolean {
  return env.platform === 'linux' && (env.sessionType === 'wayland' || (!!env.waylandDisplay && !env.display));
}

/** ':0' -> ':0.0', ':1.0' stays; host:0 kept. */
function x11Display(display: string | undefined): string {
  const d = display && display.trim() ? display.trim() : ':0';
  return /\.\d+$/.test(d) ? d : `${d}.0`;
}

function cameraInput(name: string, env: SourceEnv, fps: number): FfmpegInput | string {
  switch (env.platform) {
    case 'linux': {
      const dev = /^\d+$/.test(name) ? `/dev/video${name}` : name;
      return { format: 'v4l2', url: dev, options: { framerate: fps } };
    }
    case 'win32':
      return { format: 'dshow', url: `video=${name}`, options: { rtbufsize: '256M' } };
    case 'darwin':
      // avfoundation takes "VIDEO:AUDIO" by index or name; 'none' for no audio.
      return { format: 'avfoundation', url: `${name}:none`, options: { framerate: fps, pixel_format: 'uyvy422' } };
    default:
      return `Cameras are not supported on ${env.platform}.`;
  }
}

/** The main picture as one ffmpeg input (or a reason it cannot be captured here). */
function pictureInput(source: SourceSpec, env: SourceEnv, fps: number, w: number, h: number): { input: FfmpegInput; feed?: AndroidFeed } | string {
  switch (source.kind) {
    case 'test':
      return { input: { format: 'lavfi', url: `testsrc2=size=${w}x${h}:rate=${fps}`, realtime: true } };
    case 'screen': {
      if (isWayland(env)) return WAYLAND_REASON;
      const r = source.region;
      if (env.platform === 'linux') {
        const base = x11Display(env.display);
        return {
          input: {
            format: 'x11grab',
            url: r ? `${base}+${r.x},${r.y}` : base,
            options: { framerate: fps, video_size: r ? `${r.width}x${r.height}` : undefined, draw_mouse: 1 },
          },
        };
      }
      if (env.platform === 'win32') {
        if (env.windowsGrabber === 'ddagrab') {
          // Desktop Duplication API: a filter source (GPU frames, downloaded for the software path).
          return { input: { format: 'lavfi', url: `ddagrab=output_idx=${source.display ?? 0}:framerate=${fps},hwdownload,format=bgra` } };
        }
        return {
          input: {
            format: 'gdigrab',
            url: 'desktop',
            options: {
              framerate: fps,
              offset_x: r?.x,
              offset_y: r?.y,
              video_size: r ? `${r.width}x${r.height}` : undefined,
            },
          },
        };
      }
      if (env.platform === 'darwin') {
        // avfoundation lists screens as "Capture screen N" after the cameras; the name is stable across machines.
        return {
          input: {
            format: 'avfoundation',
            url: `Capture screen ${source.display ?? 0}:none`,
            options: { framerate: fps, capture_cursor: 1, pixel_format: 'uyvy422' },
          },
        };
      }
      return `Screen capture is not supported on ${env.platform}.`;
    }
    case 'window': {
      if (isWayland(env)) return WAYLAND_REASON;
      if (env.platform === 'linux') {
        return { input: { format: 'x11grab', url: x11Display(env.display), options: { framerate: fps, window_id: source.id } } };
      }
      if (env.platform === 'win32') {
        if (!source.title) return 'Window capture on Windows needs the window title.';
        return { input: { format: 'gdigrab', url: `title=${source.title}`, options: { framerate: fps } } };
      }
      return 'Window capture on this system goes through the screen picker in the Onair Studio window (getDisplayMedia).';
    }
    case 'camera': {
      const c = cameraInput(source.name, env, fps);
      return typeof c === 'string' ? c : { input: c };
    }
    case 'android':
      return {
        // Raw H.264 from `adb exec-out screenrecord` on stdin; it has no timestamps, so the wall clock gives them.
        input: {
          format: 'h264',
          url: 'pipe:0',
          options: { use_wallclock_as_timestamps: 1, fflags: '+genpts+nobuffer', probesize: 32 * 1024, analyzeduration: 0 },
        },
        feed: { kind: 'adb-screenrecord', serial: source.serial, size: `${w}x${h}`, bitRate: 8_000_000 },
      };
  }
}

/** Audio inputs: microphone and/or system audio; silence when neither (players expect an audio track). */
function audioInputs(audio: AudioSettings, env: SourceEnv, warnings: string[]): FfmpegInput[] {
  const out: FfmpegInput[] = [];
  if (audio.microphone) {
    if (env.platform === 'linux') out.push({ format: audio.microphoneApi === 'alsa' ? 'alsa' : 'pulse', url: audio.microphone });
    else if (env.platform === 'win32') out.push({ format: 'dshow', url: `audio=${audio.microphone}` });
    else if (env.platform === 'darwin') out.push({ format: 'avfoundation', url: `none:${audio.microphone}` });
  }
  if (audio.system) {
    if (env.platform === 'linux') {
      // PulseAudio and PipeWire (pipewire-pulse) both resolve @DEFAULT_MONITOR@ to the default output's monitor.
      out.push({ format: 'pulse', url: audio.systemDevice ?? '@DEFAULT_MONITOR@' });
    } else if (env.platform === 'win32') {
      // ffmpeg has no WASAPI input: loopback comes through a DirectShow device ("Stereo Mix", or
      // virtual-audio-capturer from screen-capture-recorder).
      out.push({ format: 'dshow', url: `audio=${audio.systemDevice ?? 'virtual-audio-capturer'}` });
    } else if (env.platform === 'darwin') {
      if (audio.systemDevice) out.push({ format: 'avfoundation', url: `none:${audio.systemDevice}` });
      else
        warnings.push(
          'macOS does not let apps record system audio directly: install a virtual device such as BlackHole and pick it, or share audio from the Studio window.',
        );
    }
  }
  if (out.length === 0) out.push({ format: 'lavfi', url: 'anullsrc=channel_layout=stereo:sample_rate=48000' });
  return out;
}

export function pipOverlayPosition(position: PictureInPicture['position'], margin = 16): string {
  switch (position) {
    case 'top-left':
      return `${margin}:${margin}`;
    case 'top-right':
      return `main_w-overlay_w-${margin}:${margin}`;
    case 'bottom-left':
      return `${margin}:main_h-overlay_h-${margin}`;
    case 'bottom-right':
      return `main_w-overlay_w-${margin}:main_h-overlay_h-${margin}`;
  }
}

/** Scale into WxH keeping aspect, pad the rest (letterbox), fixed rate. */
export function fitFilter(w: number, h: number, fps: number): string {
  return `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps}`;
}

export function planSources(settings: Pick<BroadcastSettings, 'source' | 'pip' | 'audio' | 'video'>, env: SourceEnv): SourceResult {
  const { width: w, height: h, fps } = settings.video;
  const warnings: string[] = [];
  const pic = pictureInput(settings.source, env, fps, w, h);
  if (typeof pic === 'string') return { ok: false, code: 'source_failed', reason: pic };
  const inputs: FfmpegInput[] = [pic.input];
  const graph: string[] = [];
  let videoMap = '0:v';
  let videoScaledInGraph = false;

  if (settings.pip) {
    const cam = cameraInput(settings.pip.camera, env, fps);
    if (typeof cam === 'string') return { ok: false, code: 'source_failed', reason: cam };
    inputs.push(cam);
    const size = Math.min(0.5, Math.max(0.1, settings.pip.size));
    const pipW = Math.max(2, Math.round((w * size) / 2) * 2);
    graph.push(
      `[0:v]${fitFilter(w, h, fps)}[main]`,
      `[1:v]scale=${pipW}:-2,setsar=1[pip]`,
      `[main][pip]overlay=${pipOverlayPosition(settings.pip.position)}:shortest=0[vout]`,
    );
    videoMap = '[vout]';
    videoScaledInGraph = true;
  }

  const audioStart = inputs.length;
  let audioMap: string;
  if (settings.source.kind === 'test' && !settings.audio.microphone && !settings.audio.system) {
    inputs.push({ format: 'lavfi', url: 'sine=frequency=440:sample_rate=48000', realtime: true });
    audioMap = `${audioStart}:a`;
  } else {
    const a = audioInputs(settings.audio, env, warnings);
    inputs.push(...a);
    if (a.length === 1) audioMap = `${audioStart}:a`;
    else {
      const labels = a.map((_, i) => `[${audioStart + i}:a]`).join('');
      graph.push(`${labels}amix=inputs=${a.length}:duration=longest:dropout_transition=0[aout]`);
      audioMap = '[aout]';
    }
  }
  return {
    ok: true,
    plan: { inputs, videoMap, audioMap, filterComplex: graph.length ? graph.join(';') : undefined, videoScaledInGraph, feed: pic.feed, warnings },
  };
}
