// RTMP chunk stream, the writing side: a message as a type-0 chunk and type-3 continuations, the header and body
// apart (a body is shared by every connection that sends the same frame: client.ts SharedChunks), and the protocol
// control messages. Separate from the reader (chunk.ts): the two share only the message type ids and the timestamp
// escape, and no state.

import { MSG, TS_ESCAPE } from './chunk.js';
import { TWO32 } from './timestamps.js';

export interface OutgoingMessage {
  csid: number;
  typeId: number;
  streamId: number;
  timestamp: number;
  payload: Buffer;
}

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid >= 2 && csid <= 63) return Buffer.from([(fmt << 6) | csid]);
  if (csid >= 64 && csid <= 319) return Buffer.from([fmt << 6, csid - 64]);
  if (csid >= 64 && csid <= 65599) return Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
  throw new RangeError(`chunk stream id ${csid} out of range`);
}

/** Serialise one message as a type-0 chunk followed by type-3 continuation chunks of at most `chunkSize` bytes. */
export function writeChunks(msg: OutgoingMessage, chunkSize: number): Buffer {
  const parts: Buffer[] = [messageHeader(msg, msg.payload.length)];
  bodyParts(parts, msg.payload, chunkSize, msg.csid, msg.timestamp);
  return Buffer.concat(parts);
}

/**
 * The type-0 header that starts a message of `length` payload bytes: basic header, message header, and the extended
 * timestamp when the timestamp needs one. writeChunks = this, then chunkBody.
 */
export function messageHeader(msg: Omit<OutgoingMessage, 'payload'>, length: number): Buffer {
  const ts = msg.timestamp % TWO32;
  const extended = ts >= TS_ESCAPE;
  const h0 = basicHeader(0, msg.csid);
  const mh = Buffer.allocUnsafe(h0.length + 11 + (extended ? 4 : 0));
  h0.copy(mh, 0);
  const p = h0.length;
  mh.writeUIntBE(extended ? TS_ESCAPE : ts, p, 3);
  mh.writeUIntBE(length, p + 3, 3);
  mh[p + 6] = msg.typeId;
  mh.writeUInt32LE(msg.streamId >>> 0, p + 7);
  if (extended) mh.writeUInt32BE(ts, p + 11);
  return mh;
}

/**
 * A message's bytes after its type-0 header, as the Buffers to write in order: the payload in chunks of at most
 * `chunkSize` (views of it, nothing copied), type-3 headers between them (each repeating the extended timestamp once
 * the timestamp needs one). They depend on the payload, chunk size and chunk stream id alone (and on the timestamp
 * only past 0xFFFFFF ms), so one list serves every connection that sends this payload with these: a channel's
 * restream destinations chunk each frame once (client.ts SharedChunks). Copying them into one Buffer per frame cost
 * more than the writes (a fresh allocation per frame, page faults and collections).
 */
export function chunkBody(payload: Buffer, chunkSize: number, csid: number, timestamp: number): Buffer[] {
  const parts: Buffer[] = [];
  bodyParts(parts, payload, chunkSize, csid, timestamp);
  return parts;
}

/** Whether chunkBody's bytes depend on the timestamp (past 0xFFFFFF ms, type-3 headers carry it). */
export function bodyNeedsTimestamp(timestamp: number): boolean {
  return timestamp % TWO32 >= TS_ESCAPE;
}

function bodyParts(parts: Buffer[], payload: Buffer, chunkSize: number, csid: number, timestamp: number): void {
  const ts = timestamp % TWO32;
  const h3 = basicHeader(3, csid);
  let ext3: Buffer | null = null;
  if (ts >= TS_ESCAPE) {
    ext3 = Buffer.allocUnsafe(4);
    ext3.writeUInt32BE(ts, 0);
  }
  const len = payload.length;
  let off = Math.min(chunkSize, len);
  parts.push(off === len ? payload : payload.subarray(0, off));
  while (off < len) {
    parts.push(h3);
    if (ext3) parts.push(ext3);
    const end = Math.min(off + chunkSize, len);
    parts.push(payload.subarray(off, end));
    off = end;
  }
}

// Protocol control messages (chunk stream 2, message stream 0).

function control(typeId: number, payload: Buffer): OutgoingMessage {
  return { csid: 2, typeId, streamId: 0, timestamp: 0, payload };
}

function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

export const control_ = {
  setChunkSize: (size: number) => control(MSG.setChunkSize, u32(size & 0x7fffffff)),
  ack: (sequence: number) => control(MSG.ack, u32(sequence)),
  windowAckSize: (size: number) => control(MSG.windowAckSize, u32(size)),
  /** limitType: 0 hard, 1 soft, 2 dynamic. */
  setPeerBandwidth: (size: number, limitType: 0 | 1 | 2) => control(MSG.setPeerBandwidth, Buffer.concat([u32(size), Buffer.from([limitType])])),
  userControl: (event: number, ...args: number[]) => {
    const b = Buffer.allocUnsafe(2 + 4 * args.length);
    b.writeUInt16BE(event, 0);
    args.forEach((a, i) => b.writeUInt32BE(a >>> 0, 2 + 4 * i));
    return control(MSG.userControl, b);
  },
};
export { control_ as controlMessages };
