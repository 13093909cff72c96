// RTMP chunk stream, the reading side: an incremental reader (any split of the input bytes), and the message type
// ids, errors and message shape both directions share (the writer is chunk-writer.ts).
//
// Reader: all four chunk header formats, 1/2/3-byte basic headers, extended timestamps (also on type-3 chunks,
// where some clients repeat them and some do not: we peek and accept both), timestamp deltas, Set Chunk Size and
// Abort handled in place (they change how the next bytes parse), and byte counting for acknowledgements.
// Limits on chunk size, message size, tracked chunk streams and bytes held in partial messages; a violation throws
// RtmpProtocolError, which the session turns into a closed connection.

import { MEDIA_SLAB_LIMITS, mediaSlabs } from '../media/media-slabs.js';

export const MSG = {
  setChunkSize: 1,
  abort: 2,
  ack: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf3: 15,
  sharedObjectAmf3: 16,
  commandAmf3: 17,
  dataAmf0: 18,
  sharedObjectAmf0: 19,
  commandAmf0: 20,
  aggregate: 22,
} as const;

export const USER_CONTROL = {
  streamBegin: 0,
  streamEof: 1,
  streamDry: 2,
  setBufferLength: 3,
  streamIsRecorded: 4,
  pingRequest: 6,
  pingResponse: 7,
} as const;

export class RtmpProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RtmpProtocolError';
  }
}

export interface RtmpMessage {
  csid: number;
  typeId: number;
  streamId: number;
  /** 32-bit timestamp as carried (absolute after applying deltas), not unwrapped. */
  timestamp: number;
  payload: Buffer;
}

export interface ChunkReaderLimits {
  /** Largest chunk size a peer may set. */
  maxChunkSize: number;
  /** Largest message length a header may announce. */
  maxMessageSize: number;
  /** Most distinct chunk stream ids tracked per connection. */
  maxChunkStreams: number;
  /** Most bytes held across all partially received messages. */
  maxPartialBytes: number;
}

export const DEFAULT_CHUNK_READER_LIMITS: ChunkReaderLimits = {
  maxChunkSize: 16 * 1024 * 1024,
  maxMessageSize: 8 * 1024 * 1024,
  maxChunkStreams: 64,
  maxPartialBytes: 16 * 1024 * 1024,
};

interface ChunkStreamState {
  timestamp: number;
  /** The timestamp field of the last header (delta for types 1/2, absolute for type 0); reused by type 3. */
  tsField: number;
  /** Whether the last header's timestamp field was the 0xFFFFFF escape (extended timestamp follows). */
  extended: boolean;
  length: number;
  typeId: number;
  streamId: number;
  parts: Buffer[];
  /** The whole message's buffer, filled chunk by chunk (one copy); null for large messages (kept as parts). */
  buf: Buffer | null;
  received: number;
}

/** Messages up to this size are assembled in one buffer allocated at their first chunk. */
const ASSEMBLE_IN_PLACE_MAX = 1024 * 1024;

/**
 * Frames are cut from slabs of the process's media pool (server/media/media-slabs.ts): one allocation per slab
 * instead of one ArrayBuffer per frame (Node pools only buffers under 4 KB; each larger one is a malloc, counted by
 * V8 as external memory, which drives major GCs), and a slab is reused once every holder of its frames let go.
 * Each message holds its slab while it is handed on (onMessage); whoever keeps its bytes longer holds it too.
 */
const SLAB_BYTES = MEDIA_SLAB_LIMITS.slabBytes;
/**
 * Below this (control messages), Node's own pool serves the allocation; audio frames (a few hundred bytes) come from
 * slabs too, since the parts keep them for seconds. Above SLAB_MAX, a message gets its own buffer.
 */
const SLAB_MIN = 256;
const SLAB_MAX = SLAB_BYTES / 2;

/** The 24-bit timestamp field's value that says an extended (32-bit) timestamp follows. */
export const TS_ESCAPE = 0xffffff;
const TWO32 = 0x1_0000_0000;

export interface ChunkReaderEvents {
  onMessage(msg: RtmpMessage): void;
  /**
   * The first chunk of a video message that spans several chunks has arrived: its timestamp and first two payload
   * bytes (enough to tell a keyframe). The message itself follows through onMessage once complete.
   */
  onVideoStart?(timestamp: number, b0: number, b1: number): void;
  /** Called when bytes received cross the acknowledgement window; `sequence` is the 32-bit byte count. */
  onAck?(sequence: number): void;
}

export class ChunkReader {
  chunkSize = 128;
  /** Window from the peer's Window Acknowledgement Size; 0 = do not acknowledge. */
  ackWindow = 0;
  bytesReceived = 0;
  private lastAcked = 0;
  private carry: Buffer | null = null;
  private readonly streams = new Map<number, ChunkStreamState>();
  private partialBytes = 0;
  /** Chunk stream currently receiving payload bytes, and how many remain in the current chunk. */
  private cur: ChunkStreamState | null = null;
  private curCsid = 0;
  private curLeft = 0;
  private failed: RtmpProtocolError | null = null;
  private slab: Buffer | null = null;
  private slabUsed = 0;

  constructor(
    private readonly limits: ChunkReaderLimits,
    private readonly events: ChunkReaderEvents,
    /**
     * Cut messages from the process's media pool: only for a consumer that holds what it keeps past onMessage (the
     * server's sessions, see media-slabs.ts). Otherwise each slab is this reader's own, left to the collector.
     */
    private readonly pooled = false,
  ) {}

  /**
   * Feed the first `length` bytes of `input` (a reused read buffer needs no slice per read). Throws
   * RtmpProtocolError on a violation; after that every push throws the same error.
   */
  push(input: Buffer, length = input.length): void {
    if (this.failed) throw this.failed;
    try {
      this.pushInner(input, length);
    } catch (e) {
      this.failed = e instanceof RtmpProtocolError ? e : new RtmpProtocolError('internal', String((e as Error)?.message ?? e));
      throw this.failed;
    }
  }

  private countBytes(n: number): void {
    this.bytesReceived += n;
    if (this.ackWindow > 0 && this.bytesReceived - this.lastAcked >= this.ackWindow) {
      this.lastAcked = this.bytesReceived;
      this.events.onAck?.(this.bytesReceived % TWO32);
    }
  }

  private pushInner(input: Buffer, length: number): void {
    this.countBytes(length);
    let data = input;
    let end = length;
    if (this.carry) {
      data = Buffer.concat([this.carry, input.subarray(0, length)]);
      end = data.length;
      this.carry = null;
    }
    let pos = 0;
    // Bounded: each iteration consumes at least one byte or returns.
    while (pos < end) {
      if (this.cur) {
        const take = Math.min(this.curLeft, end - pos);
        const st = this.cur;
        // Copy: the input buffer may be reused by the caller (and subarrays would pin large socket buffers).
        if (st.received === 0 && st.typeId === MSG.video && take >= 2 && take < st.length && this.events.onVideoStart) {
          this.events.onVideoStart(st.timestamp, data[pos], data[pos + 1]);
        }
        if (st.received === 0 && st.length <= ASSEMBLE_IN_PLACE_MAX) {
          st.buf = this.allocMessage(st.length);
          this.partialBytes += st.length; // the whole allocation counts against the limit, not just bytes seen
        }
        if (st.buf) {
          data.copy(st.buf, st.received, pos, pos + take);
        } else {
          st.parts.push(Buffer.from(data.subarray(pos, pos + take)));
          this.partialBytes += take;
        }
        st.received += take;
        if (this.partialBytes > this.limits.maxPartialBytes) {
          throw new RtmpProtocolError('too_much_partial', 'too many bytes held in partial messages');
        }
        this.curLeft -= take;
        pos += take;
        if (this.curLeft === 0) {
          this.cur = null;
          if (st.received === st.length) this.finishMessage(this.curCsid, st);
        }
        continue;
      }
      const used = this.parseHeader(data, pos, end);
      if (used === 0) {
        this.carry = Buffer.from(data.subarray(pos, end));
        return;
      }
      pos += used;
    }
  }

  private allocMessage(n: number): Buffer {
    if (n < SLAB_MIN || n > SLAB_MAX) return Buffer.allocUnsafe(n);
    if (!this.slab || this.slabUsed + n > SLAB_BYTES) {
      if (this.slab) mediaSlabs.release(this.slab);
      this.slab = this.pooled ? mediaSlabs.take() : Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const buf = this.slab.subarray(this.slabUsed, this.slabUsed + n);
    mediaSlabs.hold(buf); // the message's own hold, let go once it has been handed on
    this.slabUsed += (n + 7) & ~7; // keep slices 8-byte aligned
    return buf;
  }

  /** The connection is gone: the slab being cut and the partial messages are let go. */
  dispose(): void {
    for (const st of this.streams.values()) if (st.buf) this.dropPartial(st);
    if (this.slab) mediaSlabs.release(this.slab);
    this.slab = null;
  }

  /** Parse one chunk header at `pos` (input ends at `end`); returns bytes consumed, or 0 when more input is needed. */
  private parseHeader(data: Buffer, pos: number, end: number): number {
    const avail = end - pos;
    let p = pos;
    const b0 = data[p];
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    if (csid === 0) {
      if (avail < 2) return 0;
      csid = 64 + data[p + 1];
      p += 2;
    } else if (csid === 1) {
      if (avail < 3) return 0;
      csid = 64 + data[p + 1] + data[p + 2] * 256;
      p += 3;
    } else {
      p += 1;
    }
    const mhLen = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (end - p < mhLen) return 0;

    let st = this.streams.get(csid);
    if (!st) {
      if (fmt !== 0) throw new RtmpProtocolError('bad_chunk', `chunk type ${fmt} on new chunk stream ${csid}`);
      if (this.streams.size >= this.limits.maxChunkStreams) {
        throw new RtmpProtocolError('too_many_chunk_streams', 'too many chunk streams');
      }
    }

    const inMessage = st !== undefined && st.received > 0 && st.received < st.length;
    let tsField = 0;
    let length = st?.length ?? 0;
    let typeId = st?.typeId ?? 0;
    let streamId = st?.streamId ?? 0;
    if (fmt <= 2) {
      tsField = data.readUIntBE(p, 3);
      if (fmt <= 1) {
        length = data.readUIntBE(p + 3, 3);
        typeId = data[p + 6];
      }
      if (fmt === 0) streamId = data.readUInt32LE(p + 7);
    }
    p += mhLen;

    const extended = fmt <= 2 ? tsField === TS_ESCAPE : (st?.extended ?? false);
    if (extended) {
      if (end - p < 4) return 0;
      const ext = data.readUInt32BE(p);
      if (fmt <= 2) {
        tsField = ext;
        p += 4;
      } else if (st && ext === st.tsField) {
        // Type 3 repeating the extended timestamp (spec behaviour). Clients that omit it (older librtmp, some
        // encoders) send payload here instead: it differs from the stored value and is left in place.
        p += 4;
      }
    }

    if (fmt !== 0 && !st) throw new RtmpProtocolError('bad_chunk', 'missing full header');
    if (!st) {
      st = {
        timestamp: 0,
        tsField: 0,
        extended: false,
        length: 0,
        typeId: 0,
        streamId: 0,
        parts: [],
        buf: null,
        received: 0,
      };
      this.streams.set(csid, st);
    }

    if (inMessage) {
      if (fmt !== 3) {
        // A new header in the middle of a message: the partial message is abandoned (as after an Abort).
        this.dropPartial(st);
      }
    }
    const continuing = fmt === 3 && st.received > 0 && st.received < st.length;
    if (!continuing) {
      if (length > this.limits.maxMessageSize) {
        throw new RtmpProtocolError('message_too_large', `message of ${length} bytes exceeds the limit`);
      }
      if (fmt <= 2) {
        st.tsField = tsField;
        st.extended = extended;
      }
      if (fmt === 0) st.timestamp = tsField;
      else st.timestamp = (st.timestamp + st.tsField) % TWO32;
      st.length = length;
      st.typeId = typeId;
      st.streamId = streamId;
      st.parts = [];
      st.buf = null;
      st.received = 0;
      if (length === 0) {
        // Zero-length messages have no payload chunk; deliver at once.
        this.finishMessage(csid, st);
        return p - pos;
      }
    }
    this.cur = st;
    this.curCsid = csid;
    this.curLeft = Math.min(this.chunkSize, st.length - st.received);
    return p - pos;
  }

  private dropPartial(st: ChunkStreamState): void {
    this.partialBytes -= st.buf ? st.buf.length : st.received;
    if (st.buf) mediaSlabs.release(st.buf);
    st.parts = [];
    st.buf = null;
    st.received = 0;
    st.length = 0;
  }

  private finishMessage(csid: number, st: ChunkStreamState): void {
    const payload = st.buf ?? (st.parts.length === 1 ? st.parts[0] : Buffer.concat(st.parts, st.received));
    this.partialBytes -= st.buf ? st.buf.length : st.received;
    st.buf = null;
    st.parts = [];
    st.received = 0;
    try {
      this.deliver({ csid, typeId: st.typeId, streamId: st.streamId, timestamp: st.timestamp, payload }, st);
    } finally {
      mediaSlabs.release(payload); // the message's hold (allocMessage); holders that keep its bytes took their own
    }
  }

  private deliver(msg: RtmpMessage, st: ChunkStreamState): void {
    const { payload } = msg;
    // Keep `length` so that a following type-3 chunk starts a new message of the same length.
    if (msg.typeId === MSG.setChunkSize && msg.streamId === 0) {
      if (payload.length < 4) throw new RtmpProtocolError('bad_control', 'short Set Chunk Size');
      const size = payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1) throw new RtmpProtocolError('bad_chunk_size', 'chunk size 0');
      if (size > this.limits.maxChunkSize) throw new RtmpProtocolError('bad_chunk_size', `chunk size ${size} exceeds the limit`);
      this.chunkSize = size;
      return;
    }
    if (msg.typeId === MSG.abort && msg.streamId === 0) {
      if (payload.length < 4) throw new RtmpProtocolError('bad_control', 'short Abort');
      const target = this.streams.get(payload.readUInt32BE(0));
      if (target && target !== st) this.dropPartial(target);
      return;
    }
    this.events.onMessage(msg);
  }
}
