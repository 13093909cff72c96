// The Low-Latency HLS parts of a live stream's newest segments: the open part's files as they grow chunk by chunk,
// then each complete part until no playlist lists it. A segment cut into parts is written as its parts' fragments,
// one after the other (fragments()), so once that file is on disk a part is also a range of it: the parts of the
// open segment and of the newest one cut stay in memory (players at the live edge, PART-HOLD-BACK behind it, read
// them, often many at once), and older ones, read only by players a segment or more behind, are read from their
// segment's file (in the page cache), their media in memory let go. A stream then holds one to two segments of media
// instead of the whole part horizon (four target durations and more). A player a segment behind is rarely alone (a
// busy server puts a crowd behind together), so the few parts lately read back are kept: a thousand players asking
// for the same part cost one read, not a thousand reads and copies that would keep the server behind.

import { closeSync, openSync, readSync } from 'node:fs';
import { GrowingPart, GrowingParts, type PartSource } from './growing-parts.js';
import { TRACK_FILES } from './hls-playlist.js';
import { SlabCutter } from './media-slabs.js';
import { buildFragment, VIDEO_TIMESCALE, type FragmentTrack } from './mp4.js';
import type { SegmentIndex } from './segment-index.js';
import { LOW_LATENCY_LIMITS, type CutPart, type PartChunk } from './segmenter.js';

/** One track's fragment of a part. */
interface PartFile {
  msn: number;
  /** Its bytes in memory; undefined once they are read from the segment's file (`onDisk`). */
  part?: GrowingPart;
  /** Where it is in its segment's file, once that is written. */
  onDisk?: { path: string; start: number; length: number };
  /** Samples in it (0: an audio gap, left out of the segment). */
  samples: number;
  video: boolean;
}

/** Parts read back from their segment's file kept at once: two segments of both tracks at the default part target. */
const READ_BACK_KEPT = 24;

/** Every stream's part headers, cut from shared slabs: a slab goes back once the parts cut from it are forgotten. */
const headers = new SlabCutter();

export class PartFiles {
  /** Complete parts by file name, for the newest segments (LOW_LATENCY_LIMITS.partTargetDurations). */
  private readonly files = new Map<string, PartFile>();
  /** mfhd sequence numbers of part fragments: increasing across the stream, as CMAF wants. */
  private fragmentSeq = 0;
  /** The open part's files while they are cut, chunk by chunk. */
  private readonly growing = new GrowingParts();
  /** Parts lately read back from their segment's file, oldest first. */
  private readonly readBack = new Map<string, Buffer>();

  constructor(private readonly index: SegmentIndex) {}

  /** A chunk of the open part of segment `msn`. */
  chunk(msn: number, c: PartChunk): void {
    const put = (file: string, track: FragmentTrack | undefined): void => {
      if (!track || track.count === 0) return;
      const { buffers } = buildFragment(++this.fragmentSeq, [track], headers.cut);
      // The part holds the header with the frames (buffers[0] is the header, the rest the frames).
      this.growing.append(file, buffers, buffers);
    };
    put(TRACK_FILES.video.partName(msn, c.index), c.video);
    put(TRACK_FILES.audio.partName(msn, c.index), c.audio);
  }

  /** The open part of segment `msn` is complete. */
  close(msn: number, p: CutPart): void {
    // The part is its chunks; a part that had none (an audio gap) is one empty fragment.
    const put = (kind: 'video' | 'audio', track: FragmentTrack | undefined): void => {
      const file = TRACK_FILES[kind].partName(msn, p.index);
      let part = this.growing.finish(file);
      if (!part) {
        part = new GrowingPart();
        const { buffers } = buildFragment(++this.fragmentSeq, track ? [track] : [], headers.cut);
        part.append(buffers, buffers);
        part.end();
      }
      this.files.get(file)?.part?.release();
      this.files.set(file, { msn, part, samples: track?.count ?? 0, video: kind === 'video' });
    };
    if (p.video) put('video', p.video);
    if (p.hasAudio) put('audio', p.audio);
  }

  /** A part file: its bytes when complete, the part while it grows, else undefined. */
  source(name: string): PartSource {
    return this.bytes(name) ?? this.growing.get(name);
  }

  /** A complete part's bytes, else undefined. */
  bytes(name: string): Buffer | undefined {
    const f = this.files.get(name);
    if (!f) return undefined;
    if (f.part) return f.part.bytes();
    if (!f.onDisk) return undefined;
    let bytes = this.readBack.get(name);
    if (!bytes) {
      bytes = readRange(f.onDisk);
      if (!bytes) return undefined;
      if (this.readBack.size >= READ_BACK_KEPT) this.readBack.delete(this.readBack.keys().next().value!);
      this.readBack.set(name, bytes);
    }
    return bytes;
  }

  /**
   * Segment `msn`'s `kind` file is on disk at `path`, written as its parts' fragments (fragments(), same parts):
   * where each part is in it. Their media goes once a newer segment is cut (prune).
   */
  written(kind: 'video' | 'audio', msn: number, parts: number, path: string): void {
    let start = 0;
    for (let i = 0; i < parts; i++) {
      const f = this.files.get(TRACK_FILES[kind].partName(msn, i));
      if (!f?.part || f.samples === 0) continue;
      let length = 0;
      for (const b of f.part.views()) length += b.length;
      f.onDisk = { path, start, length };
      start += length;
    }
  }

  /** Someone waits for a part to start or reads one as it grows. */
  readersWaiting(): boolean {
    return this.growing.readersWaiting();
  }

  /** Resolves when part `name` starts growing, a part closes, the parts are dropped, or after `timeoutMs`. */
  waitForStart(name: string, timeoutMs: number): Promise<void> {
    return this.growing.waitForStart(name, timeoutMs, LOW_LATENCY_LIMITS.maxWaitersPerStream);
  }

  /** The fragments of one track's parts of segment `msn`, in order (gaps left out), for a write made at once. */
  fragments(kind: 'video' | 'audio', msn: number, parts: number): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < parts; i++) {
      const f = this.files.get(TRACK_FILES[kind].partName(msn, i));
      if (f?.part && f.samples > 0) for (const b of f.part.views()) out.push(b);
    }
    return out;
  }

  /** A segment was cut: its last part closed just before, so nothing can still be growing. */
  segmentCut(): void {
    this.growing.clear();
  }

  /**
   * Forgets the parts of segments no playlist lists any more. The audio playlist's target duration can be one more
   * than the segments' (audio segments end on audio frames: 1.49 s of video can be 1.51 s of audio, a target of 2):
   * its parts, and every part's entry in the index, are kept for 3 such target durations. The video playlist's target is the segments' own (its segments are the timeline),
   * so the video parts' bytes, nearly all of a part's memory, are kept for 3 of those and one more, for a player that
   * asks for a part of the playlist it fetched just before.
   */
  prune(): void {
    const msn = this.oldestWithParts(LOW_LATENCY_LIMITS.partTargetDurations, 1);
    const videoMsn = this.oldestWithParts(LOW_LATENCY_LIMITS.partTargetDurations + 1, 0);
    // Parts of segments older than the newest cut one (count - 1) are read from their file from now on.
    const inMemory = this.index.count - 1;
    for (const [name, f] of this.files) {
      if (f.msn < inMemory && f.onDisk && f.part) {
        f.part.release();
        f.part = undefined;
      }
      if (f.msn >= msn && (f.msn >= videoMsn || !f.video)) continue;
      this.files.delete(name);
      this.readBack.delete(name);
      f.part?.release();
    }
    for (const n of this.index.parts.keys()) if (n < msn) this.index.parts.delete(n);
  }

  /** The stream ended: parts are no longer listed, and their media is let go. */
  drop(): void {
    this.growing.clear();
    for (const f of this.files.values()) f.part?.release();
    this.files.clear();
    this.readBack.clear();
    this.index.parts.clear();
  }

  /**
   * The oldest segment whose parts a playlist may still list, counting back `targetDurations` target durations of
   * `extraSeconds` more than the segments' own (see LOW_LATENCY_LIMITS.partTargetDurations).
   */
  private oldestWithParts(targetDurations: number, extraSeconds: number): number {
    const list = this.index.segments;
    const horizon = targetDurations * (this.index.targetDuration() + extraSeconds) * VIDEO_TIMESCALE;
    let i = list.length - 1;
    // Bounded by the list length.
    for (let fromEdge = 0; i > 0 && fromEdge + list.durationAt(i) < horizon; i--) fromEdge += list.durationAt(i);
    return i;
  }
}

/** A part's bytes from its segment's file; undefined when the file is gone (a stream's folder removed). */
function readRange(at: { path: string; start: number; length: number }): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(at.path, 'r');
    const out = Buffer.allocUnsafe(at.length);
    // Parts are at most a few hundred KB, from a file written a second or two ago (in the page cache).
    let got = 0;
    while (got < at.length) {
      const n = readSync(fd, out, got, at.length - got, at.start + got);
      if (n === 0) return undefined;
      got += n;
    }
    return out;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
