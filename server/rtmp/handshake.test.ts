import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { respondToClientHello, HANDSHAKE_SIZE } from './handshake.js';

// Independent of handshake.ts: the keys and layout written out again from the published descriptions.
const tail = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
const FP = Buffer.from('Genuine Adobe Flash Player 001', 'latin1');
const FMS = Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1');
const hmac = (key: Buffer, ...d: Buffer[]) => {
  const h = createHmac('sha256', key);
  d.forEach((x) => h.update(x));
  return h.digest();
};
const offsetOf = (b: Buffer, base: number) => ((b[base] + b[base + 1] + b[base + 2] + b[base + 3]) % 728) + base + 4;

function digestC1(scheme: 0 | 1): { c0c1: Buffer; digest: Buffer } {
  const c1 = randomBytes(HANDSHAKE_SIZE);
  c1.writeUInt32BE(0, 0);
  c1.set([0x80, 0x00, 0x07, 0x02], 4); // a Flash Player version
  const off = offsetOf(c1, scheme === 0 ? 8 : 772);
  const digest = hmac(FP, c1.subarray(0, off), c1.subarray(off + 32));
  digest.copy(c1, off);
  return { c0c1: Buffer.concat([Buffer.from([3]), c1]), digest };
}

for (const scheme of [0, 1] as const) {
  test(`digest handshake, scheme ${scheme} (digest at ${scheme === 0 ? 8 : 772}): S1 and S2 verify`, () => {
    const { c0c1, digest } = digestC1(scheme);
    const r = respondToClientHello(c0c1);
    assert.ok(!('error' in r));
    assert.equal(r.form, 'digest');
    assert.equal(r.reply.length, 1 + 2 * HANDSHAKE_SIZE);
    assert.equal(r.reply[0], 3);
    const s1 = r.reply.subarray(1, 1 + HANDSHAKE_SIZE);
    const s2 = r.reply.subarray(1 + HANDSHAKE_SIZE);
    assert.ok(s1[4] >= 3, 'S1 names a server version, so clients verify');
    // S1 digest with the 36-byte FMS key, at the same scheme's offset (ffmpeg checks 772 first, then 8).
    const off = offsetOf(s1, scheme === 0 ? 8 : 772);
    assert.deepEqual(s1.subarray(off, off + 32), hmac(FMS, s1.subarray(0, off), s1.subarray(off + 32)));
    // S2 signature: HMAC(HMAC(full FMS key, client digest), S2[0..1504]).
    const key = hmac(Buffer.concat([FMS, tail]), digest);
    assert.deepEqual(s2.subarray(1504), hmac(key, s2.subarray(0, 1504)));
    // A corrupted S2 would not verify (the check can fail).
    const bad = Buffer.from(s2);
    bad[0] ^= 1;
    assert.notDeepEqual(bad.subarray(1504), hmac(key, bad.subarray(0, 1504)));
  });
}

test('plain handshake: S1 has zero version, S2 echoes C1 byte for byte (librtmp compares all of it)', () => {
  const c1 = randomBytes(HANDSHAKE_SIZE);
  c1.writeUInt32BE(0, 4); // version 0: plain
  const r = respondToClientHello(Buffer.concat([Buffer.from([3]), c1]), 12345);
  assert.ok(!('error' in r));
  assert.equal(r.form, 'plain');
  const s1 = r.reply.subarray(1, 1 + HANDSHAKE_SIZE);
  const s2 = r.reply.subarray(1 + HANDSHAKE_SIZE);
  assert.equal(s1.readUInt32BE(0), 12345);
  assert.equal(s1.readUInt32BE(4), 0);
  assert.ok(s2.equals(c1), 'S2 is C1, time2 included');
});

test('a non-zero version without a valid digest falls back to plain', () => {
  const c1 = randomBytes(HANDSHAKE_SIZE);
  c1.set([9, 0, 124, 2], 4);
  const r = respondToClientHello(Buffer.concat([Buffer.from([3]), c1]));
  assert.ok(!('error' in r) && r.form === 'plain');
});

test('wrong version or length is an error, not a throw', () => {
  const c1 = randomBytes(HANDSHAKE_SIZE);
  for (const v of [0, 6, 0xff]) {
    const r = respondToClientHello(Buffer.concat([Buffer.from([v]), c1]));
    assert.ok('error' in r, `version ${v}`);
  }
  assert.ok('error' in respondToClientHello(Buffer.alloc(10)));
});
