// Which H.264 profile and level to ask WebCodecs for, from the picture size, frame rate and bitrate: pure. The
// level is the lowest whose limits (ITU-T H.264 Table A-1: macroblocks per frame and per second, bitrate) hold the
// stream, so decoders that check it accept it. High first (what software OpenH264 and hardware encoders take at
// 1080p), then Main, then Constrained Baseline.

export type AvcProfile = 'high' | 'main' | 'baseline';

export interface AvcChoice {
  profile: AvcProfile;
  /** e.g. 31 for 3.1 */
  level: number;
  /** The WebCodecs codec string, `avc1.PPCCLL`. */
  codec: string;
}

/** level_idc -> max macroblocks per second, max frame size in macroblocks, max bitrate (kb/s, Main/Baseline). */
const LEVELS: [level: number, mbps: number, fs: number, kbps: number][] = [
  [30, 40_500, 1_620, 10_000],
  [31, 108_000, 3_600, 14_000],
  [32, 216_000, 5_120, 20_000],
  [40, 245_760, 8_192, 20_000],
  [41, 245_760, 8_192, 50_000],
  [42, 522_240, 8_704, 50_000],
  [50, 589_824, 22_080, 135_000],
  [51, 983_040, 36_864, 240_000],
  [52, 2_073_600, 36_864, 240_000],
];

/** profile_idc and constraint flags per profile (Baseline: constraint_set0+1, i.e. Constrained Baseline). */
const PROFILE_BYTES: Record<AvcProfile, [number, number]> = { high: [0x64, 0x00], main: [0x4d, 0x40], baseline: [0x42, 0xe0] };
/** High allows 1.25 times the Main bitrate (Table A-2, cpbBrVclFactor 1250 vs 1000). */
const BITRATE_FACTOR: Record<AvcProfile, number> = { high: 1.25, main: 1, baseline: 1 };

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** The lowest level for this stream in this profile, or null when none holds it. */
export function avcLevel(width: number, height: number, fps: number, bitrateKbps: number, profile: AvcProfile = 'high'): number | null {
  if (!(width > 0 && height > 0 && fps > 0 && bitrateKbps > 0)) throw new RangeError('Width, height, frame rate and bitrate must be positive.');
  const fs = Math.ceil(width / 16) * Math.ceil(height / 16);
  const mbps = fs * fps;
  // Neither side may exceed sqrt(8 * MaxFS) macroblocks (A.3.1 f/g), which keeps very wide pictures honest.
  const side = Math.max(Math.ceil(width / 16), Math.ceil(height / 16));
  for (const [level, maxMbps, maxFs, kbps] of LEVELS) {
    if (fs <= maxFs && mbps <= maxMbps && side * side <= 8 * maxFs && bitrateKbps <= kbps * BITRATE_FACTOR[profile]) return level;
  }
  return null;
}

export function avcCodecString(profile: AvcProfile, level: number): string {
  const [idc, flags] = PROFILE_BYTES[profile];
  return `avc1.${hex2(idc)}${hex2(flags)}${hex2(level)}`;
}

/** Candidates in the order to try them: High, Main, Constrained Baseline, each at its lowest fitting level. */
export function avcCandidates(width: number, height: number, fps: number, bitrateKbps: number): AvcChoice[] {
  const out: AvcChoice[] = [];
  for (const profile of ['high', 'main', 'baseline'] as const) {
    const level = avcLevel(width, height, fps, bitrateKbps, profile);
    if (level !== null) out.push({ profile, level, codec: avcCodecString(profile, level) });
  }
  return out;
}
