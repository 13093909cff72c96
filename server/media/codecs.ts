// Pure parsers for the video codec configuration records carried in FLV sequence headers: H.264 SPS /
// AVCDecoderConfigurationRecord, HEVCDecoderConfigurationRecord (+ SPS) and AV1CodecConfigurationRecord. Only what the
// packager and the UI need: codec strings, picture size, frame rate. The audio side (the AAC AudioSpecificConfig) is
// aac-config.ts, re-exported here for the importers that take both; the bit reading both use is bitstream.ts.

import type { VideoCodecId } from './frame.js';
import { BitReader, unescapeRbsp } from './bitstream.js';

export { parseAsc, type AudioCodecInfo } from './aac-config.js';

export interface VideoCodecInfo {
  /** RFC 6381 codec string, e.g. `avc1.64001f`, `hvc1.1.6.L93.B0`, `av01.0.08M.08`. */
  codec: string;
  width: number;
  height: number;
  profile?: string;
  level?: string;
  /** Frames per second when the bitstream says so (VUI timing). */
  fps?: number;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

// ---------------------------------------------------------------- H.264

export interface H264Sps {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  width: number;
  height: number;
  fps?: number;
}

const AVC_PROFILES: Record<number, string> = {
  66: 'Baseline',
  77: 'Main',
  88: 'Extended',
  100: 'High',
  110: 'High 10',
  122: 'High 4:2:2',
  244: 'High 4:4:4',
};

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Parse an H.264 SPS NAL unit (with its 1-byte NAL header). Throws on malformed input. */
export function parseH264Sps(nal: Uint8Array): H264Sps {
  if (nal.length < 4 || (nal[0] & 0x1f) !== 7) throw new Error('not an H.264 SPS');
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profileIdc = r.bits(8);
  const constraintFlags = r.bits(8);
  const levelIdc = r.bits(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = 0;
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc === 3) separateColourPlane = r.bit();
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.bit(); // qpprime_y_zero_transform_bypass_flag
    if (r.bit()) {
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) if (r.bit()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.bit();
    r.se();
    r.se();
    const n = r.ue();
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.bit(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.bit();
  if (!frameMbsOnly) r.bit(); // mb_adaptive_frame_field_flag
  r.bit(); // direct_8x8_inference_flag
  let cropL = 0,
    cropR = 0,
    cropT = 0,
    cropB = 0;
  if (r.bit()) {
    cropL = r.ue();
    cropR = r.ue();
    cropT = r.ue();
    cropB = r.ue();
  }
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subW = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subH = chromaArrayType === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subW;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subH) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropUnitX * (cropL + cropR);
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropUnitY * (cropT + cropB);
  let fps: number | undefined;
  try {
    if (r.bit()) fps = parseH264VuiFps(r);
  } catch {
    // VUI is optional information; a truncated one is not worth failing the stream for.
  }
  return { profileIdc, constraintFlags, levelIdc, width, height, fps };
}

function parseH264VuiFps(r: BitReader): number | undefined {
  if (r.bit()) {
    const idc = r.bits(8);
    if (idc === 255) r.skip(32);
  }
  if (r.bit()) r.bit(); // overscan
  if (r.bit()) {
    r.skip(4);
    if (r.bit()) r.skip(24);
  }
  if (r.bit()) {
    r.ue();
    r.ue();
  }
  if (r.bit()) {
    const numUnits = r.bits(32);
    const timeScale = r.bits(32);
    if (numUnits > 0) return Math.round((timeScale / (2 * numUnits)) * 1000) / 1000;
  }
  return undefined;
}

export interface AvcConfig {
  profileIdc: number;
  compat: number;
  levelIdc: number;
  nalLengthSize: number;
  sps: Uint8Array[];
  pps: Uint8Array[];
}

/** Parse an AVCDecoderConfigurationRecord (the body of an avcC box / FLV AVC sequence header). */
export function parseAvcC(rec: Uint8Array): AvcConfig {
  if (rec.length < 7 || rec[0] !== 1) throw new Error('bad AVCDecoderConfigurationRecord');
  const nalLengthSize = (rec[4] & 3) + 1;
  let p = 5;
  const sps: Uint8Array[] = [];
  const pps: Uint8Array[] = [];
  const nSps = rec[p++] & 0x1f;
  for (let i = 0; i < nSps; i++) {
    const len = (rec[p] << 8) | rec[p + 1];
    p += 2;
    if (p + len > rec.length) throw new Error('truncated avcC');
    sps.push(rec.subarray(p, p + len));
    p += len;
  }
  if (p < rec.length) {
    const nPps = rec[p++];
    for (let i = 0; i < nPps; i++) {
      const len = (rec[p] << 8) | rec[p + 1];
      p += 2;
      if (p + len > rec.length) throw new Error('truncated avcC');
      pps.push(rec.subarray(p, p + len));
      p += len;
    }
  }
  return { profileIdc: rec[1], compat: rec[2], levelIdc: rec[3], nalLengthSize, sps, pps };
}

export function avcInfo(rec: Uint8Array): VideoCodecInfo {
  const c = parseAvcC(rec);
  if (c.sps.length === 0) throw new Error('avcC without SPS');
  const s = parseH264Sps(c.sps[0]);
  return {
    codec: `avc1.${hex2(s.profileIdc)}${hex2(s.constraintFlags)}${hex2(s.levelIdc)}`,
    width: s.width,
    height: s.height,
    profile: AVC_PROFILES[s.profileIdc] ?? String(s.profileIdc),
    level: (s.levelIdc / 10).toFixed(1),
    fps: s.fps,
  };
}

/** The facts of a video decoder configuration record of any codec we package. Throws on malformed input. */
export function videoCodecInfo(codec: VideoCodecId, record: Uint8Array): VideoCodecInfo {
  return codec === 'avc' ? avcInfo(record) : codec === 'hevc' ? hevcInfo(record) : av1Info(record);
}

// ---------------------------------------------------------------- HEVC

/** Parse an HEVCDecoderConfigurationRecord; picture size comes from the SPS inside it. */
export function hevcInfo(rec: Uint8Array): VideoCodecInfo {
  if (rec.length < 23 || rec[0] !== 1) throw new Error('bad HEVCDecoderConfigurationRecord');
  const profileSpace = rec[1] >> 6;
  const tier = (rec[1] >> 5) & 1;
  const profileIdc = rec[1] & 0x1f;
  const compat = ((rec[2] << 24) | (rec[3] << 16) | (rec[4] << 8) | rec[5]) >>> 0;
  const levelIdc = rec[12];
  // Codec string per ISO/IEC 14496-15 Annex E: compatibility flags bit-reversed, trailing zero constraint bytes dropped.
  let rev = 0;
  for (let i = 0; i < 32; i++) if (compat & (1 << i)) rev |= 1 << (31 - i);
  const cons: string[] = [];
  let lastNonZero = -1;
  for (let i = 0; i < 6; i++) if (rec[6 + i] !== 0) lastNonZero = i;
  for (let i = 0; i <= lastNonZero; i++) cons.push(rec[6 + i].toString(16).toUpperCase());
  const space = ['', 'A', 'B', 'C'][profileSpace];
  let codec = `hvc1.${space}${profileIdc}.${(rev >>> 0).toString(16).toUpperCase()}.${tier ? 'H' : 'L'}${levelIdc}`;
  if (cons.length) codec += '.' + cons.join('.');

  let width = 0;
  let height = 0;
  let p = 22;
  const nArrays = rec[p++];
  for (let a = 0; a < nArrays && p + 3 <= rec.length; a++) {
    const type = rec[p] & 0x3f;
    const n = (rec[p + 1] << 8) | rec[p + 2];
    p += 3;
    for (let i = 0; i < n && p + 2 <= rec.length; i++) {
      const len = (rec[p] << 8) | rec[p + 1];
      p += 2;
      if (type === 33 && width === 0) {
        try {
          const s = parseHevcSps(rec.subarray(p, p + len));
          width = s.width;
          height = s.height;
        } catch {
          // keep 0x0: the stream is still packaged, the UI just lacks its size
        }
      }
      p += len;
    }
  }
  const profiles: Record<number, string> = { 1: 'Main', 2: 'Main 10', 3: 'Main Still Picture', 4: 'Range Extensions' };
  return { codec, width, height, profile: profiles[profileIdc] ?? String(profileIdc), level: (levelIdc / 30).toFixed(1) };
}

function skipProfileTierLevel(r: BitReader, maxSubLayersMinus1: number): void {
  r.skip(8 + 32 + 48 + 8); // general profile/tier, compat flags, constraint flags, level
  const subProfile: number[] = [];
  const subLevel: number[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    subProfile.push(r.bit());
    subLevel.push(r.bit());
  }
  if (maxSubLayersMinus1 > 0) for (let i = maxSubLayersMinus1; i < 8; i++) r.skip(2);
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (subProfile[i]) r.skip(88);
    if (subLevel[i]) r.skip(8);
  }
}

/** Parse an H.265 SPS NAL (2-byte header included) up to the picture size. */
export function parseHevcSps(nal: Uint8Array): { width: number; height: number; chromaFormatIdc: number } {
  const r = new BitReader(unescapeRbsp(nal.subarray(2)));
  r.skip(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.bits(3);
  r.skip(1);
  skipProfileTierLevel(r, maxSubLayersMinus1);
  r.ue(); // sps_seq_parameter_set_id
  const chromaFormatIdc = r.ue();
  let separate = 0;
  if (chromaFormatIdc === 3) separate = r.bit();
  let width = r.ue();
  let height = r.ue();
  if (r.bit()) {
    const l = r.ue(),
      ri = r.ue(),
      t = r.ue(),
      b = r.ue();
    const cat = separate ? 0 : chromaFormatIdc;
    const subW = cat === 1 || cat === 2 ? 2 : 1;
    const subH = cat === 1 ? 2 : 1;
    width -= subW * (l + ri);
    height -= subH * (t + b);
  }
  return { width, height, chromaFormatIdc };
}

// ---------------------------------------------------------------- AV1

function readLeb128(buf: Uint8Array, p: number): [value: number, bytes: number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const b = buf[p + i];
    if (b === undefined) throw new Error('truncated leb128');
    v += (b & 0x7f) * 2 ** (7 * i);
    if (!(b & 0x80)) return [v, i + 1];
  }
  throw new Error('bad leb128');
}

/** Parse an AV1CodecConfigurationRecord; picture size from the sequence header OBU in configOBUs, if any. */
export function av1Info(rec: Uint8Array): VideoCodecInfo {
  if (rec.length < 4 || (rec[0] & 0x7f) !== 1) throw new Error('bad AV1CodecConfigurationRecord');
  const seqProfile = rec[1] >> 5;
  const seqLevelIdx = rec[1] & 0x1f;
  const tier = rec[2] >> 7;
  const highBitdepth = (rec[2] >> 6) & 1;
  const twelveBit = (rec[2] >> 5) & 1;
  const bitDepth = seqProfile === 2 && highBitdepth ? (twelveBit ? 12 : 10) : highBitdepth ? 10 : 8;
  const codec = `av01.${seqProfile}.${String(seqLevelIdx).padStart(2, '0')}${tier ? 'H' : 'M'}.${String(bitDepth).padStart(2, '0')}`;
  let width = 0;
  let height = 0;
  let p = 4;
  try {
    while (p < rec.length) {
      const header = rec[p];
      const type = (header >> 3) & 0xf;
      const ext = (header >> 2) & 1;
      const hasSize = (header >> 1) & 1;
      p += 1 + ext;
      let size = rec.length - p;
      if (hasSize) {
        const [v, n] = readLeb128(rec, p);
        size = v;
        p += n;
      }
      if (type === 1) {
        const s = parseAv1SequenceHeader(rec.subarray(p, p + size));
        width = s.width;
        height = s.height;
        break;
      }
      p += size;
    }
  } catch {
    // size unknown; still a valid config
  }
  const profiles = ['Main', 'High', 'Professional'];
  // AV1 Annex A.3: seq_level_idx = (major - 2) * 4 + minor; 31 means no level constraints.
  const level = seqLevelIdx === 31 ? 'max' : `${2 + (seqLevelIdx >> 2)}.${seqLevelIdx & 3}`;
  return { codec, width, height, profile: profiles[seqProfile] ?? String(seqProfile), level };
}

function parseAv1SequenceHeader(b: Uint8Array): { width: number; height: number } {
  const r = new BitReader(b);
  r.skip(3); // seq_profile
  r.skip(1); // still_picture
  const reduced = r.bit();
  if (reduced) {
    r.skip(5);
  } else {
    const timingInfoPresent = r.bit();
    let decoderModelInfoPresent = 0;
    let bufferDelayLen = 0;
    if (timingInfoPresent) {
      r.skip(64);
      if (r.bit()) r.ue(); // equal_picture_interval -> num_ticks_per_picture_minus_1 (uvlc ~ same shape as ue)
      decoderModelInfoPresent = r.bit();
      if (decoderModelInfoPresent) {
        bufferDelayLen = r.bits(5) + 1;
        r.skip(32);
        r.skip(10);
      }
    }
    const initialDisplayDelayPresent = r.bit();
    const opCount = r.bits(5) + 1;
    for (let i = 0; i < opCount; i++) {
      r.skip(12);
      const level = r.bits(5);
      if (level > 7) r.skip(1);
      if (decoderModelInfoPresent) {
        if (r.bit()) r.skip(2 * bufferDelayLen + 1);
      }
      if (initialDisplayDelayPresent) {
        if (r.bit()) r.skip(4);
      }
    }
  }
  const wBits = r.bits(4) + 1;
  const hBits = r.bits(4) + 1;
  return { width: r.bits(wBits) + 1, height: r.bits(hBits) + 1 };
}
