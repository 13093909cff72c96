// Profile and level choice for the WebCodecs H.264 encoder: pure, against H.264 Table A-1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { avcCandidates, avcCodecString, avcLevel } from './studio/engine/encode/avc-codec.js';

test('the lowest level whose limits hold the stream', () => {
  assert.equal(avcLevel(1280, 720, 30, 3500), 31);
  assert.equal(avcLevel(1280, 720, 60, 4500), 32);
  assert.equal(avcLevel(1920, 1080, 30, 6000), 40);
  assert.equal(avcLevel(1920, 1080, 60, 9000), 42);
  assert.equal(avcLevel(854, 480, 30, 1200), 31, '854x480 is 1620+ macroblocks: over 3.0');
  assert.equal(avcLevel(640, 360, 30, 1000), 30);
  assert.equal(avcLevel(3840, 2160, 30, 20_000), 51);
  assert.equal(avcLevel(1280, 720, 30, 16_000, 'main'), 32, 'bitrate over 3.1 for Main');
  assert.equal(avcLevel(1280, 720, 30, 16_000, 'high'), 31, 'High has 1.25 times the room');
  assert.equal(avcLevel(8192, 8192, 60, 1000), null, 'nothing holds it');
  assert.throws(() => avcLevel(0, 720, 30, 1000), /positive/);
});

test('codec strings and the order to try them', () => {
  assert.equal(avcCodecString('high', 40), 'avc1.640028');
  assert.equal(avcCodecString('main', 31), 'avc1.4d401f');
  assert.equal(avcCodecString('baseline', 31), 'avc1.42e01f');
  assert.deepEqual(
    avcCandidates(1920, 1080, 30, 6000).map((c) => c.codec),
    ['avc1.640028', 'avc1.4d4028', 'avc1.42e028'],
  );
  assert.deepEqual(
    avcCandidates(1280, 720, 30, 3500).map((c) => [c.profile, c.level]),
    [
      ['high', 31],
      ['main', 31],
      ['baseline', 31],
    ],
  );
});
