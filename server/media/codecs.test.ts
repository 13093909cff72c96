import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAsc } from './aac-config.js';
import { unescapeRbsp } from './bitstream.js';
import { av1Info, avcInfo, hevcInfo, parseH264Sps } from './codecs.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('H.264 SPS: size, profile, level, fps (x264 High 640x360 with cropping)', () => {
  const s = parseH264Sps(hex('6764001eacd940a02ff970110000030001000003003c0f162d96'));
  assert.equal(s.width, 640);
  assert.equal(s.height, 360);
  assert.equal(s.profileIdc, 100);
  assert.equal(s.levelIdc, 30);
  assert.equal(s.fps, 30);
});

test('H.264 SPS: Main 1280x720', () => {
  const s = parseH264Sps(hex('674d401feca02802dd8088000003000800000301e078c18cb0'));
  assert.deepEqual([s.width, s.height, s.profileIdc, s.constraintFlags, s.levelIdc], [1280, 720, 77, 0x40, 31]);
});

test('H.264 SPS: rejects a non-SPS NAL', () => {
  assert.throws(() => parseH264Sps(hex('68ebe3cb22c0')));
});

test('avcC -> codec string avc1.PPCCLL', () => {
  const sps = hex('674d401feca02802dd8088000003000800000301e078c18cb0');
  const pps = hex('68ebe3cb22c0');
  const rec = Buffer.concat([hex('014d401fff e1'), Buffer.from([0, sps.length]), sps, hex('01'), Buffer.from([0, pps.length]), pps]);
  const info = avcInfo(rec);
  assert.equal(info.codec, 'avc1.4d401f');
  assert.equal(info.width, 1280);
  assert.equal(info.height, 720);
  assert.equal(info.profile, 'Main');
  assert.equal(info.level, '3.1');
});

test('emulation prevention bytes are removed', () => {
  assert.deepEqual([...unescapeRbsp(hex('0000030100000302'))], [0, 0, 1, 0, 0, 2]);
  const plain = hex('01020304');
  assert.equal(unescapeRbsp(plain), plain);
});

test('AudioSpecificConfig', () => {
  const table: [string, string, number, number, number][] = [
    ['1190', 'mp4a.40.2', 48000, 2, 1024], // LC 48k stereo
    ['1210', 'mp4a.40.2', 44100, 2, 1024], // LC 44.1k stereo
    ['1188', 'mp4a.40.2', 48000, 1, 1024], // LC 48k mono
    ['1194', 'mp4a.40.2', 48000, 2, 960], // frameLengthFlag
    ['2b1188', 'mp4a.40.5', 24000, 2, 1024], // HE-AAC explicit: core 24k
  ];
  for (const [asc, codec, rate, ch, frame] of table) {
    const a = parseAsc(hex(asc));
    assert.deepEqual([a.codec, a.sampleRate, a.channels, a.frameLength], [codec, rate, ch, frame], asc);
  }
  assert.throws(() => parseAsc(hex('11')));
});

test('hvcC -> hvc1 codec string (Main, L93, constraint B0)', () => {
  const rec = Buffer.alloc(23);
  rec[0] = 1;
  rec[1] = 0x01; // space 0, tier 0, profile 1
  rec.writeUInt32BE(0x60000000, 2); // compat flags 1 and 2
  rec[6] = 0xb0; // constraint flags
  rec[12] = 93;
  rec[21] = 0x0f;
  rec[22] = 0; // no arrays
  const info = hevcInfo(rec);
  assert.equal(info.codec, 'hvc1.1.6.L93.B0');
  assert.equal(info.level, '3.1');
});

test('av1C -> av01 codec string', () => {
  assert.equal(av1Info(hex('81080c00')).codec, 'av01.0.08M.08');
  assert.equal(av1Info(hex('810d4c00')).codec, 'av01.0.13M.10');
  assert.deepEqual([av1Info(hex('81000c00')).level, av1Info(hex('81080c00')).level, av1Info(hex('810d4c00')).level], ['2.0', '4.0', '5.1']);
  assert.throws(() => av1Info(hex('00')));
});
