import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkReader, DEFAULT_CHUNK_READER_LIMITS, MSG, RtmpProtocolError, type RtmpMessage } from './chunk.js';
import { writeChunks, controlMessages } from './chunk-writer.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function reader(limits = DEFAULT_CHUNK_READER_LIMITS) {
  const out: RtmpMessage[] = [];
  const acks: number[] = [];
  const r = new ChunkReader(limits, { onMessage: (m) => out.push(m), onAck: (s) => acks.push(s) });
  return { r, out, acks };
}

/** Feed `bytes` split at every possible position (and byte by byte), expecting the same messages each time. */
function feedAllSplits(bytes: Buffer, check: (msgs: RtmpMessage[]) => void): void {
  for (let cut = 0; cut <= bytes.length; cut++) {
    const { r, out } = reader();
    r.push(bytes.subarray(0, cut));
    r.push(bytes.subarray(cut));
    check(out);
  }
  const { r, out } = reader();
  for (let i = 0; i < bytes.length; i++) r.push(bytes.subarray(i, i + 1));
  check(out);
}

const simpl = (m: RtmpMessage) => ({ csid: m.csid, type: m.typeId, sid: m.streamId, ts: m.timestamp, p: m.payload.toString('hex') });

test('all four header formats with timestamp deltas, split at every byte', () => {
  // csid 4: fmt0 ts=1000 len=2 type=9 sid=1 | fmt1 delta=40 len=1 type=8 | fmt2 delta=20 | fmt3 (reuses delta 20, len 1)
  const bytes = hex(`
    04 0003e8 000002 09 01000000 aabb
    44 000028 000001 08 cc
    84 000014 dd
    c4 ee`);
  feedAllSplits(bytes, (out) => {
    assert.deepEqual(out.map(simpl), [
      { csid: 4, type: 9, sid: 1, ts: 1000, p: 'aabb' },
      { csid: 4, type: 8, sid: 1, ts: 1040, p: 'cc' },
      { csid: 4, type: 8, sid: 1, ts: 1060, p: 'dd' },
      { csid: 4, type: 8, sid: 1, ts: 1080, p: 'ee' },
    ]);
  });
});

test('a message longer than the chunk size continues in type-3 chunks; 2- and 3-byte basic headers', () => {
  const payload = Buffer.alloc(300, 7);
  for (const csid of [3, 64, 319, 320, 65599]) {
    const bytes = writeChunks({ csid, typeId: 9, streamId: 1, timestamp: 5, payload }, 128);
    feedAllSplits(bytes.length < 400 ? bytes : bytes, (out) => {
      assert.equal(out.length, 1);
      assert.equal(out[0].csid, csid);
      assert.deepEqual(out[0].payload, payload);
    });
  }
});

test('extended timestamps: type 0 and type 3 continuations, with and without the repeated field', () => {
  const ts = 0x01234567;
  // Spec behaviour (our writer): continuation chunks repeat the extended timestamp.
  const payload = Buffer.from(Array.from({ length: 200 }, (_, i) => i & 0xff));
  const spec = writeChunks({ csid: 6, typeId: 9, streamId: 1, timestamp: ts, payload }, 128);
  feedAllSplits(spec, (out) => {
    assert.equal(out.length, 1);
    assert.equal(out[0].timestamp, ts);
    assert.deepEqual(out[0].payload, payload);
  });
  // Other behaviour: the continuation chunk omits it.
  const omit = Buffer.concat([hex('06 ffffff 0000c8 09 01000000 01234567'), payload.subarray(0, 128), hex('c6'), payload.subarray(128)]);
  feedAllSplits(omit, (out) => {
    assert.equal(out.length, 1);
    assert.equal(out[0].timestamp, ts);
    assert.deepEqual(out[0].payload, payload);
  });
  // Extended delta on type 1, then a type-3 new message reusing it.
  const ext1 = hex('06 000001 000001 08 01000000 aa 46 ffffff 000001 08 01000000 bb c6 01000000 cc');
  feedAllSplits(ext1, (out) => {
    assert.deepEqual(
      out.map((m) => m.timestamp),
      [1, 1 + 0x01000000, 1 + 2 * 0x01000000],
    );
  });
});

test('timestamps wrap at 2^32 in the reader (the session unwraps)', () => {
  const { r, out } = reader();
  r.push(hex('04 ffffff 000001 09 01000000 fffffff0 aa 84 000020 bb'));
  assert.deepEqual(
    out.map((m) => m.timestamp),
    [0xfffffff0, 0x10],
  );
});

test('Set Chunk Size applies to the next chunk in the same input; Abort drops a partial message', () => {
  const big = Buffer.alloc(1000, 3);
  const bytes = Buffer.concat([
    writeChunks(controlMessages.setChunkSize(500), 128),
    writeChunks({ csid: 5, typeId: 9, streamId: 1, timestamp: 0, payload: big }, 500),
  ]);
  feedAllSplits(bytes, (out) => {
    assert.equal(out.length, 1);
    assert.deepEqual(out[0].payload, big);
  });
  // Abort: first chunk of a 300-byte message on csid 7, then Abort(7), then a fresh message on csid 7.
  const partial = writeChunks({ csid: 7, typeId: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(300, 1) }, 128).subarray(0, 12 + 128);
  const abort = writeChunks({ csid: 2, typeId: MSG.abort, streamId: 0, timestamp: 0, payload: hex('00000007') }, 128);
  const fresh = writeChunks({ csid: 7, typeId: 8, streamId: 1, timestamp: 9, payload: hex('abcd') }, 128);
  feedAllSplits(Buffer.concat([partial, abort, fresh]), (out) => {
    assert.deepEqual(out.map(simpl), [{ csid: 7, type: 8, sid: 1, ts: 9, p: 'abcd' }]);
  });
});

test('acknowledgement is requested when bytes received cross the window', () => {
  const { r, acks } = reader();
  r.ackWindow = 1000;
  const msg = writeChunks({ csid: 4, typeId: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(600) }, 4096);
  r.push(msg);
  assert.deepEqual(acks, []);
  r.push(msg);
  assert.deepEqual(acks, [2 * msg.length]);
});

test('limits produce RtmpProtocolError, and the reader stays failed', () => {
  const cases: Array<[string, Buffer, string]> = [
    ['message too large', hex('04 000000 ffffff 09 01000000'), 'message_too_large'],
    ['type 1 on an unknown chunk stream', hex('44 000000 000001 09'), 'bad_chunk'],
    ['chunk size 0', writeChunks(controlMessages.setChunkSize(0), 128), 'bad_chunk_size'],
    ['chunk size above limit', writeChunks({ csid: 2, typeId: 1, streamId: 0, timestamp: 0, payload: hex('7fffffff') }, 128), 'bad_chunk_size'],
  ];
  for (const [name, bytes, code] of cases) {
    const { r } = reader({ ...DEFAULT_CHUNK_READER_LIMITS, maxChunkSize: 65536 });
    assert.throws(
      () => r.push(bytes),
      (e: unknown) => e instanceof RtmpProtocolError && e.code === code,
      name,
    );
    assert.throws(() => r.push(hex('00')), RtmpProtocolError, `${name}: stays failed`);
  }
  // Too many chunk streams.
  const { r } = reader({ ...DEFAULT_CHUNK_READER_LIMITS, maxChunkStreams: 4 });
  const many = Buffer.concat(
    Array.from({ length: 6 }, (_, i) => writeChunks({ csid: 10 + i, typeId: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(8) }, 128)),
  );
  assert.throws(
    () => r.push(many),
    (e: unknown) => e instanceof RtmpProtocolError && e.code === 'too_many_chunk_streams',
  );
  // Bytes held in partial messages.
  const p = reader({ ...DEFAULT_CHUNK_READER_LIMITS, maxPartialBytes: 300 });
  const partials = Buffer.concat(
    Array.from({ length: 3 }, (_, i) =>
      writeChunks({ csid: 10 + i, typeId: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(900) }, 128).subarray(0, 12 + 128),
    ),
  );
  assert.throws(
    () => p.r.push(partials),
    (e: unknown) => e instanceof RtmpProtocolError && e.code === 'too_much_partial',
  );
});

test('writer round trip at several chunk sizes, with extended timestamps', () => {
  for (const chunkSize of [1, 128, 4096, 65536]) {
    for (const ts of [0, 0xfffffe, 0xffffff, 0xffffffff]) {
      const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff));
      const { r, out } = reader();
      if (chunkSize !== 128) r.push(writeChunks(controlMessages.setChunkSize(chunkSize), 128));
      r.push(writeChunks({ csid: 6, typeId: 9, streamId: 1, timestamp: ts, payload }, chunkSize));
      r.push(writeChunks({ csid: 6, typeId: 8, streamId: 1, timestamp: ts, payload: payload.subarray(0, 10) }, chunkSize));
      assert.equal(out.length, 2, `chunk ${chunkSize} ts ${ts}`);
      assert.equal(out[0].timestamp, ts);
      assert.deepEqual(out[0].payload, payload);
      assert.equal(out[1].typeId, 8);
    }
  }
});

test('input as (buffer, length) from one reused buffer; frames cut from shared slabs stay intact', () => {
  // Frames between 4 KB and 64 KB are cut from per-connection slabs; several slabs' worth, of varied sizes, read
  // through one reused buffer that is scribbled over after each read.
  const sizes = [5000, 70_000, 4096, 65_536, 9000, 3000, 12_345, 40_000, 4097, 30_000, 64_000, 8000];
  const frames: Buffer[] = [];
  for (let round = 0; round < 8; round++) {
    for (const [i, n] of sizes.entries()) frames.push(Buffer.alloc(n, (round * 31 + i * 7) & 0xff));
  }
  const wire = Buffer.concat([
    writeChunks(controlMessages.setChunkSize(4096), 128),
    ...frames.map((p, i) => writeChunks({ csid: 6, typeId: MSG.video, streamId: 1, timestamp: i * 33, payload: p }, 4096)),
  ]);
  const { r, out } = reader();
  const shared = Buffer.alloc(64 * 1024);
  for (let at = 0, step = 1; at < wire.length; step = ((step * 7 + 13) % 20_000) + 1) {
    const n = wire.copy(shared, 0, at, Math.min(at + step, wire.length));
    r.push(shared, n);
    shared.fill(0xee);
    at += n;
  }
  assert.equal(out.length, frames.length);
  for (const [i, m] of out.entries()) {
    assert.equal(m.payload.length, frames[i].length, `frame ${i} length`);
    assert.ok(m.payload.equals(frames[i]), `frame ${i} intact after later frames arrived`);
  }
});

test('onVideoStart: the first chunk of a multi-chunk video message gives its timestamp and first bytes, once', () => {
  const starts: Array<[number, number, number]> = [];
  const out: RtmpMessage[] = [];
  const r = new ChunkReader(DEFAULT_CHUNK_READER_LIMITS, { onMessage: (m) => out.push(m), onVideoStart: (ts, b0, b1) => starts.push([ts, b0, b1]) });
  const big = Buffer.alloc(300, 7);
  big[0] = 0x17;
  big[1] = 0x01;
  const bytes = Buffer.concat([
    writeChunks({ csid: 6, typeId: MSG.video, streamId: 1, timestamp: 2000, payload: big }, 128),
    writeChunks({ csid: 6, typeId: MSG.video, streamId: 1, timestamp: 2033, payload: Buffer.from('2701aa', 'hex') }, 128), // one chunk
    writeChunks({ csid: 4, typeId: MSG.audio, streamId: 1, timestamp: 2040, payload: Buffer.alloc(300, 0xaf) }, 128), // audio
  ]);
  r.push(bytes.subarray(0, 12 + 128)); // header and first chunk of the keyframe only
  assert.deepEqual(starts, [[2000, 0x17, 0x01]]);
  assert.equal(out.length, 0, 'the message itself waits for its last chunk');
  r.push(bytes.subarray(12 + 128));
  assert.deepEqual(starts, [[2000, 0x17, 0x01]], 'not again for its other chunks, a one-chunk frame or audio');
  assert.deepEqual(
    out.map((m) => m.timestamp),
    [2000, 2033, 2040],
  );
});
