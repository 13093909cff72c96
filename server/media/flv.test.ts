import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAudioTag, parseOnMetaData, parseVideoTag } from './flv.js';

const b = (...x: (number | string)[]): Buffer =>
  Buffer.concat(x.map((v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from([v]))));

test('legacy AVC: sequence header, NALUs with signed composition time, end of sequence', () => {
  assert.deepEqual(parseVideoTag(b(0x17, 0, 0, 0, 0, 1, 2, 3)), { kind: 'config', codec: 'avc', record: Buffer.from([1, 2, 3]) });
  const f = parseVideoTag(b(0x27, 1, 0xff, 0xff, 0xbf, 9, 9));
  assert.deepEqual(f, { kind: 'frame', codec: 'avc', keyframe: false, cts: -65, data: Buffer.from([9, 9]) });
  const k = parseVideoTag(b(0x17, 1, 0, 0, 0x42, 7));
  assert.equal(k.kind === 'frame' && k.keyframe && k.cts, 66);
  assert.equal(parseVideoTag(b(0x17, 2, 0, 0, 0)).kind, 'end');
  assert.equal(parseVideoTag(b(0x1c, 1, 0, 0, 0, 5)).kind === 'frame' && (parseVideoTag(b(0x1c, 1, 0, 0, 0, 5)) as { codec: string }).codec, 'hevc');
});

test('enhanced RTMP: hvc1 / av01 / avc1 packet types', () => {
  // IsExHeader | keyframe(1) << 4 | SequenceStart
  assert.deepEqual(parseVideoTag(b(0x90, 'hvc1', 1, 2)), { kind: 'config', codec: 'hevc', record: Buffer.from([1, 2]) });
  assert.deepEqual(parseVideoTag(b(0x91, 'hvc1', 0, 0, 0x21, 5)), { kind: 'frame', codec: 'hevc', keyframe: true, cts: 33, data: Buffer.from([5]) });
  assert.deepEqual(parseVideoTag(b(0xa3, 'hvc1', 5, 6)), { kind: 'frame', codec: 'hevc', keyframe: false, cts: 0, data: Buffer.from([5, 6]) });
  assert.deepEqual(parseVideoTag(b(0x91, 'av01', 0x12, 0)), { kind: 'frame', codec: 'av1', keyframe: true, cts: 0, data: Buffer.from([0x12, 0]) });
  assert.deepEqual(parseVideoTag(b(0x90, 'av01', 0x81)), { kind: 'config', codec: 'av1', record: Buffer.from([0x81]) });
  assert.equal(parseVideoTag(b(0x91, 'avc1', 0, 0, 0, 1)).kind, 'frame');
  assert.equal(parseVideoTag(b(0x92, 'hvc1')).kind, 'end');
  assert.equal(parseVideoTag(b(0x94, 'hvc1', 1)).kind, 'skip', 'metadata');
  assert.equal(parseVideoTag(b(0x95, 'av01', 1)).kind, 'skip', 'MPEG2TSSequenceStart');
  assert.equal(parseVideoTag(b(0x91, 'vp09', 1)).kind, 'skip');
  assert.equal(parseVideoTag(b(0x91, 'hv')).kind, 'skip');
  assert.equal(parseVideoTag(Buffer.alloc(0)).kind, 'skip');
  assert.equal(parseVideoTag(b(0x12, 0, 0)).kind, 'skip', 'Sorenson');
});

test('AAC audio, legacy and enhanced mp4a', () => {
  assert.deepEqual(parseAudioTag(b(0xaf, 0, 0x11, 0x90)), { kind: 'config', codec: 'aac', asc: Buffer.from([0x11, 0x90]) });
  assert.deepEqual(parseAudioTag(b(0xaf, 1, 7, 8)), { kind: 'frame', codec: 'aac', data: Buffer.from([7, 8]) });
  assert.deepEqual(parseAudioTag(b(0x90, 'mp4a', 0x11, 0x90)), { kind: 'config', codec: 'aac', asc: Buffer.from([0x11, 0x90]) });
  assert.equal(parseAudioTag(b(0x2f, 1, 2)).kind, 'skip', 'MP3');
  assert.equal(parseAudioTag(b(0x91, 'Opus', 1)).kind, 'skip');
});

function amfStr(s: string): Buffer {
  const h = Buffer.alloc(2);
  h.writeUInt16BE(s.length);
  return Buffer.concat([h, Buffer.from(s)]);
}
function amfNum(n: number): Buffer {
  const x = Buffer.alloc(9);
  x[0] = 0;
  x.writeDoubleBE(n, 1);
  return x;
}

test('onMetaData (AMF0, with and without @setDataFrame)', () => {
  const arr = Buffer.concat([
    Buffer.from([8, 0, 0, 0, 4]),
    amfStr('width'), amfNum(1280),
    amfStr('height'), amfNum(720),
    amfStr('framerate'), amfNum(30),
    amfStr('videocodecid'), Buffer.from([2]), amfStr('hvc1'),
    amfStr('nested'), Buffer.from([3]), amfStr('x'), Buffer.from([1, 1]), amfStr(''), Buffer.from([9]),
    amfStr('audiocodecid'), amfNum(10),
    amfStr(''), Buffer.from([9]),
  ]);
  const body = Buffer.concat([Buffer.from([2]), amfStr('onMetaData'), arr]);
  const m = parseOnMetaData(body);
  assert.deepEqual([m?.width, m?.height, m?.framerate, m?.videocodecid, m?.audiocodecid], [1280, 720, 30, 'hvc1', 10]);
  const withSet = Buffer.concat([Buffer.from([2]), amfStr('@setDataFrame'), body]);
  assert.equal(parseOnMetaData(withSet)?.width, 1280);
  assert.equal(parseOnMetaData(Buffer.concat([Buffer.from([2]), amfStr('onCuePoint'), arr])), undefined);
  assert.equal(parseOnMetaData(body.subarray(0, body.length - 10)), undefined, 'truncated');
});
