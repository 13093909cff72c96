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
import { PartFiles } from './part-files.js';
import { trackDate, type SegmentIndex, type InitConfigs, type JournalEntry, type SegmentRecord } from './segment-index.js';
import type { PartSource } from './growing-parts.js';
import { mediaSlabs } from './media-slabs.js';
import { type CutPart, type CutSegment, type GridSegment, type PartChunk, type PackagerStats, type SegmenterOutput } from './segmenter.js';

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

export class SegmentStore implements SegmenterOutput {
  private journalFd?: number;
  private readonly pending = new Map<string, PendingFile>();
  private unwritten: Array<() => void> = [];
  private readonly parts: PartFiles;

  constructor(
    private readonly dir: string,
    private readonly index: SegmentIndex,
    private readonly stats: PackagerStats,
    private readonly events: StoreEvents,
  ) {
    this.parts = new PartFiles(index);
  }

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
    this.parts.chunk(this.index.count, c);
  }

  /** Someone waits for a part to start or reads one as it grows (see SegmenterOutput.partChunksWanted). */
  partChunksWanted(): boolean {
    return this.parts.readersWaiting();
  }

  part(p: CutPart): void {
    const msn = this.index.count;
    this.parts.close(msn, p);
    let audioTicks = 0;
    if (p.audio) for (let i = 0; i < p.audio.count; i++) audioTicks += p.audio.durations[i];
    const rate = this.index.lastInit.audio?.info.sampleRate ?? 1;
    const audioDuration = Math.round((audioTicks * VIDEO_TIMESCALE) / rate);
    const opens = p.opens && p.audio ? { ...p.opens, audioPdt: trackDate(p.opens.pdt, p.start, p.audio.baseDecodeTime, rate) } : p.opens;
    this.index.addPart({ duration: p.duration, audioDuration, independent: p.independent, audioGap: p.hasAudio && !p.audio, opens });
    this.events.part({ msn, index: p.index });
  }

  /** A part file: its bytes when complete, the part while it grows, else undefined. */
  partSource(name: string): PartSource {
    return this.parts.source(name);
  }

  /** Resolves when part `name` starts growing, a part closes, the parts are dropped, or after `timeoutMs`. */
  waitForPart(name: string, timeoutMs: number): Promise<void> {
    return this.parts.waitForStart(name, timeoutMs);
  }

  segment(cut: CutSegment): void {
    this.parts.segmentCut();
    const seq = this.index.count;
    const { start, end, pdt, disc, audioRate: sr } = cut;
    const duration = Math.max(1, end - start);
    // One fragment per track, each in its own file. Sizes now (the playlists and stats need them); the bytes are
    // built with the write, off the path to the playlist. A segment cut into parts is its parts' fragments instead,
    // one after the other (already built).
    const out: Array<{ kind: 'video' | 'audio'; file: string; tracks: FragmentTrack[]; fragments?: Buffer[] }> = [];
    let size = 0;
    const rec: SegmentRecord = { seq, start, duration, pdt, bytes: 0, init: cut.init, disc };
    const fragments = (kind: 'video' | 'audio'): Buffer[] | undefined => (cut.parts > 0 ? this.parts.fragments(kind, seq, cut.parts) : undefined);
    const sizeOf = (tracks: FragmentTrack[], f: Buffer[] | undefined): number => (f ? f.reduce((n, b) => n + b.length, 0) : fragmentSize(tracks));
    if (cut.video) {
      const f = fragments('video');
      const bytes = sizeOf([cut.video], f);
      out.push({ kind: 'video', file: TRACK_FILES.video.segmentName(seq), tracks: [cut.video], fragments: f });
      size += bytes;
      rec.video = { start: cut.video.baseDecodeTime, duration, bytes, gap: false };
    }
    if (cut.hasAudio) {
      const audioTrack = cut.audio;
      const tracks = audioTrack ? [audioTrack] : [];
      const f = fragments('audio');
      const bytes = sizeOf(tracks, f?.length ? f : undefined);
      out.push({ kind: 'audio', file: TRACK_FILES.audio.segmentName(seq), tracks, fragments: f?.length ? f : undefined });
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
    if (cut.parts > 0) this.parts.prune();
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
        if (o.fragments) this.parts.written(o.kind, seq, cut.parts, join(this.dir, o.file));
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
    if (!p) return this.parts.bytes(name);
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
    this.parts.drop();
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
