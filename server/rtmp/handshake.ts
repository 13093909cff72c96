// RTMP handshake, server side. C0 (version byte) + C1 (1536 bytes) -> S0 + S1 + S2; then C2 (1536 bytes).
//
// Two forms:
//  - plain (RTMP 1.0 spec): S1 is our time + zeros + random, S2 is an exact copy of C1;
//  - digest ("complex", Flash Player 9+): C1 carries an HMAC-SHA256 digest keyed with the Flash Player key at an
//    offset computed from four bytes either at 8 (scheme 0) or at 772 (scheme 1). We answer with an S1 carrying a
//    digest keyed with the Flash Media Server key (same scheme), and an S2 whose last 32 bytes are
//    HMAC(HMAC(fullFmsKey, clientDigest), S2[0..1504]). Clients that check (ffmpeg when playing, Flash) need this.

import { createHmac, randomBytes } from 'node:crypto';

export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;
const DIGEST_SIZE = 32;

const KEY_TAIL = Buffer.from([
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab,
  0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
]);
/** "Genuine Adobe Flash Player 001" + 32 constant bytes; clients sign C1 with the first 30 bytes. */
export const FP_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001', 'latin1'), KEY_TAIL]);
/** "Genuine Adobe Flash Media Server 001" + 32 constant bytes; servers sign S1 with the first 36 bytes. */
export const FMS_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'), KEY_TAIL]);
export const FP_KEY_PARTIAL = FP_KEY.subarray(0, 30);
export const FMS_KEY_PARTIAL = FMS_KEY.subarray(0, 36);

/** Server version written in S1 bytes 4..7 of a digest response (a non-zero version tells clients to verify). */
const SERVER_VERSION = Buffer.from([0x0d, 0x0e, 0x0a, 0x0d]);

export type DigestScheme = 0 | 1;

export function hmacSha256(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const d of data) h.update(d);
  return h.digest();
}

/** Offset of the 32-byte digest inside a 1536-byte C1/S1 for the given scheme. */
export function digestOffset(block: Buffer, scheme: DigestScheme): number {
  const base = scheme === 0 ? 8 : 772;
  const sum = block[base] + block[base + 1] + block[base + 2] + block[base + 3];
  return (sum % 728) + base + 4;
}

/** HMAC over the block with the 32 digest bytes at `offset` left out. */
export function blockDigest(block: Buffer, offset: number, key: Buffer): Buffer {
  return hmacSha256(key, block.subarray(0, offset), block.subarray(offset + DIGEST_SIZE));
}

/** Look for a valid client digest; returns its scheme and the digest bytes, or null for a plain handshake. */
export function findClientDigest(c1: Buffer): { scheme: DigestScheme; digest: Buffer } | null {
  if (c1.length !== HANDSHAKE_SIZE) return null;
  for (const scheme of [0, 1] as const) {
    const off = digestOffset(c1, scheme);
    const expected = blockDigest(c1, off, FP_KEY_PARTIAL);
    if (expected.equals(c1.subarray(off, off + DIGEST_SIZE))) return { scheme, digest: Buffer.from(expected) };
  }
  return null;
}

/** Write a digest into `block` (1536 bytes) in place, using `key` and the given scheme. */
export function imprintDigest(block: Buffer, scheme: DigestScheme, key: Buffer): Buffer {
  const off = digestOffset(block, scheme);
  const d = blockDigest(block, off, key);
  d.copy(block, off);
  return d;
}

export interface HandshakeResponse {
  /** S0 + S1 + S2, 3073 bytes. */
  reply: Buffer;
  /** Which form we answered with. */
  form: 'plain' | 'digest';
}

/**
 * Build S0+S1+S2 for a C0+C1 of exactly 1537 bytes. Returns an error string instead of throwing when C0 names a
 * version we do not speak (RTMPE's 6 included).
 */
export function respondToClientHello(c0c1: Buffer, nowMs: number = Date.now()): HandshakeResponse | { error: string } {
  if (c0c1.length !== 1 + HANDSHAKE_SIZE) return { error: 'handshake: wrong C0+C1 length' };
  const version = c0c1[0];
  if (version !== RTMP_VERSION) return { error: `handshake: unsupported RTMP version ${version}` };
  const c1 = c0c1.subarray(1);
  const time = Buffer.allocUnsafe(4);
  time.writeUInt32BE(nowMs >>> 0, 0);

  // A digest handshake is only attempted when C1 names a client version (bytes 4..7 non-zero).
  const clientVersion = c1.readUInt32BE(4);
  const found = clientVersion !== 0 ? findClientDigest(c1) : null;

  const s0 = Buffer.from([RTMP_VERSION]);
  const s1 = randomBytes(HANDSHAKE_SIZE);
  time.copy(s1, 0);
  if (!found) {
    s1.fill(0, 4, 8);
    // S2 echoes C1 byte for byte: librtmp (OBS) compares all 1536 bytes ("client signature does not match!").
    const s2 = Buffer.from(c1);
    return { reply: Buffer.concat([s0, s1, s2]), form: 'plain' };
  }
  SERVER_VERSION.copy(s1, 4);
  imprintDigest(s1, found.scheme, FMS_KEY_PARTIAL);
  const s2 = randomBytes(HANDSHAKE_SIZE);
  const key = hmacSha256(FMS_KEY, found.digest);
  const sig = hmacSha256(key, s2.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE));
  sig.copy(s2, HANDSHAKE_SIZE - DIGEST_SIZE);
  return { reply: Buffer.concat([s0, s1, s2]), form: 'digest' };
}
