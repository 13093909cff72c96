// The segment store: turns what the segmenter cut into files. It builds the CMAF bytes (mp4.ts), records each
// segment in the SegmentIndex the manifests are rendered from, writes the files, and appends the journal that lets
// a server that died mid-stream finish the stream's replay at its next start (SegmentStore.recover).
//
// A segment is listed the moment it is cut; its files are written in the next turn of the event loop, so a player
// polling the playlist learns of it without waiting for the disk. Until then read() serves its bytes from memory:
// whatever is listed can be fetched.

import { closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamMetadata } from './frame.js';
import { TRACK_FILES, type HlsVideoVariant } from './hls-playlist.js';
import {
  AUDIO_TRACK_ID,
  buildFragment,
  buildInitSegment,
  fragmentSize,
  VIDEO_TIMESCALE,
  VIDEO_TRACK_ID,
  type FragmentTrack,
  type TrackConfig,
} from './mp4.js';
import type { SegmentIndex, InitConfigs, JournalEntry, SegmentRecord } from './segment-index.js';
import { GrowingPart, GrowingParts, type PartSource } from './growing-parts.js';
import { mediaSlabs } from './media-slabs.js';
import {
  LOW_LATENCY_LIMITS,
  type CutPart,
  type CutSegment,
  type GridSegment,
  type PartChunk,
  type PackagerStats,
  type SegmenterOutput,
} from './segmenter.js';

/** The journal of a stream's segments, in its folder. */
export const JOURNAL_FILE = 'journal.jsonl';

export interface SegmentInfo {
  seq: number;
  /** The segment file: the video track's, or the audio track's for audio-only streams. */
  file: string;
  /** Every file written for this segment: one per track. */
  files: string[];
  durationSeconds: number;
  bytes: number;
  programDateTime: number;
  discontinuity: boolean;
}

export interface StoreEvents {
  init(info: { index: number; path: string; paths: string[] }): void;
  /** A part of the open segment is in the index and its bytes can be read. */
  part(info: { msn: number; index: number }): void;
  /** A segment is in the index (listed); its files follow (see flush). */
  segment(info: SegmentInfo): void;
  error(err: unknown): void;
}

/** A listed segment file not yet on disk. */
interface PendingFile {
  seq: number;
  tracks: FragmentTrack[];
  /** Built when read before it was written. */
  bytes?: Buffer;
  /** The fragments of its parts, when it was cut into parts: the file is these, in order. */
  fragments?: Buffer[];
}

/** One track's fragment of a part, kept in memory (parts are never written to disk). */
interface PartFile {
  msn: number;
  part: GrowingPart;
  /** Samples in it (0: an audio gap, left out of the segment). */
  samples: number;
  video: boolean;
}

export class SegmentStore implements SegmenterOutput {
  private journalFd?: number;
  private readonly pending = new Map<string, PendingFile>();
  private unwritten: Array<() => void> = [];
  /** Part fragments by file name, for the newest segments (LOW_LATENCY_LIMITS.partTargetDurations). */
  private readonly partFiles = new Map<string, PartFile>();
  /** mfhd sequence numbers of part fragments: increasing across the stream, as CMAF wants. */
  private fragmentSeq = 0;
  /** The open part's files while they are cut, chunk by chunk. */
  private readonly growing = new GrowingParts();

  constructor(
    private readonly dir: string,
    private readonly index: SegmentIndex,
    private readonly stats: PackagerStats,
    private readonly events: StoreEvents,
  ) {}

  init(index: number, configs: InitConfigs): void {
    const { video, audio } = configs;
    const meta = this.index.meta;
    this.index.addInit(index, configs);
    const tracks: TrackConfig[] = [];
    if (video) {
      tracks.push({
        id: VIDEO_TRACK_ID,
        kind: 'video',
        sampleEntry: video.codec === 'avc' ? 'avc1' : video.codec === 'hevc' ? 'hvc1' : 'av01',
        config: video.record,
        width: video.info.width || meta?.width || 0,
        height: video.info.height || meta?.height || 0,
        timescale: VIDEO_TIMESCALE,
      });
    }
    if (audio) {
      tracks.push({
        id: AUDIO_TRACK_ID,
        kind: 'audio',
        asc: audio.asc,
        sampleRate: audio.info.sampleRate,
        channels: audio.info.channels,
        timescale: audio.info.sampleRate,
      });
    }
    const entry: JournalEntry = {
      t: 'init',
      i: index,
      ...(video ? { v: { codec: video.codec, record: video.record.toString('base64') } } : {}),
      ...(audio ? { a: { asc: audio.asc.toString('base64') } } : {}),
    };
    // One init per track (video first, so `path` names the video init when there is one).
    const files = tracks.map((t): [string, Buffer] => [TRACK_FILES[t.kind].initName(index), buildInitSegment([t])]);
    this.write(() => {
      for (const [file, data] of files) writeFileSync(join(this.dir, file), data);
      this.journal(entry);
      const paths = files.map(([file]) => join(this.dir, file));
      this.events.init({ index, path: paths[0], paths });
    });
  }

  partChunk(c: PartChunk): void {
    const msn = this.index.count;
    const put = (file: string, track: FragmentTrack | undefined): void => {
      if (track && track.count > 0) this.growing.append(file, buildFragment(++this.fragmentSeq, [track]).buffers, track.data);
    };
    put(TRACK_FILES.video.partName(msn, c.index), c.video);
    put(TRACK_FILES.audio.partName(msn, c.index), c.audio);
  }

  part(p: CutPart): void {
    const msn = this.index.count;
    // The part is its chunks; a part that had none (an audio gap) is one empty fragment.
    const put = (kind: 'video' | 'audio', track: FragmentTrack | undefined): void => {
      const file = TRACK_FILES[kind].partName(msn, p.index);
      let part = this.growing.finish(file);
      if (!part) {
        part = new GrowingPart();
        part.append(buildFragment(++this.fragmentSeq, track ? [track] : []).buffers, track?.data);
        part.end();
      }
      this.partFiles.set(file, { msn, part, samples: track?.count ?? 0, video: kind === 'video' });
    };
    if (p.video) put('video', p.video);
    if (p.hasAudio) put('audio', p.audio);
    let audioTicks = 0;
    if (p.audio) for (let i = 0; i < p.audio.count; i++) audioTicks += p.audio.durations[i];
    const rate = this.index.lastInit.audio?.info.sampleRate ?? 1;
    const audioDuration = Math.round((audioTicks * VIDEO_TIMESCALE) / rate);
    this.index.addPart({ duration: p.duration, audioDuration, independent: p.independent, audioGap: p.hasAudio && !p.audio, opens: p.opens });
    this.events.part({ msn, index: p.index });
  }

  /** A part file: its bytes when complete, the part while it grows, else undefined. */
  partSource(name: string): PartSource {
    return this.partFiles.get(name)?.part.bytes() ?? this.growing.get(name);
  }

  /** Resolves when part `name` starts growing, a part closes, the parts are dropped, or after `timeoutMs`. */
  waitForPart(name: string, timeoutMs: number): Promise<void> {
    return this.growing.waitForStart(name, timeoutMs, LOW_LATENCY_LIMITS.maxWaitersPerStream);
  }

  /** The fragments of one track's parts of segment `msn`, in order (gaps left out). */
  private partFragments(kind: 'video' | 'audio', msn: number, parts: number): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < parts; i++) {
      const f = this.partFiles.get(TRACK_FILES[kind].partName(msn, i));
      if (f && f.samples > 0) for (const b of f.part.views()) out.push(b);
    }
    return out;
  }

  /**
   * The oldest segment whose parts a playlist may still list, counting back `targetDurations` target durations of
   * `extraSeconds` more than the segments' own (see LOW_LATENCY_LIMITS.partTargetDurations).
   */
  private oldestWithParts(targetDurations: number, extraSeconds: number): number {
    const list = this.index.segments;
    const horizon = targetDurations * (Math.ceil(this.index.maxSegSeconds) + extraSeconds) * VIDEO_TIMESCALE;
    let i = list.length - 1;
    // Bounded by the list length.
    for (let fromEdge = 0; i > 0 && fromEdge + list.durationAt(i) < horizon; i--) fromEdge += list.durationAt(i);
    return i;
  }

  /**
   * Forgets the parts of segments no playlist lists any more. The audio playlist's target duration can be one more
   * than the segments' (1.022 s of audio is a target of 2): its parts, and every part's entry in the index, are kept
   * for 3 such target durations. The video playlist's target is the segments' own (its segments are the timeline),
   * so the video parts' bytes, nearly all of a part's memory, are kept for 3 of those and one more, for a player that
   * asks for a part of the playlist it fetched just before.
   */
  private pruneParts(): void {
    const msn = this.oldestWithParts(LOW_LATENCY_LIMITS.partTargetDurations, 1);
    const videoMsn = this.oldestWithParts(LOW_LATENCY_LIMITS.partTargetDurations + 1, 0);
    for (const [name, f] of this.partFiles) {
      if (f.msn >= msn && (f.msn >= videoMsn || !f.video)) continue;
      this.partFiles.delete(name);
      f.part.release();
    }
    for (const n of this.index.parts.keys()) if (n < msn) this.index.parts.delete(n);
  }

  segment(cut: CutSegment): void {
    // Its last part closed just before; nothing else can still be growing.
    this.growing.clear();
    const seq = this.index.count;
    const { start, end, pdt, disc, audioRate: sr } = cut;
    const duration = Math.max(1, end - start);
    // One fragment per track, each in its own file. Sizes now (the playlists and stats need them); the bytes are
    // built with the write, off the path to the playlist. A segment cut into parts is its parts' fragments instead,
    // one after the other (already built).
    const out: Array<{ file: string; tracks: FragmentTrack[]; fragments?: Buffer[] }> = [];
    let size = 0;
    const rec: SegmentRecord = { seq, start, duration, pdt, bytes: 0, init: cut.init, disc };
    const fragments = (kind: 'video' | 'audio'): Buffer[] | undefined => (cut.parts > 0 ? this.partFragments(kind, seq, cut.parts) : undefined);
    const sizeOf = (tracks: FragmentTrack[], f: Buffer[] | undefined): number => (f ? f.reduce((n, b) => n + b.length, 0) : fragmentSize(tracks));
    if (cut.video) {
      const f = fragments('video');
      const bytes = sizeOf([cut.video], f);
      out.push({ file: TRACK_FILES.video.segmentName(seq), tracks: [cut.video], fragments: f });
      size += bytes;
      rec.video = { start: cut.video.baseDecodeTime, duration, bytes, gap: false };
    }
    if (cut.hasAudio) {
      const audioTrack = cut.audio;
      const tracks = audioTrack ? [audioTrack] : [];
      const f = fragments('audio');
      const bytes = sizeOf(tracks, f?.length ? f : undefined);
      out.push({ file: TRACK_FILES.audio.segmentName(seq), tracks, fragments: f?.length ? f : undefined });
      size += bytes;
      let aStart: number;
      let aDuration: number;
      if (audioTrack) {
        aStart = audioTrack.baseDecodeTime;
        aDuration = 0;
        for (let i = 0; i < audioTrack.count; i++) aDuration += audioTrack.durations[i];
      } else {
        aStart = Math.round((start * sr) / VIDEO_TIMESCALE);
        aDuration = Math.round((end * sr) / VIDEO_TIMESCALE) - aStart;
      }
      rec.audio = { start: aStart, duration: Math.max(1, aDuration), bytes, gap: !audioTrack };
    }
    rec.bytes = size;
    this.index.record(rec);
    const files = out.map((o) => o.file);
    for (const o of out) this.pending.set(o.file, { seq, tracks: o.tracks, fragments: o.fragments });
    if (cut.parts > 0) this.pruneParts();
    this.unwritten.push(() => {
      for (const o of out) {
        const p = this.pending.get(o.file);
        this.pending.delete(o.file);
        const fd = openSync(join(this.dir, o.file), 'w');
        try {
          if (p?.bytes) writeAll(fd, p.bytes);
          else if (p?.fragments) writevAll(fd, p.fragments);
          else writevAll(fd, buildFragment(seq + 1, o.tracks).buffers);
        } finally {
          closeSync(fd);
        }
      }
      this.releaseCut(cut);
      // Journaled only once its files are on disk: recovery lists nothing that is not there.
      this.journal({ t: 'seg', ...rec });
    });
    if (this.unwritten.length === 1) setImmediate(this.flush);
    this.events.segment({
      seq,
      file: files[0],
      files,
      durationSeconds: duration / VIDEO_TIMESCALE,
      bytes: size,
      programDateTime: pdt,
      discontinuity: disc,
    });
  }

  /**
   * The segment's files are written: its hold on the frames' bytes (taken over from the segmenter's queue) ends. Its
   * parts hold their own until they are no longer listed.
   */
  private releaseCut(cut: CutSegment): void {
    if (cut.video) for (let i = 0; i < cut.video.count; i++) mediaSlabs.release(cut.video.data[i]);
    if (cut.audio) for (let i = 0; i < cut.audio.count; i++) mediaSlabs.release(cut.audio.data[i]);
  }

  /** Segments without media (EXT-X-GAP, no file), numbered from the next one: a rendition's first, before it began. */
  gaps(segments: GridSegment[]): void {
    for (const g of segments) {
      const rec: SegmentRecord = {
        seq: this.index.count,
        start: g.start,
        duration: Math.max(1, g.duration),
        pdt: g.pdt,
        bytes: 0,
        init: 0,
        disc: g.disc,
      };
      rec.video = { start: g.start, duration: rec.duration, bytes: 0, gap: true };
      this.index.record(rec);
      this.write(() => this.journal({ t: 'seg', ...rec }));
    }
  }

  meta(m: StreamMetadata): void {
    this.index.meta = m;
    this.write(() => this.journal({ t: 'meta', m }));
  }

  error(err: unknown): void {
    this.events.error(err);
  }

  setRenditions(variants: readonly HlsVideoVariant[]): void {
    this.index.renditions = variants;
    this.write(() => this.journal({ t: 'renditions', r: variants }));
  }

  /**
   * The bytes of a listed segment file not yet on disk or of a part, or undefined (then the file is there, or never
   * was).
   */
  read(name: string): Buffer | undefined {
    const p = this.pending.get(name);
    if (!p) return this.partFiles.get(name)?.part.bytes();
    if (!p.bytes && p.fragments) p.bytes = Buffer.concat(p.fragments);
    if (!p.bytes) {
      const { buffers, size } = buildFragment(p.seq + 1, p.tracks);
      p.bytes = Buffer.concat(buffers, size);
    }
    return p.bytes;
  }

  /** Puts every listed segment's files on disk now. Cheap when there is nothing to write. */
  readonly flush = (): void => {
    if (this.unwritten.length === 0) return;
    const jobs = this.unwritten;
    this.unwritten = [];
    for (const job of jobs) this.write(job);
  };

  /** Writes a text file whole: a reader sees the old one or the new one. Throws on failure. */
  writeText(name: string, text: string): void {
    const tmp = join(this.dir, `.${name}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.dir, name));
  }

  /** The stream ended: parts are no longer listed. */
  dropParts(): void {
    this.flush(); // a listed segment's file is its parts' bytes: written before the parts let them go
    this.growing.clear();
    for (const f of this.partFiles.values()) f.part.release();
    this.partFiles.clear();
    this.index.parts.clear();
  }

  closeJournal(): void {
    if (this.journalFd === undefined) return;
    try {
      closeSync(this.journalFd);
    } catch {
      /* already gone */
    }
    this.journalFd = undefined;
  }

  /**
   * Rebuilds `index` from the journal in `dir`: false when there is none. A torn last line (the process died
   * mid-write) is skipped, and so is an entry this version cannot read (counted in `stats.skippedMessages`).
   */
  static recover(dir: string, index: SegmentIndex, stats: PackagerStats): boolean {
    let text: string;
    try {
      text = readFileSync(join(dir, JOURNAL_FILE), 'utf8');
    } catch {
      return false;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      let e: JournalEntry;
      try {
        e = JSON.parse(line) as JournalEntry;
      } catch {
        continue;
      }
      try {
        index.replay(e);
      } catch {
        stats.skippedMessages++;
      }
    }
    return true;
  }

  /**
   * Appends one line to the stream's journal (JOURNAL_FILE): every init, segment, metadata and rendition change,
   * after its files are on disk. While live the playlists exist only in memory; the journal is what lets a server
   * that died mid-stream write them at its next start. An append to an open file costs no inode, unlike rewriting
   * playlists per segment.
   */
  private journal(entry: JournalEntry): void {
    this.journalFd ??= openSync(join(this.dir, JOURNAL_FILE), 'a');
    writeSync(this.journalFd, `${JSON.stringify(entry)}\n`);
  }

  /**
   * Files are written synchronously, as nginx-rtmp does: a segment (a few hundred KB into the page cache) costs
   * under a millisecond, with no thread-pool round trips. A failure costs that file and is reported.
   */
  write(job: () => void): void {
    try {
      job();
    } catch (err) {
      this.stats.writeErrors++;
      this.events.error(err);
    }
  }
}

function writeAll(fd: number, b: Buffer): void {
  // Bounded: each pass writes at least one byte or throws.
  for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off);
}

/** writevSync may write less than asked; loop until every buffer is on disk. */
function writevAll(fd: number, buffers: Buffer[]): void {
  let pending = buffers;
  // Bounded: each pass writes at least one byte or throws.
  while (pending.length > 0) {
    let n = writevSync(fd, pending);
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (n >= b.length) {
        n -= b.length;
      } else {
        rest.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
    }
    pending = rest;
  }
}
