// Parts while they are cut. With Low-Latency HLS a player asks for the part named by the preload hint before it
// exists; it gets the part's bytes as the frames arrive (one CMAF chunk, moof + mdat, per batch of frames), so the
// hint saves the player a part's duration rather than only a round trip. A growing part's bytes are exactly the
// finished part's: the chunks, in order.

import { mediaSlabs } from './media-slabs.js';

/** What a reader of a growing part hears: a chunk's buffers, or null when the part is complete (or never will be). */
export type ChunkListener = (chunk: readonly Buffer[] | null) => void;

/**
 * One track's part: its chunks as the buffers buildFragment makes (each chunk's moof and mdat header, then views of
 * the frames' bytes), so nothing is copied while it is cut or written to disk; the bytes are joined once, when a
 * reader first wants the whole part. The part holds the frames' media slabs (media-slabs.ts) until the store lets
 * it go; a reader that streams it pins them, since its socket writes end when they end.
 */
export class GrowingPart {
  private readonly chunks: Buffer[] = [];
  /** The frames' bytes this part holds (released by `release`). */
  private readonly held: Buffer[] = [];
  private size = 0;
  private whole?: Buffer;
  private ended = false;
  private streamed = false;
  private readonly listeners = new Set<ChunkListener>();

  /** Appends a chunk; `frames`: the views of frame bytes in it, held by the part from now on. */
  append(chunk: readonly Buffer[], frames: readonly Buffer[] = []): void {
    for (const b of chunk) {
      this.chunks.push(b);
      this.size += b.length;
    }
    for (const f of frames) {
      mediaSlabs.hold(f);
      if (this.streamed) mediaSlabs.pin(f);
      this.held.push(f);
    }
    this.whole = undefined;
    for (const l of this.listeners) l(chunk);
  }

  /** The part's bytes so far (the whole part once it is complete), joined once into memory of its own. */
  bytes(): Buffer {
    this.whole ??= Buffer.concat(this.chunks, this.size);
    return this.whole;
  }

  /** The chunks' buffers so far, for a write that completes before the caller returns (writevSync). */
  views(): readonly Buffer[] {
    return this.chunks;
  }

  /**
   * The chunks' buffers so far, for a reader that writes them to a socket and then listens: the frames' slabs are
   * pinned, now and as chunks come.
   */
  stream(): readonly Buffer[] {
    if (!this.streamed) {
      this.streamed = true;
      for (const f of this.held) mediaSlabs.pin(f);
    }
    return this.chunks;
  }

  /** Someone listens for the chunks still to come. */
  get listened(): boolean {
    return this.listeners.size > 0;
  }

  /** The store is done with this part: its hold on the frames' bytes ends. */
  release(): void {
    for (const f of this.held) mediaSlabs.release(f);
    this.held.length = 0;
  }

  /** Hears every chunk appended from now on, then null at the end (at once when it has ended). Returns the unsubscribe. */
  listen(l: ChunkListener): () => void {
    this.stream();
    if (this.ended) {
      queueMicrotask(() => l(null));
      return () => {};
    }
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** No more chunks: every reader gets its end. */
  end(): void {
    this.ended = true;
    for (const l of this.listeners) l(null);
    this.listeners.clear();
  }
}

/** A part file as a reader finds it: complete bytes, a part still growing, or nothing (yet). */
export type PartSource = Buffer | GrowingPart | undefined;

/**
 * The growing parts of a stream by file name, and readers waiting for a part that has not started. A part starts
 * with its first chunk, a frame or so after the previous part closed; until then a hinted request waits here (not on
 * the playlist version, which would wake every blocking playlist request once more per part).
 */
export class GrowingParts {
  private readonly growing = new Map<string, GrowingPart>();
  private readonly starting = new Map<string, Set<() => void>>();

  get(name: string): GrowingPart | undefined {
    return this.growing.get(name);
  }

  /** Appends a chunk to part `name`, starting it (and waking whoever waits for it) on its first chunk. */
  append(name: string, chunk: readonly Buffer[], frames: readonly Buffer[]): void {
    let part = this.growing.get(name);
    if (!part) {
      part = new GrowingPart();
      this.growing.set(name, part);
      this.wake(name);
    }
    part.append(chunk, frames);
  }

  /**
   * Part `name` is complete: the part (undefined when it never started), and its readers get their end. Every
   * waiter wakes to look again: a part that closed may have passed the one it waits for.
   */
  finish(name: string): GrowingPart | undefined {
    const part = this.growing.get(name);
    this.growing.delete(name);
    this.wakeAll();
    part?.end();
    return part;
  }

  /** Someone waits for a part to start or listens to one as it grows. */
  readersWaiting(): boolean {
    if (this.starting.size > 0) return true;
    for (const part of this.growing.values()) if (part.listened) return true;
    return false;
  }

  /**
   * Resolves when part `name` starts or finishes, or after `timeoutMs`. Bounded: at most `maxWaiters` wait at once
   * over all names (resolves at once beyond that).
   */
  waitForStart(name: string, timeoutMs: number, maxWaiters: number): Promise<void> {
    if (this.growing.has(name) || this.waiters() >= maxWaiters) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.starting.get(name);
      if (!set) this.starting.set(name, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.starting.get(name) === set) this.starting.delete(name);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      set.add(done);
    });
  }

  /** The stream ended or dropped its parts: every reader and waiter is let go, and so is the parts' media. */
  clear(): void {
    for (const part of this.growing.values()) {
      part.end();
      part.release();
    }
    this.growing.clear();
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const name of [...this.starting.keys()]) this.wake(name);
  }

  private waiters(): number {
    let n = 0;
    for (const s of this.starting.values()) n += s.size;
    return n;
  }

  private wake(name: string): void {
    const set = this.starting.get(name);
    if (!set) return;
    this.starting.delete(name);
    for (const done of [...set]) done();
  }
}
