// Media as the Studio's engine sends it, for tests of the sender thread and of main's recording: real H.264 and AAC
// made by ffmpeg, cut into the engine's media chunks, pushed at the pace they play; and what ffprobe reads of a file
// recorded from them.
import path from 'node:path';
import { encodeMediaChunk, type MediaChunk } from '../media-chunk.js';
import { readFlvFile } from '../../server/media/flv-file.js';
import { ffmpegPath, ffprobePath, runOk } from '../../server/test-support/process.js';

/** The chunks the window's encoders would send for an FLV file ffmpeg made: its H.264 as `output`, its AAC if asked. */
async function flvChunks(file: string, output: 'main' | 'vertical', audio: boolean): Promise<MediaChunk[]> {
  const out: MediaChunk[] = [];
  for (const f of await readFlvFile(file)) {
    const at = { timestampUs: f.dts * 1000, compositionUs: f.cts * 1000, data: new Uint8Array(f.data) };
    if (f.track === 'video' && f.codec === 'avc' && f.kind !== 'other' && f.kind !== 'meta')
      out.push({ ...at, kind: f.kind === 'config' ? 'video-config' : f.kind === 'key' ? 'video-key' : 'video-delta', output });
    else if (audio && f.track === 'audio' && f.codec === 'aac') out.push({ ...at, kind: f.kind === 'config' ? 'audio-config' : 'audio-frame' });
  }
  return out;
}

/** 10 s of both outputs as the window's encoders would send them: real H.264 by ffmpeg (1280x720 with AAC, 720x1280), a keyframe each second. */
export async function realChunks(work: string): Promise<MediaChunk[]> {
  const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'];
  const make = (size: string, file: string, withAudio: boolean) =>
    runOk(ffmpegPath, [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`],
      ...(withAudio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-c:a', 'aac', '-ac', '2'] : []),
      ...[...x264, '-t', '10', '-f', 'flv', path.join(work, file)],
    ]);
  await Promise.all([make('1280x720', 'main.flv', true), make('720x1280', 'vertical.flv', false)]);
  return [...(await flvChunks(path.join(work, 'main.flv'), 'main', true)), ...(await flvChunks(path.join(work, 'vertical.flv'), 'vertical', false))];
}

/** Chunks pushed in timestamp order at the pace they play, as the window's encoders send them; `at` runs each step before the first chunk at or after its time. */
export async function play(push: (message: ArrayBuffer) => void, chunks: MediaChunk[], at: { us: number; run(): void }[] = []): Promise<void> {
  const start = Date.now();
  const steps = [...at].sort((a, b) => a.us - b.us);
  for (const c of [...chunks].sort((a, b) => a.timestampUs - b.timestampUs)) {
    const wait = start + c.timestampUs / 1000 - Date.now();
    if (wait > 5) await new Promise((r) => setTimeout(r, wait));
    while (steps.length && steps[0]!.us <= c.timestampUs) steps.shift()!.run();
    push(encodeMediaChunk(c));
  }
}

/** Each video packet's time and whether it is a keyframe, and the streams, of a recorded file. */
export async function recorded(file: string) {
  const json = (args: string[]) => runOk(ffprobePath, ['-v', 'error', ...args, '-of', 'json', file]).then((r) => JSON.parse(r.stdout));
  const { streams } = await json(['-show_entries', 'stream=codec_type,codec_name,width,height']);
  const { packets } = await json(['-select_streams', 'v', '-show_entries', 'packet=pts_time,flags']);
  return {
    video: (streams as any[]).find((x) => x.codec_type === 'video'),
    audio: (streams as any[]).find((x) => x.codec_type === 'audio'),
    packets: (packets as { pts_time: string; flags: string }[]).map((p) => ({ pts: Number(p.pts_time), key: p.flags.startsWith('K') })),
  };
}
