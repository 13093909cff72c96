// Pure parsing of FLV tag bodies (what RTMP audio/video/data messages carry): legacy AVC/HEVC video,
// Enhanced RTMP video (avc1/hvc1/av01), AAC audio (legacy and Enhanced 'mp4a'), and just enough AMF0 to read
// onMetaData. No allocation beyond the small result objects; frame data are subarrays of the input.

export type VideoCodecId = 'avc' | 'hevc' | 'av1';

export type VideoTag =
  | { kind: 'config'; codec: VideoCodecId; record: Buffer }
  | { kind: 'frame'; codec: VideoCodecId; keyframe: boolean; /** composition offset, ms */ cts: number; data: Buffer }
  | { kind: 'end'; codec: VideoCodecId }
  | { kind: 'skip'; reason: string };

export type AudioTag =
  | { kind: 'config'; codec: 'aac'; asc: Buffer }
  | { kind: 'frame'; codec: 'aac'; data: Buffer }
  | { kind: 'skip'; reason: string };

const FOURCC_AVC1 = 0x61766331; // 'avc1'
const FOURCC_HVC1 = 0x68766331; // 'hvc1'
const FOURCC_AV01 = 0x61763031; // 'av01'
const FOURCC_MP4A = 0x6d703461; // 'mp4a'

function si24(b: Buffer, p: number): number {
  const v = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  return v & 0x800000 ? v - 0x1000000 : v;
}

/** Parse an FLV VIDEODATA body. Never throws; unusable input comes back as `{ kind: 'skip' }`. */
export function parseVideoTag(b: Buffer): VideoTag {
  if (b.length < 1) return { kind: 'skip', reason: 'empty video tag' };
  const b0 = b[0];
  if (b0 & 0x80) {
    // Enhanced RTMP: [1 IsExHeader][3 FrameType][4 PacketType][FourCC]
    const frameType = (b0 >> 4) & 7;
    const packetType = b0 & 0x0f;
    if (frameType === 5 && packetType !== 3) return { kind: 'skip', reason: 'video command frame' };
    if (b.length < 5) return { kind: 'skip', reason: 'short enhanced video tag' };
    const fourcc = b.readUInt32BE(1);
    const codec: VideoCodecId | undefined =
      fourcc === FOURCC_AVC1 ? 'avc' : fourcc === FOURCC_HVC1 ? 'hevc' : fourcc === FOURCC_AV01 ? 'av1' : undefined;
    if (packetType >= 6) return { kind: 'skip', reason: `unsupported enhanced packet type ${packetType}` };
    if (!codec) return { kind: 'skip', reason: `unsupported video fourcc ${b.toString('latin1', 1, 5)}` };
    switch (packetType) {
      case 0: // SequenceStart
        if (b.length <= 5) return { kind: 'skip', reason: 'empty sequence start' };
        return { kind: 'config', codec, record: b.subarray(5) };
      case 1: {
        // CodedFrames: AVC/HEVC carry SI24 composition time, AV1 does not
        if (codec === 'av1') return { kind: 'frame', codec, keyframe: frameType === 1, cts: 0, data: b.subarray(5) };
        if (b.length < 8) return { kind: 'skip', reason: 'short coded frame' };
        return { kind: 'frame', codec, keyframe: frameType === 1, cts: si24(b, 5), data: b.subarray(8) };
      }
      case 3: // CodedFramesX: composition time implied 0
        return { kind: 'frame', codec, keyframe: frameType === 1, cts: 0, data: b.subarray(5) };
      case 2:
        return { kind: 'end', codec };
      case 4:
        return { kind: 'skip', reason: 'video metadata' };
      case 5:
        return { kind: 'skip', reason: 'MPEG2TSSequenceStart' };
      default:
        return { kind: 'skip', reason: `unknown packet type ${packetType}` };
    }
  }
  const frameType = b0 >> 4;
  const codecId = b0 & 0x0f;
  if (frameType === 5) return { kind: 'skip', reason: 'video info/command frame' };
  const codec: VideoCodecId | undefined = codecId === 7 ? 'avc' : codecId === 12 ? 'hevc' : undefined;
  if (!codec) return { kind: 'skip', reason: `unsupported video codec id ${codecId}` };
  if (b.length < 5) return { kind: 'skip', reason: 'short AVC video tag' };
  const packetType = b[1];
  if (packetType === 0) return { kind: 'config', codec, record: b.subarray(5) };
  if (packetType === 1) return { kind: 'frame', codec, keyframe: frameType === 1, cts: si24(b, 2), data: b.subarray(5) };
  if (packetType === 2) return { kind: 'end', codec };
  return { kind: 'skip', reason: `unknown AVC packet type ${packetType}` };
}

/** Parse an FLV AUDIODATA body. Never throws. */
export function parseAudioTag(b: Buffer): AudioTag {
  if (b.length < 2) return { kind: 'skip', reason: 'short audio tag' };
  const format = b[0] >> 4;
  if (format === 10) {
    if (b[1] === 0) return { kind: 'config', codec: 'aac', asc: b.subarray(2) };
    if (b[1] === 1) return { kind: 'frame', codec: 'aac', data: b.subarray(2) };
    return { kind: 'skip', reason: `unknown AAC packet type ${b[1]}` };
  }
  if (format === 9) {
    // Enhanced RTMP audio: [4 SoundFormat=9][4 AudioPacketType][FourCC]
    const packetType = b[0] & 0x0f;
    if (b.length < 5) return { kind: 'skip', reason: 'short enhanced audio tag' };
    const fourcc = b.readUInt32BE(1);
    if (fourcc !== FOURCC_MP4A) return { kind: 'skip', reason: `unsupported audio fourcc ${b.toString('latin1', 1, 5)}` };
    if (packetType === 0) return { kind: 'config', codec: 'aac', asc: b.subarray(5) };
    if (packetType === 1) return { kind: 'frame', codec: 'aac', data: b.subarray(5) };
    return { kind: 'skip', reason: `unsupported audio packet type ${packetType}` };
  }
  return { kind: 'skip', reason: `unsupported sound format ${format}` };
}

// ---------------------------------------------------------------- AMF0 onMetaData

export interface StreamMetadata {
  width?: number;
  height?: number;
  framerate?: number;
  videodatarate?: number;
  audiodatarate?: number;
  audiosamplerate?: number;
  /** Number, or FourCC string for Enhanced RTMP publishers. */
  videocodecid?: number | string;
  audiocodecid?: number | string;
  encoder?: string;
}

type Amf = number | string | boolean | null | undefined | { [k: string]: Amf } | Amf[];

class AmfReader {
  p = 0;
  constructor(private readonly b: Buffer) {}

  private need(n: number): void {
    if (this.p + n > this.b.length) throw new RangeError('AMF0 truncated');
  }

  str(long = false): string {
    this.need(long ? 4 : 2);
    const len = long ? this.b.readUInt32BE(this.p) : this.b.readUInt16BE(this.p);
    this.p += long ? 4 : 2;
    this.need(len);
    const s = this.b.toString('utf8', this.p, this.p + len);
    this.p += len;
    return s;
  }

  props(depth: number): { [k: string]: Amf } {
    const o: { [k: string]: Amf } = {};
    for (;;) {
      const k = this.str();
      this.need(1);
      if (k === '' && this.b[this.p] === 9) {
        this.p++;
        return o;
      }
      o[k] = this.value(depth + 1);
    }
  }

  value(depth = 0): Amf {
    if (depth > 8) throw new Error('AMF0 nesting too deep');
    this.need(1);
    const t = this.b[this.p++];
    switch (t) {
      case 0: {
        this.need(8);
        const v = this.b.readDoubleBE(this.p);
        this.p += 8;
        return v;
      }
      case 1:
        this.need(1);
        return this.b[this.p++] !== 0;
      case 2:
        return this.str();
      case 3:
        return this.props(depth);
      case 5:
      case 6:
        return null;
      case 8:
        this.need(4);
        this.p += 4; // ECMA array count (advisory)
        return this.props(depth);
      case 10: {
        this.need(4);
        const n = this.b.readUInt32BE(this.p);
        this.p += 4;
        const a: Amf[] = [];
        for (let i = 0; i < n && i < 10000; i++) a.push(this.value(depth + 1));
        return a;
      }
      case 11:
        this.need(10);
        this.p += 10;
        return null;
      case 12:
        return this.str(true);
      default:
        throw new Error(`AMF0 type ${t} not supported`);
    }
  }
}

/**
 * Read `onMetaData` (optionally preceded by `@setDataFrame`) from a script-data tag body. Returns undefined for
 * other script data or anything malformed.
 */
export function parseOnMetaData(b: Buffer): StreamMetadata | undefined {
  try {
    const r = new AmfReader(b);
    let name = r.value();
    if (name === '@setDataFrame') name = r.value();
    if (name !== 'onMetaData') return undefined;
    const obj = r.value();
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
    const num = (k: string): number | undefined => (typeof obj[k] === 'number' && Number.isFinite(obj[k]) ? (obj[k] as number) : undefined);
    const codecId = (k: string): number | string | undefined => {
      const v = obj[k];
      return typeof v === 'number' || typeof v === 'string' ? v : undefined;
    };
    return {
      width: num('width'),
      height: num('height'),
      framerate: num('framerate') ?? num('videoframerate'),
      videodatarate: num('videodatarate'),
      audiodatarate: num('audiodatarate'),
      audiosamplerate: num('audiosamplerate'),
      videocodecid: codecId('videocodecid'),
      audiocodecid: codecId('audiocodecid'),
      encoder: typeof obj.encoder === 'string' ? obj.encoder : undefined,
    };
  } catch {
    return undefined;
  }
}
