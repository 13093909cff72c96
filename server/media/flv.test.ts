import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audioFrame, dataFrame, flvCodecName, isKeyframeStart, parseOnMetaData, videoFrame } from './flv.js';
import { waitsForKeyframe, type MediaFrame } from './frame.js';
import { FlvStreamReader, parseFlvFile } from './flv-file.js';
import { flvHeader, flvTag } from './flv-writer.js';

const b = (...x: (number | string)[]): Buffer => Buffer.concat(x.map((v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from([v]))));

/** The parts of a frame a test compares. */
const brief = (f: MediaFrame) => ({ kind: f.kind, codec: f.codec, cts: f.cts, data: Buffer.from(f.data) });

test('legacy AVC: sequence header, NALUs with signed composition time, end of sequence', () => {
  assert.deepEqual(brief(videoFrame(0, b(0x17, 0, 0, 0, 0, 1, 2, 3))), { kind: 'config', codec: 'avc', cts: 0, data: Buffer.from([1, 2, 3]) });
  assert.deepEqual(brief(videoFrame(0, b(0x27, 1, 0xff, 0xff, 0xbf, 9, 9))), { kind: 'inter', codec: 'avc', cts: -65, data: Buffer.from([9, 9]) });
  const k = videoFrame(40, b(0x17, 1, 0, 0, 0x42, 7));
  assert.deepEqual([k.kind, k.cts, k.dts], ['key', 66, 40]);
  assert.deepEqual([videoFrame(0, b(0x17, 2, 0, 0, 0)).kind, videoFrame(0, b(0x17, 2, 0, 0, 0)).codec], ['other', 'avc'], 'end of sequence');
  assert.equal(videoFrame(0, b(0x1c, 1, 0, 0, 0, 5)).codec, 'hevc');
  const tag = b(0x27, 1, 0, 0, 0, 9);
  assert.equal(videoFrame(0, tag).tag, tag, 'the tag body is kept as it came, for RTMP players');
});

test('enhanced RTMP: hvc1 / av01 / avc1 packet types', () => {
  // IsExHeader | keyframe(1) << 4 | SequenceStart
  assert.deepEqual(brief(videoFrame(0, b(0x90, 'hvc1', 1, 2))), { kind: 'config', codec: 'hevc', cts: 0, data: Buffer.from([1, 2]) });
  assert.deepEqual(brief(videoFrame(0, b(0x91, 'hvc1', 0, 0, 0x21, 5))), { kind: 'key', codec: 'hevc', cts: 33, data: Buffer.from([5]) });
  assert.deepEqual(brief(videoFrame(0, b(0xa3, 'hvc1', 5, 6))), { kind: 'inter', codec: 'hevc', cts: 0, data: Buffer.from([5, 6]) });
  assert.deepEqual(brief(videoFrame(0, b(0x91, 'av01', 0x12, 0))), { kind: 'key', codec: 'av1', cts: 0, data: Buffer.from([0x12, 0]) });
  assert.deepEqual(brief(videoFrame(0, b(0x90, 'av01', 0x81))), { kind: 'config', codec: 'av1', cts: 0, data: Buffer.from([0x81]) });
  assert.equal(videoFrame(0, b(0x91, 'avc1', 0, 0, 0, 1)).codec, 'avc');
  assert.deepEqual([videoFrame(0, b(0x92, 'hvc1')).kind, videoFrame(0, b(0x92, 'hvc1')).codec], ['other', 'hevc'], 'end of sequence');
  // Not for the packager (codec ''), but still a keyframe or a config to RTMP players.
  assert.deepEqual([videoFrame(0, b(0x94, 'hvc1', 1)).kind, videoFrame(0, b(0x94, 'hvc1', 1)).codec], ['other', ''], 'metadata');
  assert.deepEqual([videoFrame(0, b(0x95, 'av01', 1)).kind, videoFrame(0, b(0x95, 'av01', 1)).codec], ['config', ''], 'MPEG2TSSequenceStart');
  assert.deepEqual([videoFrame(0, b(0x91, 'vp09', 1)).kind, videoFrame(0, b(0x91, 'vp09', 1)).codec], ['key', '']);
  assert.deepEqual([videoFrame(0, b(0x90, 'vp09', 1)).kind, videoFrame(0, b(0x90, 'vp09', 1)).codec], ['config', '']);
  assert.equal(videoFrame(0, b(0x91, 'hv')).codec, '');
  assert.equal(videoFrame(0, Buffer.alloc(0)).codec, '');
  assert.deepEqual([videoFrame(0, b(0x12, 0, 0)).kind, videoFrame(0, b(0x12, 0, 0)).codec], ['key', ''], 'Sorenson keyframe');
  assert.equal(videoFrame(0, b(0x22, 0, 0)).kind, 'inter');
});

test('AAC audio, legacy and enhanced mp4a; other codecs are relayed only', () => {
  assert.deepEqual(brief(audioFrame(0, b(0xaf, 0, 0x11, 0x90))), { kind: 'config', codec: 'aac', cts: 0, data: Buffer.from([0x11, 0x90]) });
  assert.deepEqual(brief(audioFrame(0, b(0xaf, 1, 7, 8))), { kind: 'key', codec: 'aac', cts: 0, data: Buffer.from([7, 8]) });
  assert.deepEqual(brief(audioFrame(0, b(0x90, 'mp4a', 0x11, 0x90))), { kind: 'config', codec: 'aac', cts: 0, data: Buffer.from([0x11, 0x90]) });
  assert.equal(audioFrame(0, b(0x2f, 1, 2)).codec, '', 'MP3');
  assert.equal(audioFrame(0, b(0x91, 'Opus', 1)).codec, '');
  assert.deepEqual([audioFrame(0, b(0x90, 'Opus', 1)).kind, audioFrame(0, b(0x90, 'Opus', 1)).codec], ['config', '']);
});

test('codec names for stats', () => {
  assert.equal(flvCodecName(videoFrame(0, b(0x17, 0, 0, 0, 0))), 'avc1');
  assert.equal(flvCodecName(videoFrame(0, b(0x90, 'av01', 1))), 'av01');
  assert.equal(flvCodecName(videoFrame(0, b(0x24, 0))), 'vp6');
  assert.equal(flvCodecName(audioFrame(0, b(0xaf, 0, 0x11, 0x90))), 'aac');
  assert.equal(flvCodecName(audioFrame(0, b(0x2f, 1))), 'mp3');
});

test('frames that wait for the next keyframe: inter frames and AAC frames of codecs we package, nothing else', () => {
  const waits = (f: MediaFrame) => waitsForKeyframe(f);
  assert.equal(waits(videoFrame(0, b(0x27, 1, 0, 0, 0))), true);
  assert.equal(waits(videoFrame(0, b(0x2c, 1, 0, 0, 0))), true, 'HEVC (legacy id 12)');
  assert.equal(waits(videoFrame(0, b(0x17, 1, 0, 0, 0))), false, 'keyframe');
  assert.equal(waits(videoFrame(0, b(0x27, 0, 0, 0, 0))), false, 'config');
  assert.equal(waits(videoFrame(0, b(0x27, 2, 0, 0, 0))), false, 'end of sequence');
  assert.equal(waits(videoFrame(0, b(0x22, 1, 0, 0, 0))), false, 'Sorenson H.263: not ours to batch');
  assert.equal(waits(videoFrame(0, b(0xa1, 'av01'))), true);
  assert.equal(waits(videoFrame(0, b(0xa3, 'hvc1'))), true);
  assert.equal(waits(videoFrame(0, b(0xa0, 'hvc1'))), false, 'enhanced sequence start');
  assert.equal(waits(videoFrame(0, b(0x91, 'hvc1'))), false, 'enhanced keyframe');
  assert.equal(waits(audioFrame(0, b(0xaf, 1))), true);
  assert.equal(waits(audioFrame(0, b(0xaf, 0))), false, 'AAC config');
  assert.equal(waits(audioFrame(0, b(0x2f))), false, 'MP3, too short');
  assert.equal(waits(audioFrame(0, b(0x2f, 0xff))), false, 'MP3');
  assert.equal(waits(dataFrame(0, Buffer.from([5]))), false);
});

test('isKeyframeStart (a keyframe by its first two bytes) agrees with the frame', () => {
  const cases: Buffer[] = [
    b(0x17, 1, 0, 0, 0),
    b(0x1c, 1, 0, 0, 0),
    b(0x17, 0, 0, 0, 0),
    b(0x27, 1, 0, 0, 0),
    b(0x12, 1, 0, 0, 0),
    b(0x91, 'avc1', 0, 0, 0),
    b(0x93, 'hvc1'),
    b(0x90, 'hvc1'),
    b(0xa1, 'hvc1', 0, 0, 0),
  ];
  for (const tag of cases) {
    const f = videoFrame(0, tag);
    assert.equal(isKeyframeStart(tag[0], tag[1]), f.kind === 'key' && f.codec !== '', tag.toString('hex'));
  }
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
    amfStr('width'),
    amfNum(1280),
    amfStr('height'),
    amfNum(720),
    amfStr('framerate'),
    amfNum(30),
    amfStr('videocodecid'),
    Buffer.from([2]),
    amfStr('hvc1'),
    amfStr('nested'),
    Buffer.from([3]),
    amfStr('x'),
    Buffer.from([1, 1]),
    amfStr(''),
    Buffer.from([9]),
    amfStr('audiocodecid'),
    amfNum(10),
    amfStr(''),
    Buffer.from([9]),
  ]);
  const body = Buffer.concat([Buffer.from([2]), amfStr('onMetaData'), arr]);
  const m = parseOnMetaData(body);
  assert.deepEqual([m?.width, m?.height, m?.framerate, m?.videocodecid, m?.audiocodecid], [1280, 720, 30, 'hvc1', 10]);
  const withSet = Buffer.concat([Buffer.from([2]), amfStr('@setDataFrame'), body]);
  assert.equal(parseOnMetaData(withSet)?.width, 1280);
  assert.equal(parseOnMetaData(Buffer.concat([Buffer.from([2]), amfStr('onCuePoint'), arr])), undefined);
  assert.equal(parseOnMetaData(body.subarray(0, body.length - 10)), undefined, 'truncated');
  const f = dataFrame(7, body);
  assert.deepEqual([f.kind, f.dts, f.meta?.width, f.tag], ['meta', 7, 1280, body]);
  assert.equal(dataFrame(0, Buffer.from([2, 0, 1, 0x78])).kind, 'other', 'other script data');
});

test('an FLV stream read in chunks of any size gives the frames of the whole file', () => {
  const frames: MediaFrame[] = [
    videoFrame(0, Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff])),
    videoFrame(0, Buffer.from([0x17, 1, 0, 0, 0x21, 0, 0, 0, 2, 0x65, 0x88])),
    audioFrame(10, Buffer.from([0xaf, 1, 0x21, 0x10])),
    videoFrame(33, Buffer.from([0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41])),
  ];
  const bytes = Buffer.concat([flvHeader(), ...frames.flatMap((f) => flvTag(f))]);
  const whole = [...parseFlvFile(bytes)];
  assert.deepEqual(
    whole.map((f) => [f.track, f.kind, f.dts, f.cts]),
    frames.map((f) => [f.track, f.kind, f.dts, f.cts]),
  );
  for (const size of [1, 7, 13, 64, bytes.length]) {
    const got: MediaFrame[] = [];
    const reader = new FlvStreamReader((f) => got.push(f));
    for (let o = 0; o < bytes.length; o += size) reader.push(bytes.subarray(o, o + size));
    assert.deepEqual(
      got.map((f) => [f.track, f.kind, f.dts, f.cts, f.tag.toString('hex')]),
      frames.map((f) => [f.track, f.kind, f.dts, f.cts, f.tag.toString('hex')]),
      `chunks of ${size}`,
    );
  }
  assert.throws(() => new FlvStreamReader(() => {}).push(Buffer.from('not an flv stream at all')), /not an FLV stream/);
});
