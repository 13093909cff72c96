// Media memory with explicit lifetimes. A publisher's frames are cut from 256 KB slabs (server/rtmp/chunk.ts). Left to
// the garbage collector, a slab is freed only by a major GC: it lives for seconds (the GOP cache, the parts a
// playlist lists), long enough to be promoted, and every new slab is external memory V8 counts toward its next
// mark-compact. At 32 streams that was a mark-compact a second, a fifth of the server's CPU, and about 2 MB per
// stream of RSS held by media waiting for collection (bench/results/gc-media-memory-2026-12-04.md). So a slab goes
// back to a pool when the last holder of its bytes lets go, and the next frame is cut from it.
//
// The rule that keeps it safe: whoever keeps a view of a slab's bytes past the call that handed it over holds it
// (hold) and lets go (release) when done; whoever cannot say when it is done (a socket write, a child's stdin, a
// reader streaming a part) pins it, and a pinned slab is never reused (the collector frees it as before). A missing
// release only costs the reuse of one slab; a missing hold would let a frame's bytes be overwritten while still in
// use, which is why tests run with released slabs poisoned (ONAIR_POISON_RELEASED_MEDIA=true, set for every test
// file by scripts/run-tests.ts): bytes read after their release are then 0xEE and fail to decode.
//
// Every call takes any Buffer: one that is not a view of a slab (a small frame from Node's own pool, a copy, SRT's
// frames) is left alone, so callers need not know where a frame's bytes came from.

interface Slab {
  /** Holders: the reader cutting from it, each message or frame that keeps a view of it. */
  refs: number;
  pinned: boolean;
  readonly buf: Buffer;
}

export const MEDIA_SLAB_LIMITS = {
  /** Bytes per slab. */
  slabBytes: 256 * 1024,
  /** Free slabs kept for reuse, at most (64 MB); beyond that a released slab is left to the collector. */
  maxFreeSlabs: 256,
} as const;

export interface MediaSlabStats {
  /** Slabs allocated from the system. */
  allocated: number;
  /** Slabs taken from the pool instead. */
  reused: number;
  /** Slabs in the pool. */
  free: number;
  /** Slabs taken and not yet let go by every holder (a count that only grows would be a missed release). */
  inUse: number;
  /** Slabs that were pinned (left to the collector), in all. */
  pinned: number;
  /** Releases without a hold (a bug: should stay 0). */
  underflows: number;
}

export class MediaSlabPool {
  private readonly slabs = new WeakMap<ArrayBufferLike, Slab>();
  private readonly free: Slab[] = [];
  readonly stats: MediaSlabStats = { allocated: 0, reused: 0, free: 0, inUse: 0, pinned: 0, underflows: 0 };

  constructor(
    /** Fill released slabs with 0xEE (tests): a view read after its release no longer holds its frame. */
    public poison = false,
    readonly slabBytes: number = MEDIA_SLAB_LIMITS.slabBytes,
    private readonly maxFree: number = MEDIA_SLAB_LIMITS.maxFreeSlabs,
  ) {}

  /** A slab to cut from, held once by the caller (release it when no more is cut from it). */
  take(): Buffer {
    let s = this.free.pop();
    if (s) {
      this.stats.reused++;
      this.stats.free = this.free.length;
    } else {
      s = { refs: 0, pinned: false, buf: Buffer.allocUnsafeSlow(this.slabBytes) };
      this.slabs.set(s.buf.buffer, s);
      this.stats.allocated++;
    }
    s.refs = 1;
    s.pinned = false;
    this.stats.inUse++;
    return s.buf;
  }

  /** One more holder of `b`'s bytes (a no-op unless `b` is a view of a slab). */
  hold(b: Buffer): void {
    const s = this.slabs.get(b.buffer);
    if (s) s.refs++;
  }

  /** A holder of `b`'s bytes is done with them; the last one returns the slab to the pool (unless it is pinned). */
  release(b: Buffer): void {
    const s = this.slabs.get(b.buffer);
    if (!s) return;
    if (s.refs <= 0) {
      // A holder let go twice, so another's bytes may already have been reused: loud in tests, counted in service.
      this.stats.underflows++;
      if (this.poison) throw new Error('media slab released more often than held');
      return;
    }
    if (--s.refs > 0) return;
    this.stats.inUse--;
    if (s.pinned) return;
    if (this.free.length >= this.maxFree) {
      this.slabs.delete(s.buf.buffer);
      return;
    }
    if (this.poison) s.buf.fill(0xee);
    this.free.push(s);
    this.stats.free = this.free.length;
  }

  /** `b`'s bytes go where their end cannot be known: the slab is never reused. */
  pin(b: Buffer): void {
    const s = this.slabs.get(b.buffer);
    if (!s || s.pinned) return;
    s.pinned = true;
    this.stats.pinned++;
  }

  /** Whether `b` is a view of a slab that is currently in the pool, i.e. released (tests). */
  isReleased(b: Buffer): boolean {
    const s = this.slabs.get(b.buffer);
    return s !== undefined && s.refs === 0 && !s.pinned;
  }
}

/** The process's pool: every publisher's reader cuts from it (poisoning: config `media.poisonReleasedMedia`). */
export const mediaSlabs = new MediaSlabPool();

/**
 * Small buffers cut one after another from slabs, for bytes that live as long as the frames beside them: the fragment
 * headers of Low-Latency HLS parts. From Node's own pool each header would keep an 8 KB pool chunk for the seconds a
 * part is listed, long enough to be promoted: about a quarter of what reached the old generation at 32 streams
 * (`bench/gc-probe.ts --mode promoted`). The cutter holds only the slab it cuts from; whoever keeps a cut holds it
 * (hold, pin, release, as for a frame) before the next cut, since the cutter lets go of a full slab then.
 */
export class SlabCutter {
  private slab: Buffer | null = null;
  private used = 0;

  constructor(private readonly pool: MediaSlabPool = mediaSlabs) {}

  readonly cut = (size: number): Buffer => {
    // Larger than a header ever is: memory of its own, which hold and release leave alone.
    if (size > this.pool.slabBytes / 16) return Buffer.allocUnsafe(size);
    if (!this.slab || this.used + size > this.slab.length) {
      if (this.slab) this.pool.release(this.slab);
      this.slab = this.pool.take();
      this.used = 0;
    }
    const b = this.slab.subarray(this.used, this.used + size);
    this.used += size;
    return b;
  };
}
