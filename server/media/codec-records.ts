// The writing side of the codec library (codecs.ts reads): decoder configuration records built from in-band
// parameter sets (AVCDecoderConfigurationRecord from SPS/PPS, HEVCDecoderConfigurationRecord from VPS/SPS/PPS),
// the AAC AudioSpecificConfig from an ADTS header, and the FLV tag bodies an RTMP publisher would send for them,
// so an ingest that is not RTMP (MPEG-TS over SRT) yields the same frames. Pure functions.

import { BitReader, unescapeRbsp } from './bitstream.js';
import { parseHevcSps } from './codecs.js';

// ---------------------------------------------------------------- Annex B

/** The NAL units of an Annex B byte stream (start codes of three or four bytes), as views. */
export function splitAnnexB(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = -1;
  let i = 0;
  const n = b.length;
  while (i + 2 < n) {
    if (b[i + 2] > 1) {
      i += 3;
      continue;
    }
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      if (start >= 0) {
        let end = i;
        while (end > start && b[end - 1] === 0) end--; // a four-byte start code's leading zero, trailing zeros
        if (end > start) out.push(b.subarray(start, end));
      }
      start = i + 3;
      i += 3;
      continue;
    }
    i++;
  }
  if (start >= 0 && start < n) out.push(b.subarray(start));
  return out;
}

/** NAL units with four-byte big-endian lengths (what FLV and MP4 carry). */
export function toLengthPrefixed(nals: readonly Buffer[]): Buffer {
  const size = nals.reduce((s, n) => s + 4 + n.length, 0);
  const out = Buffer.allocUnsafe(size);
  let p = 0;
  for (const n of nals) {
    out.writeUInt32BE(n.length, p);
    n.copy(out, p + 4);
    p += 4 + n.length;
  }
  return out;
}

// ---------------------------------------------------------------- decoder configuration records

/** AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1), four-byte NAL lengths. */
export function avcDecoderConfig(sps: readonly Buffer[], pps: readonly Buffer[]): Buffer {
  if (!sps.length || sps[0].length < 4 || !pps.length) throw new Error('an AVC configuration needs an SPS and a PPS');
  const parts: Buffer[] = [Buffer.from([1, sps[0][1], sps[0][2], sps[0][3], 0xff, 0xe0 | sps.length])];
  for (const s of sps) parts.push(u16(s.length), s);
  parts.push(Buffer.from([pps.length]));
  for (const p of pps) parts.push(u16(p.length), p);
  return Buffer.concat(parts);
}

/**
 * HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1): the general profile, tier and level copied from the
 * SPS's profile_tier_level, chroma format and bit depths read from the SPS, arrays of VPS, SPS and PPS.
 */
export function hevcDecoderConfig(vps: readonly Buffer[], sps: readonly Buffer[], pps: readonly Buffer[]): Buffer {
  if (!vps.length || !sps.length || !pps.length) throw new Error('an HEVC configuration needs a VPS, an SPS and a PPS');
  const rbsp = unescapeRbsp(sps[0]);
  if (rbsp.length < 15) throw new Error('HEVC SPS too short');
  // rbsp[0..1] NAL header; rbsp[2]: vps id (4), max_sub_layers_minus1 (3), temporal_id_nesting (1); 12 PTL bytes.
  const ptl = rbsp.subarray(3, 15);
  const temporalIdNested = rbsp[2] & 1;
  const numTemporalLayers = ((rbsp[2] >> 1) & 7) + 1;
  const { chromaFormatIdc } = parseHevcSps(sps[0]);
  const { lumaBits, chromaBits } = hevcBitDepths(rbsp);
  const head = Buffer.alloc(23);
  head[0] = 1;
  Buffer.from(ptl).copy(head, 1); // profile_space/tier/profile_idc, 32 compatibility flags, 48 constraint flags, level
  head.writeUInt16BE(0xf000, 13); // min_spatial_segmentation_idc 0
  head[15] = 0xfc; // parallelismType 0
  head[16] = 0xfc | (chromaFormatIdc & 3);
  head[17] = 0xf8 | ((lumaBits - 8) & 7);
  head[18] = 0xf8 | ((chromaBits - 8) & 7);
  head.writeUInt16BE(0, 19); // avgFrameRate unknown
  head[21] = (numTemporalLayers << 3) | (temporalIdNested << 2) | 3; // constantFrameRate 0, lengthSizeMinusOne 3
  head[22] = 3; // arrays
  const parts: Buffer[] = [head];
  for (const [type, nals] of [
    [32, vps],
    [33, sps],
    [34, pps],
  ] as const) {
    parts.push(Buffer.from([0x80 | type]), u16(nals.length));
    for (const n of nals) parts.push(u16(n.length), n);
  }
  return Buffer.concat(parts);
}

/** bit_depth_luma_minus8 and bit_depth_chroma_minus8 from an HEVC SPS RBSP (max_sub_layers_minus1 0 assumed past PTL). */
function hevcBitDepths(rbsp: Uint8Array): { lumaBits: number; chromaBits: number } {
  try {
    const maxSubLayersMinus1 = (rbsp[2] >> 1) & 7;
    const r = new BitReader(rbsp.subarray(15));
    // sub-layer flags and their PTL, when there are sub-layers
    const present: Array<[number, number]> = [];
    for (let i = 0; i < maxSubLayersMinus1; i++) present.push([r.bit(), r.bit()]);
    if (maxSubLayersMinus1 > 0) for (let i = maxSubLayersMinus1; i < 8; i++) r.skip(2);
    for (const [profile, level] of present) {
      if (profile) r.skip(88);
      if (level) r.skip(8);
    }
    r.ue(); // sps_seq_parameter_set_id
    const chroma = r.ue();
    if (chroma === 3) r.skip(1);
    r.ue(); // width
    r.ue(); // height
    if (r.bit()) {
      r.ue();
      r.ue();
      r.ue();
      r.ue();
    }
    return { lumaBits: r.ue() + 8, chromaBits: r.ue() + 8 };
  } catch {
    return { lumaBits: 8, chromaBits: 8 };
  }
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

// ---------------------------------------------------------------- AAC

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

export interface AdtsHeader {
  objectType: number;
  freqIndex: number;
  sampleRate: number;
  channelConfig: number;
  headerBytes: number;
  /** The whole frame, header included. */
  frameBytes: number;
}

/** The ADTS header at `p`, or null when there is none (no sync word, a reserved rate, a length that cannot be). */
export function parseAdtsHeader(b: Buffer, p = 0): AdtsHeader | null {
  if (p + 7 > b.length || b[p] !== 0xff || (b[p + 1] & 0xf6) !== 0xf0) return null;
  const protectionAbsent = b[p + 1] & 1;
  const objectType = (b[p + 2] >> 6) + 1;
  const freqIndex = (b[p + 2] >> 2) & 0x0f;
  const channelConfig = ((b[p + 2] & 1) << 2) | (b[p + 3] >> 6);
  const frameBytes = ((b[p + 3] & 3) << 11) | (b[p + 4] << 3) | (b[p + 5] >> 5);
  const headerBytes = protectionAbsent ? 7 : 9;
  if (freqIndex >= AAC_RATES.length || frameBytes < headerBytes) return null;
  return { objectType, freqIndex, sampleRate: AAC_RATES[freqIndex], channelConfig, headerBytes, frameBytes };
}

/** AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) for what an ADTS header says. */
export function audioSpecificConfig(h: Pick<AdtsHeader, 'objectType' | 'freqIndex' | 'channelConfig'>): Buffer {
  return Buffer.from([(h.objectType << 3) | (h.freqIndex >> 1), ((h.freqIndex & 1) << 7) | (h.channelConfig << 3)]);
}

// ---------------------------------------------------------------- FLV tag bodies

/** A legacy AVC video tag: config (AVCPacketType 0) or NAL units (1) with their composition offset. */
export function avcTag(kind: 'config' | 'key' | 'inter', cts: number, data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = ((kind === 'inter' ? 2 : 1) << 4) | 7;
  head[1] = kind === 'config' ? 0 : 1;
  head.writeIntBE(kind === 'config' ? 0 : cts, 2, 3);
  return Buffer.concat([head, data]);
}

/** An Enhanced RTMP HEVC tag ('hvc1'): SequenceStart or CodedFrames with their composition offset. */
export function hevcTag(kind: 'config' | 'key' | 'inter', cts: number, data: Buffer): Buffer {
  const config = kind === 'config';
  const head = Buffer.alloc(config ? 5 : 8);
  head[0] = 0x80 | ((kind === 'inter' ? 2 : 1) << 4) | (config ? 0 : 1);
  head.write('hvc1', 1, 'latin1');
  if (!config) head.writeIntBE(cts, 5, 3);
  return Buffer.concat([head, data]);
}

/** An AAC audio tag (44 kHz, 16-bit, stereo in the flags, as FLV requires for AAC): config or a raw frame. */
export function aacTag(config: boolean, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xaf, config ? 0 : 1]), data]);
}
