// Pure ISO-BMFF (ISO/IEC 14496-12) writer for CMAF: an init segment (ftyp + moov) and media fragments
// (moof + mdat). Fragments are returned as a list of buffers (header + the samples' own bytes) so the caller can
// write them with one writev and no copy of the media data.

export const VIDEO_TIMESCALE = 90000;
export const VIDEO_TRACK_ID = 1;
export const AUDIO_TRACK_ID = 2;

export type VideoSampleEntry = 'avc1' | 'hvc1' | 'av01';

export interface VideoTrackConfig {
  id: number;
  kind: 'video';
  sampleEntry: VideoSampleEntry;
  /** avcC / hvcC / av1C record body (as carried in the FLV sequence header). */
  config: Uint8Array;
  width: number;
  height: number;
  timescale: number;
}

export interface AudioTrackConfig {
  id: number;
  kind: 'audio';
  /** AudioSpecificConfig */
  asc: Uint8Array;
  sampleRate: number;
  channels: number;
  timescale: number;
}

export type TrackConfig = VideoTrackConfig | AudioTrackConfig;

// ---------------------------------------------------------------- small helpers (init segment: cold path)

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}

function zeros(n: number): Buffer {
  return Buffer.alloc(n);
}

export function box(type: string, ...children: Uint8Array[]): Buffer {
  let size = 8;
  for (const c of children) size += c.length;
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32BE(size);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...children], size);
}

function fullBox(type: string, version: number, flags: number, ...children: Uint8Array[]): Buffer {
  return box(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...children);
}

const MATRIX = Buffer.from([
  0x00, 0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x00, 0x00, 0x00,
]);

function ftyp(): Buffer {
  return box('ftyp', Buffer.from('iso6', 'latin1'), u32(0), Buffer.from('iso6cmfcisomdashmp41', 'latin1'));
}

function mvhd(nextTrackId: number): Buffer {
  return fullBox(
    'mvhd',
    0,
    0,
    u32(0),
    u32(0),
    u32(1000),
    u32(0), // creation, modification, timescale, duration
    u32(0x00010000),
    u16(0x0100),
    zeros(10),
    MATRIX,
    zeros(24),
    u32(nextTrackId),
  );
}

function tkhd(t: TrackConfig): Buffer {
  const video = t.kind === 'video';
  return fullBox(
    'tkhd',
    0,
    3,
    u32(0),
    u32(0),
    u32(t.id),
    u32(0),
    u32(0), // creation, modification, track, reserved, duration
    zeros(8),
    u16(0),
    u16(0),
    u16(video ? 0 : 0x0100),
    u16(0),
    MATRIX,
    u32(video ? t.width * 65536 : 0),
    u32(video ? t.height * 65536 : 0),
  );
}

function mdhd(timescale: number): Buffer {
  return fullBox('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(0), u16(0x55c4 /* 'und' */), u16(0));
}

function hdlr(video: boolean): Buffer {
  return fullBox(
    'hdlr',
    0,
    0,
    u32(0),
    Buffer.from(video ? 'vide' : 'soun', 'latin1'),
    zeros(12),
    Buffer.from(video ? 'VideoHandler\0' : 'SoundHandler\0', 'latin1'),
  );
}

function descriptor(tag: number, ...body: Uint8Array[]): Buffer {
  let len = 0;
  for (const b of body) len += b.length;
  // 4-byte size form: always valid and keeps the arithmetic simple
  const head = Buffer.from([tag, 0x80 | ((len >> 21) & 0x7f), 0x80 | ((len >> 14) & 0x7f), 0x80 | ((len >> 7) & 0x7f), len & 0x7f]);
  return Buffer.concat([head, ...body]);
}

function esds(t: AudioTrackConfig): Buffer {
  const dsi = descriptor(5, t.asc);
  const dcd = descriptor(4, u8(0x40), u8(0x15), zeros(3), u32(0), u32(0), dsi);
  const es = descriptor(3, u16(t.id), u8(0), dcd, descriptor(6, u8(2)));
  return fullBox('esds', 0, 0, es);
}

function sampleEntry(t: TrackConfig): Buffer {
  if (t.kind === 'audio') {
    return box(
      'mp4a',
      zeros(6),
      u16(1),
      zeros(8),
      u16(t.channels || 2),
      u16(16),
      u16(0),
      u16(0),
      u32(t.sampleRate < 65536 ? t.sampleRate * 65536 : 0),
      esds(t),
    );
  }
  const cfgType = t.sampleEntry === 'avc1' ? 'avcC' : t.sampleEntry === 'hvc1' ? 'hvcC' : 'av1C';
  const compressor = zeros(32);
  return box(
    t.sampleEntry,
    zeros(6),
    u16(1),
    u16(0),
    u16(0),
    zeros(12),
    u16(t.width),
    u16(t.height),
    u32(0x00480000),
    u32(0x00480000),
    u32(0),
    u16(1),
    compressor,
    u16(0x0018),
    u16(0xffff),
    box(cfgType, t.config),
  );
}

function trak(t: TrackConfig): Buffer {
  const video = t.kind === 'video';
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), sampleEntry(t)),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const xmhd = video ? fullBox('vmhd', 0, 1, zeros(8)) : fullBox('smhd', 0, 0, zeros(4));
  return box('trak', tkhd(t), box('mdia', mdhd(t.timescale), hdlr(video), box('minf', xmhd, dinf, stbl)));
}

/** ftyp + moov for the given tracks (video first by convention). */
export function buildInitSegment(tracks: TrackConfig[]): Buffer {
  const nextId = Math.max(0, ...tracks.map((t) => t.id)) + 1;
  const mvex = box('mvex', ...tracks.map((t) => fullBox('trex', 0, 0, u32(t.id), u32(1), u32(0), u32(0), u32(0))));
  return Buffer.concat([ftyp(), box('moov', mvhd(nextId), ...tracks.map(trak), mvex)]);
}

// ---------------------------------------------------------------- fragments (hot path: one buffer per fragment)

/** Samples of one track in one fragment, as parallel arrays (no per-sample objects needed by the writer). */
export interface FragmentTrack {
  id: number;
  /** Decode time of the first sample, in the track timescale (may exceed 2^32). */
  baseDecodeTime: number;
  count: number;
  data: Buffer[];
  durations: ArrayLike<number>;
  /** Only for video: 1 = sync sample. */
  keyframes?: ArrayLike<number>;
  /** Only for video: composition offsets (PTS - DTS) in the track timescale, may be negative. */
  cts?: ArrayLike<number>;
}

export const SAMPLE_FLAGS_SYNC = 0x02000000; // sample_depends_on = 2 (I-frame)
export const SAMPLE_FLAGS_NON_SYNC = 0x01010000; // sample_depends_on = 1, sample_is_non_sync_sample

const TRUN_DATA_OFFSET = 0x000001;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_CTS = 0x000800;

function trafSize(t: FragmentTrack): number {
  const video = t.keyframes !== undefined;
  const perSample = video ? 16 : 8;
  // traf(8) + tfhd(16) + tfdt v1(20) + trun header(8 + 4 + 4 + 4) + samples
  return 8 + 16 + 20 + 20 + perSample * t.count;
}

function fragmentLayout(present: FragmentTrack[]): { moofSize: number; mdatPayload: number } {
  let moofSize = 8 + 16; // moof + mfhd
  for (const t of present) moofSize += trafSize(t);
  let mdatPayload = 0;
  for (const t of present) for (let i = 0; i < t.count; i++) mdatPayload += t.data[i].length;
  return { moofSize, mdatPayload };
}

/** The byte size buildFragment will produce for these tracks, without building it. */
export function fragmentSize(tracks: FragmentTrack[]): number {
  const { moofSize, mdatPayload } = fragmentLayout(tracks.filter((t) => t.count > 0));
  return moofSize + 8 + mdatPayload;
}

/**
 * Build `moof` + `mdat` for one fragment. Returns the buffers to write in order: one header buffer (moof and the
 * mdat box header), then every sample's data as given. Tracks with no samples are left out. `alloc` gives the header's
 * memory (a part's headers are cut from media slabs: media-slabs.ts, SlabCutter).
 */
export function buildFragment(
  sequenceNumber: number,
  tracks: FragmentTrack[],
  alloc: (size: number) => Buffer = Buffer.allocUnsafe,
): { buffers: Buffer[]; size: number } {
  const present = tracks.filter((t) => t.count > 0);
  const { moofSize, mdatPayload } = fragmentLayout(present);
  const head = alloc(moofSize + 8);
  let p = 0;
  const w32 = (n: number): void => {
    head.writeUInt32BE(n >>> 0, p);
    p += 4;
  };
  const wType = (s: string): void => {
    head.write(s, p, 'latin1');
    p += 4;
  };
  w32(moofSize);
  wType('moof');
  w32(16);
  wType('mfhd');
  w32(0);
  w32(sequenceNumber);
  let dataOffset = moofSize + 8;
  for (const t of present) {
    const video = t.keyframes !== undefined;
    w32(trafSize(t));
    wType('traf');
    w32(16);
    wType('tfhd');
    w32(0x020000); // default-base-is-moof
    w32(t.id);
    w32(20);
    wType('tfdt');
    w32(0x01000000);
    w32(Math.floor(t.baseDecodeTime / 4294967296));
    w32(t.baseDecodeTime % 4294967296);
    const flags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | (video ? TRUN_FLAGS | TRUN_CTS : 0);
    w32(20 + (video ? 16 : 8) * t.count);
    wType('trun');
    w32((video ? 0x01000000 : 0) | flags);
    w32(t.count);
    w32(dataOffset);
    for (let i = 0; i < t.count; i++) {
      const size = t.data[i].length;
      w32(t.durations[i]);
      w32(size);
      if (video) {
        w32(t.keyframes![i] ? SAMPLE_FLAGS_SYNC : SAMPLE_FLAGS_NON_SYNC);
        head.writeInt32BE(t.cts![i] | 0, p);
        p += 4;
      }
      dataOffset += size;
    }
  }
  w32(8 + mdatPayload);
  wType('mdat');
  const buffers: Buffer[] = [head];
  for (const t of present) for (let i = 0; i < t.count; i++) buffers.push(t.data[i]);
  return { buffers, size: head.length + mdatPayload };
}
