import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { PublishDecision, RtmpHooks } from './types.js';
import { clientHandshake, command, InProcessClient, keyHooks, media, RecordingSink } from '../test-support/rtmp.js';
import { encodeAmf0, decodeAmf0, ecmaArray } from './amf0.js';
import { encodeAmf3 } from './amf3.js';
import { MSG } from './chunk.js';
import { writeChunks } from './chunk-writer.js';
import { appNameFrom } from './session.js';
import { RelayHub } from './relay.js';

const tick = () => new Promise((r) => setImmediate(r));
const AVC_SEQ = Buffer.from('1700000000014d401effe1001967' + '4d401e' + 'eca0a0fd' + '0000030001000003003c8f162d96' + '01000468ef3c80', 'hex');

function connectBytes(extra: Record<string, unknown> = {}): Buffer {
  return Buffer.concat([
    clientHandshake(),
    command(0, 'connect', 1, { app: 'live/', type: 'nonprivate', flashVer: 'FMLE/3.0', tcUrl: 'rtmp://127.0.0.1/live/', ...(extra as object) }),
  ]);
}

function deferredHooks() {
  let resolve!: (d: PublishDecision) => void;
  const asked: string[] = [];
  const hooks: RtmpHooks = {
    authorizePublish: (req) => {
      asked.push(req.streamKey + '|' + req.query + '|' + req.app);
      return new Promise((r) => (resolve = r));
    },
  };
  return { hooks, asked, resolve: (d: PublishDecision) => resolve(d) };
}

test('connect: window ack, peer bandwidth, chunk size, then _result with fourCcList echoed', () => {
  const c = new InProcessClient(keyHooks({}));
  c.feed(connectBytes({ objectEncoding: 0, fourCcList: ['av01', 'vp09', 'hvc1'] }));
  // Set Chunk Size is consumed by the client's reader (it changes how the _result parses), so check its effect.
  assert.deepEqual(
    c.received.map((m) => m.typeId),
    [MSG.windowAckSize, MSG.setPeerBandwidth, MSG.commandAmf0],
  );
  assert.equal(c.readerChunkSize, 4096);
  assert.equal(c.received[0].payload.readUInt32BE(0), 2_500_000);
  assert.equal(c.received[1].payload[4], 2, 'dynamic limit');
  const [name, tid, props, info] = decodeAmf0(c.received[2].payload) as [string, number, Record<string, unknown>, Record<string, unknown>];
  assert.equal(name, '_result');
  assert.equal(tid, 1);
  assert.deepEqual(props.fourCcList, ['hvc1', 'av01']);
  assert.equal(info.code, 'NetConnection.Connect.Success');
  assert.equal(info.objectEncoding, 0);
  assert.equal(c.session.app, 'live');
  assert.equal(c.closed, null);
});

test('input arrives in one reused buffer, a few bytes at a time: the session copies what it keeps', () => {
  // The server reads every socket into one shared buffer (socket-reads.ts), overwritten by the next read.
  const c = new InProcessClient(keyHooks({}));
  const bytes = connectBytes();
  const shared = Buffer.alloc(7);
  for (let at = 0; at < bytes.length; at += shared.length) {
    const n = bytes.copy(shared, 0, at, Math.min(at + shared.length, bytes.length));
    c.feed(shared.subarray(0, n));
    shared.fill(0xee);
  }
  assert.equal(c.closed, null);
  assert.equal(c.session.app, 'live');
  assert.equal(c.statusCodes().length, 0);
  assert.equal(String((c.commands().at(-1)?.[3] as Record<string, unknown>).code), 'NetConnection.Connect.Success');
});

test('app names: trailing slash, query, tcUrl fallback', () => {
  assert.equal(appNameFrom('live/', undefined), 'live');
  assert.equal(appNameFrom('live?token=x', undefined), 'live');
  assert.equal(appNameFrom('', 'rtmp://host:1935/show/'), 'show');
  assert.equal(appNameFrom(undefined, undefined), '');
});

test('AMF3 connect (message type 17) is understood', () => {
  const c = new InProcessClient(keyHooks({}));
  const body = Buffer.concat([Buffer.from([0]), encodeAmf0('connect', 1), Buffer.from([0x11]), encodeAmf3({ app: 'live', objectEncoding: 3 })]);
  c.feed(clientHandshake()).feed(writeChunks({ csid: 3, typeId: MSG.commandAmf3, streamId: 0, timestamp: 0, payload: body }, 128));
  assert.equal(c.session.app, 'live');
  assert.equal(c.session.objectEncoding, 3);
  assert.ok(c.commands().some((x) => x[0] === '_result'));
});

test('publish: the hook decides before Publish.Start; media during the wait is kept; @setDataFrame stripped', async () => {
  const d = deferredHooks();
  const c = new InProcessClient(d.hooks);
  c.feed(connectBytes())
    .feed(command(0, 'releaseStream', 2, null, 'k'))
    .feed(command(0, 'FCPublish', 3, null, 'k'))
    .feed(command(0, 'createStream', 4, null));
  const created = c.commands().find((x) => x[0] === '_result' && x[1] === 4);
  assert.deepEqual(created?.slice(2), [null, 1]);
  c.feed(command(1, 'publish', 5, null, 'k?x=1', 'live'));
  const meta = encodeAmf0('@setDataFrame', 'onMetaData', ecmaArray({ width: 320, height: 240 }));
  c.feed(writeChunks({ csid: 4, typeId: MSG.dataAmf0, streamId: 1, timestamp: 0, payload: meta }, 128));
  c.feed(media(9, 0, AVC_SEQ)).feed(media(8, 0, Buffer.from('af001210', 'hex')));
  await tick();
  assert.deepEqual(d.asked, ['k|x=1|live']);
  assert.ok(!c.statusCodes().includes('NetStream.Publish.Start'), 'no Start before the decision');
  const sink = new RecordingSink();
  d.resolve({ ok: true, channel: 'alice', sink });
  await tick();
  assert.deepEqual(c.statusCodes(), ['NetStream.Publish.Start']);
  assert.ok(
    c.received.some((m) => m.typeId === MSG.userControl && m.payload.readUInt16BE(0) === 0),
    'StreamBegin',
  );
  assert.deepEqual(
    sink.messages.map((m) => m.track),
    ['data', 'video', 'audio'],
  );
  assert.deepEqual(decodeAmf0(sink.messages[0].tag), ['onMetaData', ecmaArray({ width: 320, height: 240 })]);
  // Timestamps: type-1 deltas and the 32-bit wrap.
  for (const t of [0x70000000, 0xe0000000, 0xfffffff0]) {
    c.feed(writeChunks({ csid: 6, typeId: 9, streamId: 1, timestamp: t, payload: Buffer.from('2701', 'hex') }, 128));
  }
  c.feed(Buffer.concat([Buffer.from('46' + '000020' + '000002' + '09', 'hex'), Buffer.from('2701', 'hex')]));
  const ts = sink.messages.filter((m) => m.track === 'video').map((m) => m.dts);
  assert.deepEqual(ts, [0, 0x70000000, 0xe0000000, 0xfffffff0, 0x100000010]);
  c.feed(command(0, 'FCUnpublish', 6, null, 'k')).feed(command(0, 'deleteStream', 7, null, 1));
  assert.deepEqual(sink.ends, ['unpublish']);
  assert.ok(c.statusCodes().includes('NetStream.Unpublish.Success'));
  c.session.destroy('disconnect');
  assert.deepEqual(sink.ends, ['unpublish'], 'end is called once');
});

test('publish refused: BadName with the reason in words, closed gracefully, nothing delivered', async () => {
  for (const [code, expectCode, words] of [
    ['bad_name', 'NetStream.Publish.BadName', 'Stream key not recognised'],
    ['already_live', 'NetStream.Publish.BadName', 'Already publishing'],
    ['unavailable', 'NetStream.Publish.Failed', 'try again'],
  ] as const) {
    const hooks: RtmpHooks = {
      authorizePublish: async () => ({ ok: false, code, reason: code === 'unavailable' ? 'Please try again later.' : 'Stream key not recognised.' }),
    };
    const c = new InProcessClient(hooks);
    c.feed(connectBytes())
      .feed(command(0, 'createStream', 2, null))
      .feed(command(1, 'publish', 3, null, 'nope', 'live'));
    await tick();
    await tick();
    const st = c
      .commands()
      .filter((x) => x[0] === 'onStatus')
      .map((x) => x[3] as Record<string, string>);
    assert.equal(st.length, 1, code);
    assert.equal(st[0].level, 'error');
    assert.equal(st[0].code, expectCode);
    assert.match(st[0].description, new RegExp(words));
    assert.equal(c.closed, 'graceful');
  }
});

test('a hook that throws or accepts after the socket closed does not leak the sink', async () => {
  const d = deferredHooks();
  const c = new InProcessClient(d.hooks);
  c.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'publish', 3, null, 'k', 'live'));
  await tick();
  c.session.destroy('disconnect');
  const sink = new RecordingSink();
  d.resolve({ ok: true, channel: 'alice', sink });
  await tick();
  assert.deepEqual(sink.ends, ['disconnect']);

  const c2 = new InProcessClient({
    authorizePublish: () => {
      throw new Error('db down');
    },
  });
  c2.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'publish', 3, null, 'k', 'live'));
  await tick();
  await tick();
  assert.deepEqual(c2.statusCodes(), ['NetStream.Publish.Failed']);
});

test('the hub refuses a second live publisher even if the hook accepts', async () => {
  const hub = new RelayHub(1 << 20);
  const accept: RtmpHooks = { authorizePublish: async () => ({ ok: true, channel: 'alice', sink: new RecordingSink() }) };
  const a = new InProcessClient(accept, hub);
  a.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'publish', 3, null, 'k', 'live'));
  await tick();
  const sinkB = new RecordingSink();
  const b = new InProcessClient({ authorizePublish: async () => ({ ok: true, channel: 'alice', sink: sinkB }) }, hub);
  b.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'publish', 3, null, 'k', 'live'));
  await tick();
  await tick();
  assert.deepEqual(a.statusCodes(), ['NetStream.Publish.Start']);
  assert.deepEqual(b.statusCodes(), ['NetStream.Publish.BadName']);
  assert.deepEqual(sinkB.ends, ['error']);
});

test('play: unknown channel -> StreamNotFound; live channel -> Reset, Start, metadata, sequence headers, GOP', async () => {
  const hub = new RelayHub(1 << 20);
  const p = new InProcessClient({ authorizePublish: async () => ({ ok: true, channel: 'alice', sink: new RecordingSink() }) }, hub);
  p.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'publish', 3, null, 'k', 'live'));
  await tick();
  const ex = (frameType: number, packetType: number) =>
    Buffer.concat([Buffer.from([0x80 | (frameType << 4) | packetType]), Buffer.from('hvc1'), Buffer.alloc(8, 1)]);
  p.feed(writeChunks({ csid: 4, typeId: 18, streamId: 1, timestamp: 0, payload: encodeAmf0('@setDataFrame', 'onMetaData', { width: 1 }) }, 128));
  p.feed(media(9, 0, ex(1, 0))) // enhanced sequence start
    .feed(media(9, 0, ex(1, 1))) // enhanced keyframe
    .feed(media(9, 33, ex(2, 1)))
    .feed(media(9, 66, ex(1, 3))) // new GOP (CodedFramesX keyframe)
    .feed(media(9, 99, ex(2, 3)));

  const nf = new InProcessClient(keyHooks({}), hub);
  nf.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'play', 3, null, 'bob'));
  await tick();
  assert.deepEqual(nf.statusCodes(), ['NetStream.Play.StreamNotFound']);
  assert.equal(nf.closed, 'graceful');

  const v = new InProcessClient(keyHooks({}), hub);
  v.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'play', 3, null, 'alice'));
  await tick();
  assert.deepEqual(v.statusCodes(), ['NetStream.Play.Reset', 'NetStream.Play.Start']);
  const vids = () => v.received.filter((m) => m.typeId === 9).map((m) => m.payload[0].toString(16));
  assert.deepEqual(vids(), ['90', '93', 'a3'], 'sequence start, then the GOP from the last keyframe');
  const data = v.received.filter((m) => m.typeId === 18).map((m) => decodeAmf0(m.payload)[0]);
  assert.deepEqual(data, ['|RtmpSampleAccess', 'onMetaData']);
  p.feed(media(9, 132, ex(2, 1)));
  assert.equal(vids().length, 4, 'live messages follow');
  // Untouched pass-through of the enhanced header.
  assert.deepEqual(v.received.filter((m) => m.typeId === 9).at(-1)!.payload, ex(2, 1));
  p.feed(command(0, 'deleteStream', 9, null, 1));
  assert.ok(v.statusCodes().includes('NetStream.Play.UnpublishNotify'));
});

test('a batchable sink gets inter frames in one pass at the next keyframe, in order; players and the end flush them', async () => {
  const hub = new RelayHub(1 << 20);
  const batched = Object.assign(new RecordingSink(), { batchable: true });
  const p = new InProcessClient({ authorizePublish: async () => ({ ok: true, channel: 'alice', sink: batched }) }, hub);
  p.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'publish', 3, null, 'k', 'live'));
  await tick();
  const key = (t: number) => media(9, t, Buffer.from('17010000000000', 'hex'));
  const inter = (t: number) => media(9, t, Buffer.from('27010000000000', 'hex'));
  const aac = (t: number) => media(8, t, Buffer.from('af01aabb', 'hex'));
  p.feed(media(9, 0, AVC_SEQ))
    .feed(media(8, 0, Buffer.from('af001210', 'hex')))
    .feed(key(0));
  assert.equal(batched.count(), 3, 'configs and keyframes pass at once');
  p.feed(aac(10)).feed(inter(33)).feed(aac(33)).feed(inter(66));
  assert.equal(batched.count(), 3, 'inter frames and AAC frames wait for the next keyframe');
  p.feed(key(100));
  assert.deepEqual(
    batched.messages.slice(3).map((m) => `${m.track}@${m.dts}`),
    ['audio@10', 'video@33', 'audio@33', 'video@66', 'video@100'],
    'all of them, in order, then the keyframe',
  );

  // A player joining mid-GOP starts with the whole GOP, and from then on frames are not held back.
  p.feed(inter(133)).feed(inter(166));
  const v = new InProcessClient(keyHooks({}), hub);
  v.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'play', 3, null, 'alice'));
  await tick();
  const timestamps = () => v.received.filter((m) => m.typeId === 9).map((m) => m.timestamp);
  assert.deepEqual(timestamps(), [100, 100, 133, 166], 'sequence header, keyframe, and the two held frames');
  assert.equal(batched.count(), 10);
  p.feed(inter(200));
  assert.equal(batched.count(), 11, 'with a player watching, frames pass at once');
  assert.deepEqual(timestamps().at(-1), 200);

  // Without players again, frames wait; a dropped connection hands them over before the end.
  v.session.destroy();
  p.feed(inter(233)).feed(aac(240));
  assert.equal(batched.count(), 11);
  p.session.destroy();
  assert.deepEqual(
    batched.messages.slice(11).map((m) => m.dts),
    [233, 240],
  );
  assert.deepEqual(batched.ends, ['disconnect']);

  // A sink that is not batchable gets every frame as it comes.
  const plain = new RecordingSink();
  const q = new InProcessClient({ authorizePublish: async () => ({ ok: true, channel: 'carol', sink: plain }) }, hub);
  q.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'publish', 3, null, 'k2', 'live'));
  await tick();
  q.feed(media(9, 0, AVC_SEQ))
    .feed(key(0))
    .feed(inter(33))
    .feed(aac(40));
  assert.equal(plain.count(), 4);
});

test('a keyframe announced by its first chunk: held frames go first, then keyframeStarting, then the frame itself', async () => {
  const hub = new RelayHub(1 << 20);
  const calls: string[] = [];
  const sink = Object.assign(new RecordingSink(), {
    batchable: true,
    keyframeStarting: (ts: number) => calls.push(`starting@${ts} after ${sink.messages.length}`),
  });
  const p = new InProcessClient({ authorizePublish: async () => ({ ok: true, channel: 'kim', sink }) }, hub);
  p.feed(connectBytes())
    .feed(command(0, 'createStream', 2, null))
    .feed(command(1, 'publish', 3, null, 'k', 'live'));
  await tick();
  const bigKey = (t: number) => media(9, t, Buffer.concat([Buffer.from('1701000000', 'hex'), Buffer.alloc(1000, 1)]));
  p.feed(media(9, 0, AVC_SEQ)).feed(bigKey(0));
  assert.deepEqual(calls, ['starting@0 after 1'], 'the first keyframe is announced too (a packager ignores it)');
  p.feed(media(9, 33, Buffer.from('27010000000000', 'hex'))).feed(media(8, 40, Buffer.from('af01aabb', 'hex')));
  assert.equal(sink.count(), 2, 'held');
  const next = bigKey(1000);
  p.feed(next.subarray(0, 200)); // header and the first 128-byte chunk
  assert.deepEqual(calls.at(-1), 'starting@1000 after 4', 'held frames delivered, then the announcement');
  assert.equal(sink.count(), 4, 'the keyframe itself not yet');
  p.feed(next.subarray(200));
  assert.deepEqual(
    sink.messages.map((m) => `${m.track}@${m.dts}`),
    ['video@0', 'video@0', 'video@33', 'audio@40', 'video@1000'],
  );
  p.feed(media(9, 1033, Buffer.concat([Buffer.from('2701000000', 'hex'), Buffer.alloc(1000, 1)])));
  assert.equal(calls.length, 2, 'inter frames are not announced');
});

test('ping request gets a ping response with the same timestamp', () => {
  const c = new InProcessClient(keyHooks({}));
  c.feed(connectBytes());
  c.feed(writeChunks({ csid: 2, typeId: 4, streamId: 0, timestamp: 0, payload: Buffer.from('0006' + '12345678', 'hex') }, 128));
  const pong = c.received.find((m) => m.typeId === 4 && m.payload.readUInt16BE(0) === 7);
  assert.equal(pong?.payload.readUInt32BE(2), 0x12345678);
});

test('fuzz: RtmpSession.feed never throws (in process, thousands of cases)', async () => {
  const accept: RtmpHooks = { authorizePublish: async () => ({ ok: true, channel: 'c' + Math.random(), sink: new RecordingSink() }) };
  const valid = Buffer.concat([
    connectBytes(),
    command(0, 'createStream', 2, null),
    command(1, 'publish', 3, null, 'k', 'live'),
    media(9, 0, AVC_SEQ),
    media(8, 0, Buffer.from('af001210', 'hex')),
    media(9, 33, Buffer.alloc(3000, 0x17)),
  ]);
  const started = Date.now();
  let cases = 0;
  for (let i = 0; i < 6000 && Date.now() - started < 15_000; i++) {
    const c = new InProcessClient(accept, undefined, { maxMessageSize: 64 * 1024, maxPartialBytes: 128 * 1024 });
    const kind = i % 5;
    let input: Buffer;
    if (kind === 0) input = randomBytes(1 + Math.floor(Math.random() * 4000));
    else if (kind === 1) input = valid.subarray(0, Math.floor(Math.random() * valid.length));
    else if (kind === 2) {
      // valid handshake + mutated valid stream
      input = Buffer.from(valid);
      for (let k = 0; k < 1 + (i % 8); k++) input[3073 + Math.floor(Math.random() * (input.length - 3073))] = Math.floor(Math.random() * 256);
    } else if (kind === 3) input = Buffer.concat([clientHandshake(), randomBytes(Math.floor(Math.random() * 3000))]);
    else {
      // valid connect, then a header announcing a huge message or chunk size
      const hdr = Buffer.from([0x04, 0, 0, 0, 0xff, 0xff, 0xff, 0x09, 1, 0, 0, 0]);
      hdr.writeUIntBE(Math.floor(Math.random() * 0xffffff), 4, 3);
      const cs = writeChunks({ csid: 2, typeId: 1, streamId: 0, timestamp: 0, payload: randomBytes(4) }, 128);
      input = Buffer.concat([connectBytes(), i % 2 ? cs : Buffer.alloc(0), hdr, randomBytes(500)]);
    }
    // Feed in random splits.
    let pos = 0;
    for (let n = 0; pos < input.length && n < 200; n++) {
      const len = 1 + Math.floor(Math.random() * 700);
      c.session.feed(input.subarray(pos, pos + len));
      pos += len;
    }
    if (i % 50 === 0) await tick();
    c.session.destroy('disconnect');
    cases++;
  }
  assert.ok(cases >= 1000, `ran ${cases} cases`);
});
