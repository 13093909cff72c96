// SRT packets on the wire (draft-sharabayko-srt, section 3): the 16-byte header of data and control packets, the
// handshake's control information field with its extensions, and the control packets a receiver sends (ACK, NAK,
// keepalive, shutdown, handshake replies). Pure functions over buffers; parse* returns null for what is malformed.

export const HEADER_BYTES = 16;
/** Sequence numbers are 31 bits and wrap. */
export const SEQ_MAX = 0x7fffffff;

export const CTRL = {
  handshake: 0,
  keepalive: 1,
  ack: 2,
  nak: 3,
  congestion: 4,
  shutdown: 5,
  ackack: 6,
  dropreq: 7,
  peerError: 8,
} as const;

export const HS_TYPE = { induction: 1, conclusion: 0xffffffff, waveahand: 0, agreement: 0xfffffffe } as const;
/** The extension field of an HSv5 induction reply: the listener speaks HSv5. */
export const SRT_MAGIC = 0x4a17;
/** Extension flags in a conclusion's extension field. */
export const HS_EXT = { hsreq: 1, kmreq: 2, config: 4 } as const;
/** Handshake extension block types. */
export const EXT = { hsreq: 1, hsrsp: 2, kmreq: 3, kmrsp: 4, sid: 5, congestion: 6, filter: 7, group: 8 } as const;
/** SRT flags of the HSREQ/HSRSP block. */
export const SRT_FLAG = {
  tsbpdSnd: 0x01,
  tsbpdRcv: 0x02,
  crypt: 0x04,
  tlpktDrop: 0x08,
  periodicNak: 0x10,
  rexmit: 0x20,
  stream: 0x40,
  packetFilter: 0x80,
} as const;

export interface DataPacket {
  seq: number;
  /** Retransmitted (the R flag, meaningful when the peer announced REXMITFLG). */
  retransmitted: boolean;
  /** Encrypted (KK flags non-zero): we offer no encryption, so such a packet is unusable. */
  encrypted: boolean;
  /** Microseconds on the sender's clock since its connection started (wraps at 2^32). */
  timestamp: number;
  destSocket: number;
  payload: Buffer;
}

export interface ControlPacket {
  type: number;
  subtype: number;
  /** Type-specific information (the ACK number of ACK/ACKACK). */
  info: number;
  timestamp: number;
  destSocket: number;
  cif: Buffer;
}

export type Packet = { control: false; data: DataPacket } | { control: true; ctrl: ControlPacket };

export function parsePacket(b: Buffer): Packet | null {
  if (b.length < HEADER_BYTES) return null;
  const w0 = b.readUInt32BE(0);
  const w1 = b.readUInt32BE(4);
  const timestamp = b.readUInt32BE(8);
  const destSocket = b.readUInt32BE(12);
  if (w0 & 0x80000000) {
    return {
      control: true,
      ctrl: { type: (w0 >>> 16) & 0x7fff, subtype: w0 & 0xffff, info: w1, timestamp, destSocket, cif: b.subarray(HEADER_BYTES) },
    };
  }
  return {
    control: false,
    data: {
      seq: w0,
      retransmitted: (w1 & 0x04000000) !== 0,
      encrypted: (w1 & 0x18000000) !== 0,
      timestamp,
      destSocket,
      payload: b.subarray(HEADER_BYTES),
    },
  };
}

export function controlPacket(type: number, info: number, timestamp: number, destSocket: number, cif?: Buffer): Buffer {
  const b = Buffer.alloc(HEADER_BYTES + (cif?.length ?? 0));
  b.writeUInt32BE((0x80000000 | (type << 16)) >>> 0, 0);
  b.writeUInt32BE(info >>> 0, 4);
  b.writeUInt32BE(timestamp >>> 0, 8);
  b.writeUInt32BE(destSocket >>> 0, 12);
  if (cif) cif.copy(b, HEADER_BYTES);
  return b;
}

/** A data packet (tests, and a caller in the benchmark): solo message position, in order. */
export function dataPacket(seq: number, msgno: number, timestamp: number, destSocket: number, payload: Buffer, retransmitted = false): Buffer {
  const b = Buffer.alloc(HEADER_BYTES + payload.length);
  b.writeUInt32BE(seq & SEQ_MAX, 0);
  b.writeUInt32BE((0xc0000000 | (retransmitted ? 0x04000000 : 0) | (msgno & 0x03ffffff)) >>> 0, 4);
  b.writeUInt32BE(timestamp >>> 0, 8);
  b.writeUInt32BE(destSocket >>> 0, 12);
  payload.copy(b, HEADER_BYTES);
  return b;
}

// ---------------------------------------------------------------- sequence arithmetic (31-bit, wrapping)

export function seqNext(s: number, n = 1): number {
  return (s + n) & SEQ_MAX;
}

/** b - a, in (-2^30, 2^30]: positive when b is after a. */
export function seqDiff(a: number, b: number): number {
  let d = (b - a) & SEQ_MAX;
  if (d > 0x3fffffff) d -= 0x80000000;
  return d;
}

// ---------------------------------------------------------------- handshake

export const HANDSHAKE_CIF_BYTES = 48;

export interface Handshake {
  version: number;
  encryption: number;
  extension: number;
  isn: number;
  mtu: number;
  flowWindow: number;
  type: number;
  socketId: number;
  cookie: number;
  /** The 16 bytes of the Peer IP Address field, as sent. */
  peerIp: Buffer;
  extensions: Array<{ type: number; body: Buffer }>;
}

export function parseHandshake(cif: Buffer): Handshake | null {
  if (cif.length < HANDSHAKE_CIF_BYTES) return null;
  const extensions: Handshake['extensions'] = [];
  let p = HANDSHAKE_CIF_BYTES;
  // At most a handful of blocks exist (HSREQ, KMREQ, SID, congestion, filter, group): more is garbage.
  while (p + 4 <= cif.length && extensions.length < 16) {
    const type = cif.readUInt16BE(p);
    const len = cif.readUInt16BE(p + 2) * 4;
    if (p + 4 + len > cif.length) return null;
    extensions.push({ type, body: cif.subarray(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return {
    version: cif.readUInt32BE(0),
    encryption: cif.readUInt16BE(4),
    extension: cif.readUInt16BE(6),
    isn: cif.readUInt32BE(8) & SEQ_MAX,
    mtu: cif.readUInt32BE(12),
    flowWindow: cif.readUInt32BE(16),
    type: cif.readUInt32BE(20),
    socketId: cif.readUInt32BE(24),
    cookie: cif.readUInt32BE(28),
    peerIp: Buffer.from(cif.subarray(32, 48)),
    extensions,
  };
}

export function encodeHandshake(h: Handshake): Buffer {
  const extBytes = h.extensions.reduce((n, e) => n + 4 + e.body.length, 0);
  const b = Buffer.alloc(HANDSHAKE_CIF_BYTES + extBytes);
  b.writeUInt32BE(h.version >>> 0, 0);
  b.writeUInt16BE(h.encryption, 4);
  b.writeUInt16BE(h.extension, 6);
  b.writeUInt32BE(h.isn >>> 0, 8);
  b.writeUInt32BE(h.mtu >>> 0, 12);
  b.writeUInt32BE(h.flowWindow >>> 0, 16);
  b.writeUInt32BE(h.type >>> 0, 20);
  b.writeUInt32BE(h.socketId >>> 0, 24);
  b.writeUInt32BE(h.cookie >>> 0, 28);
  h.peerIp.copy(b, 32, 0, 16);
  let p = HANDSHAKE_CIF_BYTES;
  for (const e of h.extensions) {
    b.writeUInt16BE(e.type, p);
    b.writeUInt16BE(e.body.length / 4, p + 2);
    e.body.copy(b, p + 4);
    p += 4 + e.body.length;
  }
  return b;
}

/** The HSREQ / HSRSP block: SRT version, flags, receiver and sender TSBPD delays (ms). */
export interface SrtHsExt {
  version: number;
  flags: number;
  recvDelayMs: number;
  sendDelayMs: number;
}

export function parseHsExt(body: Buffer): SrtHsExt | null {
  if (body.length < 12) return null;
  return { version: body.readUInt32BE(0), flags: body.readUInt32BE(4), recvDelayMs: body.readUInt16BE(8), sendDelayMs: body.readUInt16BE(10) };
}

export function encodeHsExt(x: SrtHsExt): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(x.version >>> 0, 0);
  b.writeUInt32BE(x.flags >>> 0, 4);
  b.writeUInt16BE(x.recvDelayMs & 0xffff, 8);
  b.writeUInt16BE(x.sendDelayMs & 0xffff, 10);
  return b;
}

/**
 * The Stream ID block: libsrt sends the string in 32-bit words with the bytes of each word reversed (it converts a
 * little-endian word array to network order), padded with zeros.
 */
export function decodeStreamId(body: Buffer): string {
  const b = Buffer.from(body.subarray(0, body.length - (body.length % 4)));
  b.swap32();
  const end = b.indexOf(0);
  return b.toString('utf8', 0, end === -1 ? b.length : end);
}

export function encodeStreamId(s: string): Buffer {
  const raw = Buffer.from(s, 'utf8');
  const b = Buffer.alloc(Math.ceil(raw.length / 4) * 4);
  raw.copy(b);
  return b.swap32();
}

// ---------------------------------------------------------------- receiver's control packets

/** A full ACK: the next sequence number expected, RTT and variance (us), buffer (packets), rates. */
export function ackPacket(
  ackNo: number,
  timestamp: number,
  destSocket: number,
  f: { lastAck: number; rttUs: number; rttVarUs: number; bufferPackets: number; packetsPerSec: number; capacity: number; bytesPerSec: number },
): Buffer {
  const cif = Buffer.alloc(28);
  cif.writeUInt32BE(f.lastAck & SEQ_MAX, 0);
  cif.writeUInt32BE(f.rttUs >>> 0, 4);
  cif.writeUInt32BE(f.rttVarUs >>> 0, 8);
  cif.writeUInt32BE(Math.max(2, f.bufferPackets) >>> 0, 12);
  cif.writeUInt32BE(f.packetsPerSec >>> 0, 16);
  cif.writeUInt32BE(f.capacity >>> 0, 20);
  cif.writeUInt32BE(f.bytesPerSec >>> 0, 24);
  return controlPacket(CTRL.ack, ackNo, timestamp, destSocket, cif);
}

/** A NAK: the loss list, as single numbers or [first | 0x80000000, last] ranges. */
export function nakPacket(timestamp: number, destSocket: number, ranges: ReadonlyArray<readonly [number, number]>): Buffer {
  const words: number[] = [];
  for (const [a, b] of ranges) {
    if (a === b) words.push(a & SEQ_MAX);
    else words.push((0x80000000 | a) >>> 0, b & SEQ_MAX);
  }
  const cif = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => cif.writeUInt32BE(w, i * 4));
  return controlPacket(CTRL.nak, 0, timestamp, destSocket, cif);
}

/** The DROPREQ's CIF: the first and last sequence numbers the sender gave up on. */
export function parseDropRequest(cif: Buffer): { first: number; last: number } | null {
  if (cif.length < 8) return null;
  return { first: cif.readUInt32BE(0) & SEQ_MAX, last: cif.readUInt32BE(4) & SEQ_MAX };
}
