// The MPEG-4 AudioSpecificConfig (the AAC sequence header's body): codec string, sample rate, channels and frame
// length. Apart from the video parsers (codecs.ts): the audio config shares only the bit reader (bitstream.ts) with them.

import { BitReader } from './bitstream.js';

export interface AudioCodecInfo {
  /** `mp4a.40.<aot>` */
  codec: string;
  /** Audio object type (2 = AAC-LC, 5 = HE-AAC, 29 = HE-AACv2). */
  objectType: number;
  sampleRate: number;
  channels: number;
  /** Samples per AAC frame: 1024, or 960 when the ASC says so. */
  frameLength: number;
  profile?: string;
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const AAC_PROFILES: Record<number, string> = { 1: 'AAC Main', 2: 'LC', 3: 'SSR', 4: 'LTP', 5: 'HE-AAC', 29: 'HE-AACv2' };

/** Parse an MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1). */
export function parseAsc(asc: Uint8Array): AudioCodecInfo {
  if (asc.length < 2) throw new Error('AudioSpecificConfig too short');
  const r = new BitReader(asc);
  const readAot = (): number => {
    const a = r.bits(5);
    return a === 31 ? 32 + r.bits(6) : a;
  };
  const readRate = (): number => {
    const idx = r.bits(4);
    if (idx === 15) return r.bits(24);
    const rate = AAC_RATES[idx];
    if (rate === undefined) throw new Error(`bad AAC sampling frequency index ${idx}`);
    return rate;
  };
  const objectType = readAot();
  const sampleRate = readRate();
  const channelConfig = r.bits(4);
  let frameLength = 1024;
  let outAot = objectType;
  if (objectType === 5 || objectType === 29) {
    // Explicit SBR signalling: extension rate, then the core object type. Frames stay 1024 core samples,
    // but our timescale is the core rate, so this is consistent.
    readRate();
    outAot = objectType;
    readAot();
  } else if ([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23].includes(objectType) && r.bitsLeft >= 1) {
    if (r.bit()) frameLength = 960; // GASpecificConfig frameLengthFlag
  }
  const channels = channelConfig === 7 ? 8 : channelConfig;
  return {
    codec: `mp4a.40.${outAot}`,
    objectType: outAot,
    sampleRate,
    channels,
    frameLength,
    profile: AAC_PROFILES[outAot],
  };
}
