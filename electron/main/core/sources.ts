// Sources for the picker and the preview: what can be listed without platform tools, and the ffmpeg input for
// each kind. Enumeration is best effort: cameras from /dev/video* (Linux) or ffmpeg's device list (Windows dshow,
// macOS avfoundation), microphones from ffmpeg's lists (device-lists.ts), Android devices from `adb devices` when
// adb is installed; displays and windows come from the Electron host (screen / desktopCapturer) — without it (the
// dev bridge) the list is one fixed "Entire screen".
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { buildFfmpegArgs } from '../../../server/ffmpeg/args.js';
import { planSources, sourceEnvFromProcess } from '../../broadcast/sources.js';
import type { SourceSpec } from '../../broadcast/types.js';
import type { MicrophoneOption, SourceList, SourceOption } from '../../ipc-contract.js';
import { parseAvfoundationDevices, parseDshowDevices, parseFfmpegSources, type FfmpegSource } from './device-lists.js';

export class SourceError extends Error {}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let p;
    try {
      p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      return resolve({ stdout, stderr });
    }
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('error', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
    p.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
  });
}

/** What a platform lists of its capture devices; Linux cameras come from /dev, everything else from ffmpeg. */
export interface DeviceLists {
  cameras: string[];
  microphones: MicrophoneOption[];
}

const SYSTEM_DEFAULT = 'System default microphone';

/** Linux microphones: PulseAudio/PipeWire sources (not the outputs' monitors), else ALSA capture devices. */
export function linuxMicrophones(pulse: FfmpegSource[], alsa: FfmpegSource[]): MicrophoneOption[] {
  if (pulse.length) {
    const mics = pulse.filter((d) => !d.name.endsWith('.monitor'));
    return [
      { id: 'pulse:default', label: SYSTEM_DEFAULT, device: 'default', api: 'pulse' },
      ...mics.map((d) => ({
        id: `pulse:${d.name}`,
        label: d.isDefault ? `${d.description} (the current default)` : d.description,
        device: d.name,
        api: 'pulse' as const,
      })),
    ];
  }
  // ALSA's 'null' device records silence; its descriptions repeat per card, so the device name goes with them.
  const devices = alsa.filter((d) => d.name !== 'null');
  if (!devices.length) return [];
  return [
    ...(devices.some((d) => d.name === 'default') ? [{ id: 'alsa:default', label: SYSTEM_DEFAULT, device: 'default', api: 'alsa' as const }] : []),
    ...devices
      .filter((d) => d.name !== 'default')
      .map((d) => ({ id: `alsa:${d.name}`, label: `${d.description} (${d.name})`, device: d.name, api: 'alsa' as const })),
  ];
}

export async function listDevices(ffmpegPath: string, platform: NodeJS.Platform = process.platform): Promise<DeviceLists> {
  if (platform === 'linux') {
    let cameras: string[] = [];
    try {
      cameras = readdirSync('/dev')
        .filter((f) => /^video\d+$/.test(f))
        .sort()
        .map((f) => `/dev/${f}`);
    } catch {}
    const pulse = parseFfmpegSources((await run(ffmpegPath, ['-hide_banner', '-sources', 'pulse'], 5000)).stdout);
    const alsa = pulse.length ? [] : parseFfmpegSources((await run(ffmpegPath, ['-hide_banner', '-sources', 'alsa'], 5000)).stdout);
    return { cameras, microphones: linuxMicrophones(pulse, alsa) };
  }
  if (platform === 'win32') {
    const { stderr } = await run(ffmpegPath, ['-hide_banner', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy'], 5000);
    const { video, audio } = parseDshowDevices(stderr);
    // DirectShow has no "default device": the list is all there is.
    return { cameras: video, microphones: audio.map((n) => ({ id: `dshow:${n}`, label: n, device: n })) };
  }
  if (platform === 'darwin') {
    const { stderr } = await run(ffmpegPath, ['-hide_banner', '-f', 'avfoundation', '-list_devices', 'true', '-i', ''], 5000);
    const { video, audio } = parseAvfoundationDevices(stderr);
    const microphones: MicrophoneOption[] = audio.length
      ? [{ id: 'default', label: SYSTEM_DEFAULT, device: 'default' }, ...audio.map((n) => ({ id: `avfoundation:${n}`, label: n, device: n }))]
      : [];
    return { cameras: video, microphones };
  }
  return { cameras: [], microphones: [] };
}

export async function listAndroid(): Promise<string[]> {
  const { stdout } = await run('adb', ['devices'], 3000);
  return stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length >= 2 && p[1] === 'device')
    .map((p) => p[0]!);
}

export interface HostSources {
  displays?: { index: number; label: string }[];
  windows?: { id: string; title: string }[];
}

export async function listSources(ffmpegPath: string, host: HostSources = {}): Promise<SourceList> {
  const notes: string[] = [];
  const [{ cameras, microphones }, android] = await Promise.all([listDevices(ffmpegPath), listAndroid()]);
  const sources: SourceOption[] = [{ id: 'test', label: 'Test pattern', spec: { kind: 'test' } }];
  const displays = host.displays ?? [{ index: 0, label: 'Entire screen' }];
  if (!host.displays) notes.push('Displays are a fixed list here (one entire screen); the desktop app lists each display.');
  for (const d of displays) sources.push({ id: `screen:${d.index}`, label: d.label, spec: { kind: 'screen', display: d.index } });
  if (host.windows)
    for (const w of host.windows)
      sources.push({ id: `window:${w.id}`, label: `Window: ${w.title}`, spec: { kind: 'window', id: w.id, title: w.title } });
  else notes.push('Windows are listed by the desktop app only.');
  for (const c of cameras) sources.push({ id: `camera:${c}`, label: `Camera: ${c}`, spec: { kind: 'camera', name: c } });
  if (!cameras.length) notes.push('No camera found.');
  for (const s of android) sources.push({ id: `android:${s}`, label: `Android: ${s}`, spec: { kind: 'android', serial: s } });
  if (!android.length) notes.push('No Android device found (connect one with USB debugging on; needs adb).');
  if (!microphones.length) notes.push('No microphone found (choose "Other…" to name one).');
  return { sources, cameras, microphones, notes };
}

/** One JPEG frame of a source as a data: URL. */
export async function snapshot(ffmpegPath: string, src: SourceSpec, timeoutMs = 8000): Promise<string> {
  if (src.kind === 'android')
    throw new SourceError('Android devices are streamed by the broadcast pipeline (adb screenrecord); there is no preview for them here.');
  // The same input the broadcast would open (one source of truth for capture arguments), one frame of it.
  const plan = planSources(
    {
      source: src,
      video: { width: 1280, height: 720, fps: 5, bitrateKbps: 1000, keyframeSeconds: 1, encoder: 'libx264' },
      audio: { bitrateKbps: 128 },
    },
    sourceEnvFromProcess(),
  );
  if (!plan.ok) throw new SourceError(plan.reason);
  const input = { ...plan.plan.inputs[0], realtime: false };
  const args = buildFfmpegArgs({
    inputs: [input],
    outputs: [
      {
        url: 'pipe:1',
        format: 'image2pipe',
        maps: ['0:v:0'],
        frames: 1,
        audio: 'none',
        video: { codec: 'mjpeg', width: 640, options: { 'q:v': 6 } },
      },
    ],
  });
  const jpeg = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let err = '';
    const p = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-1000)));
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new SourceError(`ffmpeg could not start: ${e.message}`));
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      const buf = Buffer.concat(chunks);
      if (code === 0 && buf.length > 0) resolve(buf);
      else reject(new SourceError('No picture from this source. Is it connected, and may Onair Studio capture it?'));
    });
  });
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}
