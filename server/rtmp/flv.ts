// Inspecting FLV audio/video tag bodies as RTMP carries them: keyframes and sequence headers, legacy and
// Enhanced RTMP (ExVideoTagHeader / ExAudioTagHeader), plus the codec facts the stats page shows.

export interface VideoInfo {
  /** Keyframe of coded data (not a sequence header). */
  keyframe: boolean;
  /** Decoder configuration record (AVC/HEVC/AV1 sequence start). */
  sequenceHeader: boolean;
  /** 'avc1', 'hvc1', 'av01', 'vp09', ... or a legacy codec name. */
  codec: string;
  enhanced: boolean;
}

export interface AudioInfo {
  sequenceHeader: boolean;
  codec: string;
}

const LEGACY_VIDEO: Record<number, string> = {
  2: 'h263', 3: 'screen', 4: 'vp6', 5: 'vp6a', 6: 'screen2', 7: 'avc1', 12: 'hvc1', 13: 'av01',
};
const LEGACY_AUDIO: Record<number, string> = {
  0: 'pcm', 1: 'adpcm', 2: 'mp3', 3: 'pcm', 4: 'nellymoser', 5: 'nellymoser', 6: 'nellymoser', 7: 'g711a', 8: 'g711u',
  10: 'aac', 11: 'speex', 14: 'mp3', 15: 'device',
};

/** Video FrameType 1 = key frame; Enhanced RTMP PacketType 0 = SequenceStart, 1/3 = coded frames, 5 = MPEG2-TS start. */
export function inspectVideo(p: Buffer): VideoInfo | null {
  if (p.length < 1) return null;
  const b0 = p[0];
  if (b0 & 0x80) {
    const frameType = (b0 >> 4) & 0x07;
    const packetType = b0 & 0x0f;
    const codec = p.length >= 5 ? p.toString('latin1', 1, 5) : '';
    // Multitrack (6) and ModEx (7) carry their real packet type deeper; a keyframe flag is still meaningful.
    const sequenceHeader = packetType === 0 || packetType === 5;
    const keyframe = frameType === 1 && !sequenceHeader && packetType !== 2 && packetType !== 4;
    return { keyframe, sequenceHeader, codec, enhanced: true };
  }
  const frameType = b0 >> 4;
  const codecId = b0 & 0x0f;
  const hasPacketType = codecId === 7 || codecId === 12 || codecId === 13;
  const sequenceHeader = hasPacketType && p.length >= 2 && p[1] === 0;
  const keyframe = frameType === 1 && !sequenceHeader && !(hasPacketType && p.length >= 2 && p[1] === 2);
  return { keyframe, sequenceHeader, codec: LEGACY_VIDEO[codecId] ?? `codec${codecId}`, enhanced: false };
}

/**
 * A frame that only matters once the next keyframe or config arrives: a video inter frame (AVC/HEVC NALUs, or
 * Enhanced RTMP coded frames) or an AAC raw frame. Anything else (keyframes, configs, metadata, other codecs) is not.
 */
export function isInterFrame(type: 'audio' | 'video', p: Buffer): boolean {
  if (p.length < 2) return false;
  const b0 = p[0];
  if (type === 'audio') return b0 >> 4 === 10 && p[1] === 1;
  if (((b0 >> 4) & 0x07) !== 2) return false;
  if (b0 & 0x80) {
    const packetType = b0 & 0x0f;
    return packetType === 1 || packetType === 3;
  }
  const codecId = b0 & 0x0f;
  return (codecId === 7 || codecId === 12) && p[1] === 1;
}

/**
 * The first two bytes of a video tag say it is a coded keyframe (not a sequence header): legacy AVC/HEVC with
 * packet type 1, or Enhanced RTMP CodedFrames / CodedFramesX.
 */
export function isKeyframeStart(b0: number, b1: number): boolean {
  if (((b0 >> 4) & 0x07) !== 1) return false;
  if (b0 & 0x80) {
    const packetType = b0 & 0x0f;
    return packetType === 1 || packetType === 3;
  }
  const codecId = b0 & 0x0f;
  return (codecId === 7 || codecId === 12) && b1 === 1;
}

/** AAC AudioSpecificConfig (packet type 0) or Enhanced RTMP audio SequenceStart. */
export function inspectAudio(p: Buffer): AudioInfo | null {
  if (p.length < 1) return null;
  const format = p[0] >> 4;
  if (format === 9) {
    // ExAudioTagHeader: low nibble is the packet type, then a FourCC.
    const packetType = p[0] & 0x0f;
    const codec = p.length >= 5 ? p.toString('latin1', 1, 5).trim() : '';
    return { sequenceHeader: packetType === 0, codec };
  }
  return { sequenceHeader: format === 10 && p.length >= 2 && p[1] === 0, codec: LEGACY_AUDIO[format] ?? `codec${format}` };
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Sample rate and channels from an AAC sequence header (AudioSpecificConfig after the 2-byte FLV prefix). */
export function parseAacConfig(p: Buffer): { sampleRate: number; channels: number; objectType: number } | null {
  if (p.length < 4) return null;
  const a = p[2];
  const b = p[3];
  const objectType = a >> 3;
  const freqIndex = ((a & 0x07) << 1) | (b >> 7);
  const channels = (b >> 3) & 0x0f;
  const sampleRate = AAC_RATES[freqIndex];
  if (sampleRate === undefined) return null;
  return { sampleRate, channels, objectType };
}

class BitReader {
  private bit = 0;
  constructor(private readonly b: Buffer) {}
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bit >> 3;
      if (byte >= this.b.length) throw new Error('sps: truncated');
      v = v * 2 + ((this.b[byte] >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new Error('sps: bad exp-golomb');
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -(k / 2);
  }
}

function unescapeRbsp(nal: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]);
  }
  return Buffer.from(out);
}

/** Width and height from the first SPS of a legacy AVC sequence header (AVCDecoderConfigurationRecord). */
export function parseAvcDimensions(p: Buffer): { width: number; height: number; profile: number; level: number } | null {
  try {
    // 5 bytes FLV (frame/codec, packet type, composition time), then the record.
    const rec = p.subarray(5);
    if (rec.length < 8 || rec[0] !== 1) return null;
    const numSps = rec[5] & 0x1f;
    if (numSps < 1) return null;
    const spsLen = rec.readUInt16BE(6);
    const sps = unescapeRbsp(rec.subarray(8, 8 + spsLen).subarray(1, 200));
    const r = new BitReader(sps);
    const profile = r.u(8);
    r.u(8);
    const level = r.u(8);
    r.ue();
    let chromaFormat = 1;
    if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
      chromaFormat = r.ue();
      if (chromaFormat === 3) r.u(1);
      r.ue();
      r.ue();
      r.u(1);
      if (r.u(1)) {
        for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) {
          if (r.u(1)) {
            const size = i < 6 ? 16 : 64;
            let last = 8;
            let next = 8;
            for (let j = 0; j < size; j++) {
              if (next !== 0) next = (last + r.se() + 256) % 256;
              last = next === 0 ? last : next;
            }
          }
        }
      }
    }
    r.ue();
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.u(1);
      r.se();
      r.se();
      const n = r.ue();
      if (n > 255) return null;
      for (let i = 0; i < n; i++) r.se();
    }
    r.ue();
    r.u(1);
    const wMbs = r.ue() + 1;
    const hMapUnits = r.ue() + 1;
    const frameMbsOnly = r.u(1);
    if (!frameMbsOnly) r.u(1);
    r.u(1);
    let cropL = 0, cropR = 0, cropT = 0, cropB = 0;
    if (r.u(1)) {
      cropL = r.ue();
      cropR = r.ue();
      cropT = r.ue();
      cropB = r.ue();
    }
    const subW = chromaFormat === 1 || chromaFormat === 2 ? 2 : 1;
    const subH = chromaFormat === 1 ? 2 : 1;
    const cropUnitX = chromaFormat === 0 ? 1 : subW;
    const cropUnitY = (chromaFormat === 0 ? 1 : subH) * (2 - frameMbsOnly);
    const width = wMbs * 16 - cropUnitX * (cropL + cropR);
    const height = (2 - frameMbsOnly) * hMapUnits * 16 - cropUnitY * (cropT + cropB);
    if (width <= 0 || height <= 0) return null;
    return { width, height, profile, level };
  } catch {
    return null;
  }
}
