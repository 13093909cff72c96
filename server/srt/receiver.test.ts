// The SRT wire format and the receiver, without sockets: handshake and stream id coding (libsrt's byte order),
// sequence arithmetic across the wrap, and the receiver's ACK, NAK, TSBPD delivery, too-late drop and DROPREQ on a
// clock the test drives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CTRL,
  HS_TYPE,
  SEQ_MAX,
  controlPacket,
  dataPacket,
  decodeStreamId,
  encodeHandshake,
  encodeStreamId,
  parseHandshake,
  parsePacket,
  seqDiff,
  seqNext,
  type ControlPacket,
  type DataPacket,
} from './packet.js';
import { SrtReceiver } from './receiver.js';
import { REJECT, SynCookies, readConclusion } from './handshake.js';

describe('SRT packets', () => {
  test('the stream id goes in 32-bit words with each word byte-reversed, as libsrt sends it', () => {
    const wire = encodeStreamId('abcdefg');
    assert.deepEqual([...wire], [0x64, 0x63, 0x62, 0x61, 0x00, 0x67, 0x66, 0x65]);
    assert.equal(decodeStreamId(wire), 'abcdefg');
    assert.equal(decodeStreamId(encodeStreamId('#!::r=live/key_1,m=publish')), '#!::r=live/key_1,m=publish');
  });

  test('handshake: encode and parse, extensions included; a truncated extension is refused', () => {
    const hs = {
      version: 5,
      encryption: 0,
      extension: 5,
      isn: 12345,
      mtu: 1500,
      flowWindow: 8192,
      type: HS_TYPE.conclusion,
      socketId: 777,
      cookie: 0xdeadbeef,
      peerIp: Buffer.alloc(16, 1),
      extensions: [
        { type: 1, body: Buffer.alloc(12, 2) },
        { type: 5, body: encodeStreamId('key') },
      ],
    };
    const cif = encodeHandshake(hs);
    assert.deepEqual(parseHandshake(cif), hs);
    assert.equal(parseHandshake(cif.subarray(0, cif.length - 2)), null);
    assert.equal(parseHandshake(Buffer.alloc(20)), null);
  });

  test('data and control headers; sequence numbers wrap at 2^31', () => {
    const d = parsePacket(dataPacket(SEQ_MAX, 3, 1000, 99, Buffer.from('ts'), true));
    assert.ok(d && !d.control);
    assert.deepEqual(
      { ...d.data, payload: d.data.payload.toString() },
      { seq: SEQ_MAX, retransmitted: true, encrypted: false, timestamp: 1000, destSocket: 99, payload: 'ts' },
    );
    const c = parsePacket(controlPacket(CTRL.ackack, 17, 5, 99));
    assert.ok(c && c.control && c.ctrl.type === CTRL.ackack && c.ctrl.info === 17);
    assert.equal(parsePacket(Buffer.alloc(15)), null);
    assert.equal(seqNext(SEQ_MAX), 0);
    assert.equal(seqDiff(SEQ_MAX, 2), 3);
    assert.equal(seqDiff(2, SEQ_MAX), -3);
  });

  test('a conclusion is read for HSv5, no encryption, live mode; the latency is the larger of ours and the sender’s', () => {
    const hsreq = (flags: number, sendDelay: number) => {
      const b = Buffer.alloc(12);
      b.writeUInt32BE(0x010501, 0);
      b.writeUInt32BE(flags, 4);
      b.writeUInt16BE(sendDelay, 10);
      return b;
    };
    const base = {
      version: 5,
      encryption: 0,
      extension: 5,
      isn: 1,
      mtu: 1500,
      flowWindow: 8192,
      type: HS_TYPE.conclusion,
      socketId: 1,
      cookie: 1,
      peerIp: Buffer.alloc(16),
    };
    const ok = readConclusion(
      {
        ...base,
        extensions: [
          { type: 1, body: hsreq(0x3f, 200) },
          { type: 5, body: encodeStreamId('k') },
        ],
      },
      120,
    );
    assert.ok(ok.ok && ok.value.latencyMs === 200 && ok.value.streamId === 'k');
    const low = readConclusion({ ...base, extensions: [{ type: 1, body: hsreq(0x3f, 20) }] }, 120);
    assert.ok(low.ok && low.value.latencyMs === 120);
    const crypt = readConclusion({ ...base, encryption: 2, extensions: [{ type: 1, body: hsreq(0x3f, 20) }] }, 120);
    assert.ok(!crypt.ok && crypt.code === REJECT.unsecure);
    const v4 = readConclusion({ ...base, version: 4, extensions: [] }, 120);
    assert.ok(!v4.ok && v4.code === REJECT.rogue);
    const fileMode = readConclusion({ ...base, extensions: [{ type: 1, body: hsreq(0x40 | 0x01, 0) }] }, 120);
    assert.ok(!fileMode.ok);
  });

  test('random datagrams parse to a packet or null, never an exception', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      if (i % 2) b[0] |= 0x80; // control packets, handshakes among them
      const p = parsePacket(b);
      if (p?.control) parseHandshake(p.ctrl.cif);
    }
  });

  test('SYN cookies depend on the address and port', () => {
    const c = new SynCookies(Buffer.alloc(32, 7));
    const cookie = c.make('10.0.0.1', 5000);
    assert.ok(c.check('10.0.0.1', 5000, cookie));
    assert.ok(!c.check('10.0.0.1', 5001, cookie));
    assert.ok(!c.check('10.0.0.2', 5000, cookie));
  });
});

describe('SRT receiver', () => {
  const ISN = SEQ_MAX - 2; // the test runs across the sequence wrap
  function harness(latencyMs = 100) {
    const sent: ControlPacket[] = [];
    const delivered: string[] = [];
    const lost: number[] = [];
    const r = new SrtReceiver({
      peerSocket: 9,
      isn: ISN,
      latencyMs,
      bufferPackets: 64,
      startUs: 0,
      send: (b) => {
        const p = parsePacket(b);
        if (p?.control) sent.push(p.ctrl);
      },
      deliver: (b) => delivered.push(b.toString()),
      lost: (n) => lost.push(n),
    });
    const data = (i: number, tsUs: number, retransmitted = false): DataPacket => ({
      seq: seqNext(ISN, i),
      retransmitted,
      encrypted: false,
      timestamp: tsUs,
      destSocket: 1,
      payload: Buffer.from(`p${i}`),
    });
    return { r, sent, delivered, lost, data };
  }
  const naks = (sent: ControlPacket[]) =>
    sent.filter((c) => c.type === CTRL.nak).map((c) => Array.from({ length: c.cif.length / 4 }, (_, i) => c.cif.readUInt32BE(i * 4)));

  test('in order: each packet delivered at its timestamp plus the latency, and acknowledged', () => {
    const { r, sent, delivered, data } = harness();
    r.onData(data(0, 0), 1_000_000);
    r.onData(data(1, 20_000), 1_020_000);
    r.tick(1_050_000);
    assert.deepEqual(delivered, [], 'held for the latency');
    const ack = sent.find((c) => c.type === CTRL.ack)!;
    assert.equal(ack.cif.readUInt32BE(0), seqNext(ISN, 2), 'ACK: the next sequence number expected');
    r.tick(1_100_000);
    assert.deepEqual(delivered, ['p0']);
    r.tick(1_120_000);
    assert.deepEqual(delivered, ['p0', 'p1']);
    // The ACKACK gives a round trip.
    r.onControl({ type: CTRL.ackack, subtype: 0, info: ack.info, timestamp: 0, destSocket: 0, cif: Buffer.alloc(0) }, 1_050_000 + 8_000);
    assert.ok(r.stats.rttMs < 100 && r.stats.rttMs > 8, `rtt ${r.stats.rttMs}`);
  });

  test('a gap: NAK at once and again periodically; the retransmission fills it and delivery stays in order', () => {
    const { r, sent, delivered, lost, data } = harness();
    r.onData(data(0, 0), 1_000_000);
    r.onData(data(3, 30_000), 1_030_000); // 1 and 2 missing, across the wrap
    assert.deepEqual(naks(sent), [[(0x80000000 | seqNext(ISN, 1)) >>> 0, seqNext(ISN, 2)]]);
    r.tick(1_030_000);
    r.tick(1_060_000);
    assert.ok(naks(sent).length >= 2, 'periodic NAK');
    r.onData(data(1, 10_000, true), 1_070_000);
    r.onData(data(2, 20_000, true), 1_071_000);
    r.tick(1_200_000);
    assert.deepEqual(delivered, ['p0', 'p1', 'p2', 'p3']);
    assert.deepEqual(lost, []);
    assert.equal(r.stats.retransmitted, 2);
  });

  test('too late: once the packet after a hole is due, the hole is given up on and delivery goes on', () => {
    const { r, delivered, lost, data } = harness();
    r.onData(data(0, 0), 1_000_000);
    r.onData(data(2, 20_000), 1_020_000);
    r.tick(1_110_000);
    assert.deepEqual(delivered, ['p0'], 'p2 not due yet: p1 may still come');
    r.tick(1_121_000);
    assert.deepEqual(delivered, ['p0', 'p2']);
    assert.deepEqual(lost, [1]);
    r.onData(data(1, 10_000, true), 1_122_000);
    r.tick(1_200_000);
    assert.deepEqual(delivered, ['p0', 'p2'], 'a belated packet is not delivered out of order');
  });

  test('DROPREQ: the sender gave up on a range; it is skipped without waiting', () => {
    const { r, delivered, lost, data } = harness();
    r.onData(data(0, 0), 1_000_000);
    r.onData(data(3, 30_000), 1_030_000);
    const cif = Buffer.alloc(8);
    cif.writeUInt32BE(seqNext(ISN, 1), 0);
    cif.writeUInt32BE(seqNext(ISN, 2), 4);
    r.onControl({ type: CTRL.dropreq, subtype: 0, info: 0, timestamp: 0, destSocket: 0, cif }, 1_031_000);
    r.tick(1_100_000);
    assert.deepEqual(delivered, ['p0']);
    r.tick(1_130_000);
    assert.deepEqual(delivered, ['p0', 'p3']);
    assert.deepEqual(lost, [1, 1]);
  });

  test('clock drift: a sender clock 0.1% slow does not eat the latency', () => {
    const sent: number[] = [];
    let now = 1_000_000;
    const arrivals = new Map<string, number>();
    const delays: number[] = [];
    const r = new SrtReceiver({
      peerSocket: 9,
      isn: 0,
      latencyMs: 100,
      bufferPackets: 1024,
      startUs: 0,
      send: () => sent.push(now),
      deliver: (b) => delays.push(now - arrivals.get(b.toString())!),
      lost: () => assert.fail('nothing is lost'),
    });
    for (let i = 0; i < 3000; i++) {
      // every 10 ms of our time; the sender's clock says 9.99 ms
      now = 1_000_000 + i * 10_000;
      arrivals.set(`p${i}`, now);
      r.onData(
        { seq: i, retransmitted: false, encrypted: false, timestamp: Math.round(i * 9_990), destSocket: 1, payload: Buffer.from(`p${i}`) },
        now,
      );
      r.tick(now);
      now += 5_000;
      r.tick(now);
    }
    // 30 s at 1000 ppm is 30 ms: uncorrected, the last packets would wait 70 ms; corrected, within a step of 100.
    const last = delays.slice(-100);
    assert.ok(Math.min(...last) >= 90_000, `delivery delay fell to ${Math.min(...last)} us`);
  });

  test('a sender a whole buffer ahead (a long outage): what is held goes out, the rest is given up on, delivery resumes', () => {
    const { r, delivered, lost, data } = harness();
    r.onData(data(0, 0), 1_000_000);
    r.onData(data(2, 20_000), 1_001_000);
    r.onData(data(100, 1_000_000), 2_000_000); // the buffer holds 64
    assert.deepEqual(delivered, ['p0', 'p2']);
    assert.deepEqual(lost, [1, 97]);
    r.onData(data(101, 1_010_000), 2_010_000);
    r.tick(2_200_000);
    assert.deepEqual(delivered, ['p0', 'p2', 'p100', 'p101']);
  });

  test('keepalive when idle; shutdown reported', () => {
    const { r, sent } = harness();
    r.tick(2_000_000);
    assert.ok(sent.some((c) => c.type === CTRL.keepalive));
    assert.equal(r.onControl({ type: CTRL.shutdown, subtype: 0, info: 0, timestamp: 0, destSocket: 0, cif: Buffer.alloc(4) }, 2_000_001), 'shutdown');
  });
});
