// The media frame: what the ingest edge (the RTMP session) makes of each audio, video or script-data message,
// once, and what everything after it consumes (the relay to RTMP players, the ABR ladder, the packager). Nothing
// downstream looks at FLV tag bytes again.

/** The codecs the packager can put into CMAF segments. */
export type VideoCodecId = 'avc' | 'hevc' | 'av1';
export type AudioCodecId = 'aac';
/** '' when the packager cannot use the frame (another codec, or a malformed tag): it still relays to RTMP players. */
export type FrameCodec = VideoCodecId | AudioCodecId | '';

export type FrameTrack = 'video' | 'audio' | 'data';

/**
 * - `config`: a decoder configuration (AVC/HEVC/AV1 record, AAC AudioSpecificConfig): `data` is the record.
 * - `key`: a video keyframe, or an audio frame (every audio frame decodes on its own).
 * - `inter`: a video frame that needs earlier ones.
 * - `meta`: `onMetaData` script data, parsed into `meta`.
 * - `other`: anything else (end of sequence, command frames, other script data): relayed, not packaged.
 */
export type FrameKind = 'config' | 'key' | 'inter' | 'meta' | 'other';

/** What `onMetaData` announces (numbers as sent; codec ids are numbers, or FourCC strings from Enhanced RTMP). */
export interface StreamMetadata {
  width?: number;
  height?: number;
  framerate?: number;
  videodatarate?: number;
  audiodatarate?: number;
  audiosamplerate?: number;
  audiochannels?: number;
  stereo?: boolean;
  videocodecid?: number | string;
  audiocodecid?: number | string;
  encoder?: string;
}

export interface MediaFrame {
  readonly track: FrameTrack;
  readonly kind: FrameKind;
  readonly codec: FrameCodec;
  /** Decode time, milliseconds as the publisher stamped them (unwrapped past 2^32 by the edge). */
  readonly dts: number;
  /** Composition offset, milliseconds (video only; 0 otherwise). */
  readonly cts: number;
  /** The codec payload: NAL units / OBUs / a raw AAC frame, or the config record. A view into `tag`. */
  readonly data: Buffer;
  /**
   * The FLV tag body as RTMP carries it (Enhanced RTMP headers included; script data without `@setDataFrame`):
   * relayed to RTMP players and written to FLV untouched, without a copy.
   */
  readonly tag: Buffer;
  /** Parsed `onMetaData` (kind `meta`), else undefined. */
  readonly meta: StreamMetadata | undefined;
}

/** The same frame at another decode time (a player's startup burst, a rebased FLV output). */
export function retimed(f: MediaFrame, dts: number): MediaFrame {
  return { track: f.track, kind: f.kind, codec: f.codec, dts, cts: f.cts, data: f.data, tag: f.tag, meta: f.meta };
}

/**
 * A frame that only matters once the next keyframe (or config) arrives: a video inter frame or an audio frame of a
 * codec we package. Such frames may reach a segmenter in batches (see MediaSink.batchable).
 */
export function waitsForKeyframe(f: MediaFrame): boolean {
  if (f.codec === '') return false;
  return f.track === 'video' ? f.kind === 'inter' : f.track === 'audio' && f.kind === 'key';
}
