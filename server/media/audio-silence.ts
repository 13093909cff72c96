// Silent AAC for the stretches a publisher sends video without audio, so players keep one audio timeline.
import type { AudioCodecInfo } from './aac-config.js';
import { AUDIO_TRACK_ID, VIDEO_TIMESCALE, type FragmentTrack } from './mp4.js';

/** Raw AAC-LC frames that decode to silence, by channel count (the well-known values hls.js also uses). */
const AAC_LC_SILENCE: Record<number, Buffer> = {
  1: Buffer.from([0x00, 0xc8, 0x00, 0x80, 0x23, 0x80]),
  2: Buffer.from([0x21, 0x00, 0x49, 0x90, 0x02, 0x19, 0x00, 0x23, 0x80]),
};

/** Silent audio covering [start, end) (90 kHz), or undefined when there is no silent frame for this config. */
export function silentTrack(info: AudioCodecInfo, start: number, end: number): FragmentTrack | undefined {
  const frame = AAC_LC_SILENCE[info.channels];
  if (info.objectType !== 2 || !frame || info.frameLength !== 1024) return undefined;
  const sr = info.sampleRate;
  const a = Math.round((start * sr) / VIDEO_TIMESCALE);
  const n = Math.max(1, Math.round((Math.round((end * sr) / VIDEO_TIMESCALE) - a) / info.frameLength));
  return {
    id: AUDIO_TRACK_ID,
    baseDecodeTime: a,
    count: n,
    data: new Array<Buffer>(n).fill(frame),
    durations: new Array<number>(n).fill(info.frameLength),
  };
}
