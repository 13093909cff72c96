import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFragment, buildInitSegment, fragmentSize, SAMPLE_FLAGS_NON_SYNC, SAMPLE_FLAGS_SYNC } from './mp4.js';

interface Box {
  type: string;
  start: number;
  size: number;
  body: Buffer;
  children?: Box[];
}
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'dinf', 'mvex', 'moof', 'traf']);

/** Tiny ISO-BMFF reader: checks every size adds up. */
function readBoxes(buf: Buffer, base = 0): Box[] {
  const out: Box[] = [];
  let p = 0;
  while (p < buf.length) {
    assert.ok(p + 8 <= buf.length, 'box header fits');
    const size = buf.readUInt32BE(p);
    const type = buf.toString('latin1', p + 4, p + 8);
    assert.ok(size >= 8 && p + size <= buf.length, `box ${type} size ${size} fits`);
    const body = buf.subarray(p + 8, p + size);
    const b: Box = { type, start: base + p, size, body };
    if (CONTAINERS.has(type)) b.children = readBoxes(body, base + p + 8);
    out.push(b);
    p += size;
  }
  return out;
}

function find(boxes: Box[], path: string): Box {
  const [head, ...rest] = path.split('/');
  const b = boxes.find((x) => x.type === head);
  assert.ok(b, `box ${head} present`);
  return rest.length ? find(b.children ?? [], rest.join('/')) : b;
}

test('init segment: ftyp + moov with avc1/mp4a tracks and trex', () => {
  const avcC = Buffer.from('014d401fffe10004674d401f01000468ebe3cb', 'hex');
  const init = buildInitSegment([
    { id: 1, kind: 'video', sampleEntry: 'avc1', config: avcC, width: 1280, height: 720, timescale: 90000 },
    { id: 2, kind: 'audio', asc: Buffer.from([0x11, 0x90]), sampleRate: 48000, channels: 2, timescale: 48000 },
  ]);
  const top = readBoxes(init);
  assert.deepEqual(
    top.map((b) => b.type),
    ['ftyp', 'moov'],
  );
  assert.equal(find(top, 'ftyp').body.toString('latin1', 0, 4), 'iso6');
  assert.ok(find(top, 'ftyp').body.toString('latin1').includes('cmfc'));
  const moov = find(top, 'moov');
  assert.deepEqual(
    moov.children!.map((b) => b.type),
    ['mvhd', 'trak', 'trak', 'mvex'],
  );
  const traks = moov.children!.filter((b) => b.type === 'trak');
  // video track
  const tkhd = find(traks[0].children!, 'tkhd').body;
  assert.equal(tkhd.readUInt32BE(12), 1, 'track id');
  assert.equal(tkhd.readUInt32BE(tkhd.length - 8) / 65536, 1280);
  assert.equal(tkhd.readUInt32BE(tkhd.length - 4) / 65536, 720);
  assert.equal(find(traks[0].children!, 'mdia/mdhd').body.readUInt32BE(12), 90000);
  assert.equal(find(traks[0].children!, 'mdia/hdlr').body.toString('latin1', 8, 12), 'vide');
  const stsd = find(traks[0].children!, 'mdia/minf/stbl/stsd').body;
  assert.equal(stsd.readUInt32BE(4), 1);
  const entry = readBoxes(stsd.subarray(8))[0];
  assert.equal(entry.type, 'avc1');
  assert.equal(entry.body.readUInt16BE(24), 1280);
  assert.equal(entry.body.readUInt16BE(26), 720);
  const cfg = readBoxes(entry.body.subarray(78))[0];
  assert.equal(cfg.type, 'avcC');
  assert.deepEqual(cfg.body, avcC);
  for (const t of ['stts', 'stsc', 'stsz', 'stco']) find(traks[0].children!, `mdia/minf/stbl/${t}`);
  find(traks[0].children!, 'mdia/minf/vmhd');
  // audio track
  assert.equal(find(traks[1].children!, 'mdia/mdhd').body.readUInt32BE(12), 48000);
  assert.equal(find(traks[1].children!, 'mdia/hdlr').body.toString('latin1', 8, 12), 'soun');
  find(traks[1].children!, 'mdia/minf/smhd');
  const mp4a = readBoxes(find(traks[1].children!, 'mdia/minf/stbl/stsd').body.subarray(8))[0];
  assert.equal(mp4a.type, 'mp4a');
  assert.equal(mp4a.body.readUInt16BE(16), 2, 'channels');
  assert.equal(mp4a.body.readUInt32BE(24) >>> 16, 48000);
  const esds = readBoxes(mp4a.body.subarray(28))[0];
  assert.equal(esds.type, 'esds');
  assert.ok(esds.body.includes(Buffer.from([0x05, 0x80, 0x80, 0x80, 0x02, 0x11, 0x90])), 'ASC in DecoderSpecificInfo');
  const trex = find(top, 'moov/mvex').children!;
  assert.deepEqual(
    trex.map((b) => [b.type, b.body.readUInt32BE(4)]),
    [
      ['trex', 1],
      ['trex', 2],
    ],
  );
});

test('fragment: moof/mfhd/traf/tfhd/tfdt/trun + mdat, offsets point at the samples', () => {
  const v = [Buffer.from('VVVV1'), Buffer.from('VV2'), Buffer.from('V3')];
  const a = [Buffer.from('AAA1'), Buffer.from('A2')];
  const big = 2 ** 33 + 5;
  const tracks = [
    { id: 1, baseDecodeTime: big, count: 3, data: v, durations: [3000, 3000, 3000], keyframes: [1, 0, 0], cts: [6000, -3000, 0] },
    { id: 2, baseDecodeTime: 1024, count: 2, data: a, durations: [1024, 1024] },
    { id: 3, baseDecodeTime: 0, count: 0, data: [], durations: [] },
  ];
  const frag = buildFragment(7, tracks);
  const file = Buffer.concat(frag.buffers);
  assert.equal(file.length, frag.size);
  assert.equal(fragmentSize(tracks), file.length, 'known before it is built');
  const top = readBoxes(file);
  assert.deepEqual(
    top.map((b) => b.type),
    ['moof', 'mdat'],
  );
  const moof = top[0];
  assert.equal(find(top, 'moof/mfhd').body.readUInt32BE(4), 7);
  const trafs = moof.children!.filter((b) => b.type === 'traf');
  assert.equal(trafs.length, 2, 'empty track left out');
  const tfhd = find(trafs[0].children!, 'tfhd').body;
  assert.equal(tfhd.readUInt32BE(0) & 0xffffff, 0x020000, 'default-base-is-moof');
  assert.equal(tfhd.readUInt32BE(4), 1);
  const tfdt = find(trafs[0].children!, 'tfdt').body;
  assert.equal(tfdt[0], 1, 'tfdt version 1');
  assert.equal(Number(tfdt.readBigUInt64BE(4)), big);
  const trun = find(trafs[0].children!, 'trun').body;
  assert.equal(trun[0], 1, 'trun version 1 (signed cts)');
  assert.equal(trun.readUInt32BE(0) & 0xffffff, 0xf01);
  assert.equal(trun.readUInt32BE(4), 3);
  const off = trun.readInt32BE(8);
  assert.equal(file.toString('latin1', moof.start + off, moof.start + off + 5), 'VVVV1');
  const samples = [0, 1, 2].map((i) => [
    trun.readUInt32BE(12 + i * 16),
    trun.readUInt32BE(16 + i * 16),
    trun.readUInt32BE(20 + i * 16),
    trun.readInt32BE(24 + i * 16),
  ]);
  assert.deepEqual(samples, [
    [3000, 5, SAMPLE_FLAGS_SYNC, 6000],
    [3000, 3, SAMPLE_FLAGS_NON_SYNC, -3000],
    [3000, 2, SAMPLE_FLAGS_NON_SYNC, 0],
  ]);
  const atrun = find(trafs[1].children!, 'trun').body;
  assert.equal(atrun.readUInt32BE(0) & 0xffffff, 0x301);
  const aoff = atrun.readInt32BE(8);
  assert.equal(file.toString('latin1', moof.start + aoff, moof.start + aoff + 4), 'AAA1');
  assert.equal(top[1].size, 8 + 10 + 6);
});
