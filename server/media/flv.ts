// FLV tag bodies (what RTMP audio/video/data messages carry) into media frames: legacy AVC/HEVC video, Enhanced
// RTMP video (avc1/hvc1/av01), AAC audio (legacy and Enhanced 'mp4a'), onMetaData script data. The one place that
// reads FLV tag bytes: the edge calls it once per message. No allocation beyond the frame; `data` is a view.

import { decodeAmf0, type AmfObject, type AmfValue } from '../rtmp/amf0.js';
import type { FrameCodec, FrameKind, FrameTrack, MediaFrame, StreamMetadata, VideoCodecId } from './frame.js';

const FOURCC_AVC1 = 0x61766331; // 'avc1'
const FOURCC_HVC1 = 0x68766331; // 'hvc1'
const FOURCC_AV01 = 0x61763031; // 'av01'
const FOURCC_MP4A = 0x6d703461; // 'mp4a'

const LEGACY_VIDEO: Record<number, string> = {
  2: 'h263',
  3: 'screen',
  4: 'vp6',
  5: 'vp6a',
  6: 'screen2',
  7: 'avc1',
  12: 'hvc1',
  13: 'av01',
};
const LEGACY_AUDIO: Record<number, string> = {
  0: 'pcm',
  1: 'adpcm',
  2: 'mp3',
  3: 'pcm',
  4: 'nellymoser',
  5: 'nellymoser',
  6: 'nellymoser',
  7: 'g711a',
  8: 'g711u',
  10: 'aac',
  11: 'speex',
  14: 'mp3',
  15: 'device',
};

function si24(b: Buffer, p: number): number {
  const v = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  return v & 0x800000 ? v - 0x1000000 : v;
}

function make(
  track: FrameTrack,
  kind: FrameKind,
  codec: FrameCodec,
  dts: number,
  cts: number,
  data: Buffer,
  tag: Buffer,
  meta?: StreamMetadata,
): MediaFrame {
  return { track, kind, codec, dts, cts, data, tag, meta };
}

function enhancedVideoCodec(b: Buffer): VideoCodecId | '' {
  if (b.length < 5) return '';
  const fourcc = b.readUInt32BE(1);
  return fourcc === FOURCC_AVC1 ? 'avc' : fourcc === FOURCC_HVC1 ? 'hevc' : fourcc === FOURCC_AV01 ? 'av1' : '';
}

/**
 * An FLV VIDEODATA body. Never throws. Frame type 1 makes a keyframe and SequenceStart (or a legacy packet type 0)
 * a config, whatever the codec, so RTMP players of any codec start at the right frame; `codec` is set only when the
 * packager can use the frame (config, coded frame, or end of sequence of avc/hevc/av1).
 */
export function videoFrame(dts: number, b: Buffer): MediaFrame {
  if (b.length < 1) return make('video', 'other', '', dts, 0, b, b);
  const b0 = b[0];
  if (b0 & 0x80) {
    // Enhanced RTMP: [1 IsExHeader][3 FrameType][4 PacketType][FourCC]
    const frameType = (b0 >> 4) & 7;
    const packetType = b0 & 0x0f;
    let codec: FrameCodec = enhancedVideoCodec(b);
    if (frameType === 5 && packetType !== 3) codec = ''; // command frame
    if (packetType === 0 || packetType === 5) {
      // SequenceStart (MPEG2TSSequenceStart is a config to players, not to us)
      return make('video', 'config', packetType === 0 && b.length > 5 ? codec : '', dts, 0, b.subarray(Math.min(5, b.length)), b);
    }
    if (packetType === 2) return make('video', 'other', codec, dts, 0, b, b); // end of sequence
    if (packetType === 4) return make('video', 'other', '', dts, 0, b, b); // metadata
    const kind: FrameKind = frameType === 1 ? 'key' : 'inter';
    if (packetType === 1) {
      // CodedFrames: AVC/HEVC carry SI24 composition time, AV1 does not
      if (codec === 'av1') return make('video', kind, codec, dts, 0, b.subarray(5), b);
      if (b.length < 8) return make('video', kind, '', dts, 0, b, b);
      return make('video', kind, codec, dts, si24(b, 5), b.subarray(8), b);
    }
    if (packetType === 3) return make('video', kind, codec, dts, 0, b.subarray(Math.min(5, b.length)), b); // CodedFramesX
    return make('video', kind, '', dts, 0, b, b); // multitrack, ModEx, unknown: relayed only
  }
  const frameType = b0 >> 4;
  const codecId = b0 & 0x0f;
  const hasPacketType = codecId === 7 || codecId === 12 || codecId === 13;
  const packetType = hasPacketType && b.length >= 2 ? b[1] : -1;
  let codec: FrameCodec = codecId === 7 ? 'avc' : codecId === 12 ? 'hevc' : '';
  if (frameType === 5 || b.length < 5) codec = '';
  if (packetType === 0) return make('video', 'config', codec, dts, 0, b.subarray(Math.min(5, b.length)), b);
  if (packetType === 2) return make('video', 'other', codec, dts, 0, b, b);
  if (frameType === 5) return make('video', 'other', '', dts, 0, b, b);
  const kind: FrameKind = frameType === 1 ? 'key' : 'inter';
  if (packetType === 1 && codec !== '') return make('video', kind, codec, dts, si24(b, 2), b.subarray(5), b);
  return make('video', kind, '', dts, 0, b, b);
}

/** An FLV AUDIODATA body. Never throws. */
export function audioFrame(dts: number, b: Buffer): MediaFrame {
  if (b.length < 2) return make('audio', 'other', '', dts, 0, b, b);
  const format = b[0] >> 4;
  if (format === 10) {
    if (b[1] === 0) return make('audio', 'config', 'aac', dts, 0, b.subarray(2), b);
    if (b[1] === 1) return make('audio', 'key', 'aac', dts, 0, b.subarray(2), b);
    return make('audio', 'other', '', dts, 0, b, b);
  }
  if (format === 9) {
    // Enhanced RTMP audio: [4 SoundFormat=9][4 AudioPacketType][FourCC]
    const packetType = b[0] & 0x0f;
    const aac = b.length >= 5 && b.readUInt32BE(1) === FOURCC_MP4A;
    if (packetType === 0) return make('audio', 'config', aac ? 'aac' : '', dts, 0, b.subarray(Math.min(5, b.length)), b);
    if (packetType === 1 && aac) return make('audio', 'key', 'aac', dts, 0, b.subarray(5), b);
    return make('audio', 'other', '', dts, 0, b, b);
  }
  return make('audio', 'key', '', dts, 0, b, b);
}

/**
 * A script-data body (AMF0, `@setDataFrame` already removed by the edge). `values`: the body as the edge decoded
 * it, so AMF is read once; decoded here when not given.
 */
export function dataFrame(dts: number, body: Buffer, values?: AmfValue[]): MediaFrame {
  let meta: StreamMetadata | undefined;
  try {
    meta = metadataFrom(values ?? decodeAmf0(body));
  } catch {
    meta = undefined;
  }
  return make('data', meta ? 'meta' : 'other', '', dts, 0, body, body, meta);
}

/** One FLV tag body of the given tag type into a frame (files, tests). */
export function parseTag(track: FrameTrack, dts: number, body: Buffer): MediaFrame {
  return track === 'video' ? videoFrame(dts, body) : track === 'audio' ? audioFrame(dts, body) : dataFrame(dts, body);
}

/** The codec as FLV names it (`avc1`, `hvc1`, `vp6`, `aac`, `mp3`, an Enhanced RTMP FourCC...), for stats. */
export function flvCodecName(f: MediaFrame): string {
  const b = f.tag;
  if (b.length < 1 || f.track === 'data') return '';
  if (f.track === 'video') {
    if (b[0] & 0x80) return b.length >= 5 ? b.toString('latin1', 1, 5) : '';
    return LEGACY_VIDEO[b[0] & 0x0f] ?? `codec${b[0] & 0x0f}`;
  }
  const format = b[0] >> 4;
  if (format === 9) return b.length >= 5 ? b.toString('latin1', 1, 5).trim() : '';
  return LEGACY_AUDIO[format] ?? `codec${format}`;
}

/**
 * The first two bytes of a video tag say it is a coded keyframe (not a config): the rule videoFrame applies, for
 * the edge to act on a keyframe's first chunk before the rest of it has arrived.
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

// ---------------------------------------------------------------- onMetaData

/** `onMetaData` (optionally after `@setDataFrame`) from decoded AMF values, or undefined for other script data. */
export function metadataFrom(values: readonly AmfValue[]): StreamMetadata | undefined {
  let i = 0;
  if (values[i] === '@setDataFrame') i++;
  if (values[i] !== 'onMetaData') return undefined;
  const v = values[i + 1];
  if (!v || typeof v !== 'object' || Array.isArray(v) || v instanceof Date || Buffer.isBuffer(v)) return undefined;
  const obj = v as AmfObject;
  const num = (k: string): number | undefined => {
    const x = obj[k];
    return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
  };
  const codecId = (k: string): number | string | undefined => {
    const x = obj[k];
    return typeof x === 'number' || typeof x === 'string' ? x : undefined;
  };
  return {
    width: num('width'),
    height: num('height'),
    framerate: num('framerate') ?? num('videoframerate'),
    videodatarate: num('videodatarate'),
    audiodatarate: num('audiodatarate'),
    audiosamplerate: num('audiosamplerate'),
    audiochannels: num('audiochannels'),
    stereo: typeof obj.stereo === 'boolean' ? obj.stereo : undefined,
    videocodecid: codecId('videocodecid'),
    audiocodecid: codecId('audiocodecid'),
    encoder: typeof obj.encoder === 'string' ? obj.encoder : undefined,
  };
}

/** `onMetaData` from a script-data tag body, or undefined for other script data or anything malformed. */
export function parseOnMetaData(b: Buffer): StreamMetadata | undefined {
  try {
    return metadataFrom(decodeAmf0(b));
  } catch {
    return undefined;
  }
}
