// FLV tag building from encoded codec data: known records parse back to the same bytes through flv.ts, bad input
// is refused in plain words, and an FLV of real libx264 + AAC frames rewrapped here decodes in ffmpeg.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ffmpegPath, ffprobe, runOk } from '../test-support/process.js';
import { aacConfigFrame, aacFrame, avcConfigFrame, avcFrame } from './flv-tags.js';
import { flvHeader, flvTag } from './flv-writer.js';
import type { MediaFrame } from './frame.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SPS = hex('674d401feca02802dd8088000003000800000301e078c18cb0');
const PPS = hex('68ebe3cb22c0');
const avcC = (sps: Buffer, pps: Buffer) =>
  Buffer.concat([Buffer.from([1, sps[1], sps[2], sps[3], 0xff, 0xe1, 0, sps.length]), sps, Buffer.from([1, 0, pps.length]), pps]);

test('AVC and AAC sequence headers and frames read back through flv.ts', () => {
  const rec = avcC(SPS, PPS);
  const cfg = avcConfigFrame(0, rec);
  assert.deepEqual([cfg.track, cfg.kind, cfg.codec], ['video', 'config', 'avc']);
  assert.deepEqual(Buffer.from(cfg.data), rec);
  const au = Buffer.from([0, 0, 0, 3, 0x65, 0x88, 0x84, 0, 0, 0, 2, 0x06, 0x05]);
  const key = avcFrame(1000, true, au, 33);
  assert.deepEqual([key.kind, key.codec, key.dts, key.cts], ['key', 'avc', 1000, 33]);
  assert.deepEqual(Buffer.from(key.data), au);
  assert.equal(avcFrame(1033, false, au, -20).cts, -20, 'negative composition offsets survive');
  assert.equal(avcFrame(1033, false, au).kind, 'inter');
  const asc = hex('1190');
  const a = aacConfigFrame(0, asc);
  assert.deepEqual([a.track, a.kind, a.codec, Buffer.from(a.data)], ['audio', 'config', 'aac', asc]);
  const f = aacFrame(21, Buffer.from([0x21, 0x10, 0x04]));
  assert.deepEqual([f.kind, f.codec, f.dts, Buffer.from(f.data)], ['key', 'aac', 21, Buffer.from([0x21, 0x10, 0x04])]);
});

test('bad input is refused in plain words', () => {
  assert.throws(() => avcConfigFrame(0, Buffer.from([0, 1, 2])), /AVCDecoderConfigurationRecord/);
  const twoByteLengths = avcC(SPS, PPS);
  twoByteLengths[4] = 0xfd;
  assert.throws(() => avcConfigFrame(0, twoByteLengths), /4/);
  assert.throws(() => avcFrame(0, true, Buffer.from([0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x10])), /not AVCC/, 'Annex B start code read as a length');
  assert.throws(() => avcFrame(0, true, Buffer.alloc(0)), /empty/);
  assert.throws(() => aacConfigFrame(0, Buffer.from([0x11])), /AudioSpecificConfig/);
  assert.throws(() => aacFrame(0, Buffer.from([0xff, 0xf1, 0x50, 0x80])), /ADTS/);
});

/** Annex B access units (start codes) split into NAL units. */
function annexBNalus(b: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = 0; i + 3 < b.length; i++) if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) starts.push(i + 3);
  return starts.map((s, i) => {
    let end = i + 1 < starts.length ? starts[i + 1]! - 3 : b.length;
    while (end > s && b[end - 1] === 0) end--;
    return b.subarray(s, end);
  });
}

test('real libx264 and AAC frames rewrapped into FLV decode in ffmpeg', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-flv-tags-'));
  try {
    const h264 = path.join(dir, 'v.h264');
    const adts = path.join(dir, 'a.aac');
    const common = ['-hide_banner', '-loglevel', 'error', '-y'];
    await runOk(ffmpegPath, [
      ...common,
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25',
      '-frames:v',
      '25',
      '-c:v',
      'libx264',
      '-bf',
      '0',
      '-g',
      '25',
      h264,
    ]);
    await runOk(ffmpegPath, [...common, '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000', '-t', '1', '-ac', '2', '-c:a', 'aac', adts]);
    const frames: MediaFrame[] = [];
    let sps: Buffer | undefined, pps: Buffer | undefined;
    let au: Buffer[] = [];
    let n = 0;
    const lengthOf = (x: Buffer) => {
      const l = Buffer.alloc(4);
      l.writeUInt32BE(x.length);
      return l;
    };
    const flush = () => {
      if (!au.length) return;
      const key = au.some((x) => (x[0]! & 0x1f) === 5);
      frames.push(avcFrame(n++ * 40, key, Buffer.concat(au.flatMap((x) => [lengthOf(x), x]))));
      au = [];
    };
    for (const nal of annexBNalus(readFileSync(h264))) {
      const t = nal[0]! & 0x1f;
      if (t === 7) sps = nal;
      else if (t === 8) pps = nal;
      else if (t === 9) flush();
      else if (t === 1 || t === 5) {
        au.push(nal);
        flush(); // one slice per picture from libx264 without threads at this size
      } else au.push(nal);
    }
    flush();
    assert.ok(sps && pps, 'libx264 wrote SPS and PPS');
    const raw = readFileSync(adts);
    const audio: MediaFrame[] = [];
    let asc: Buffer | undefined;
    for (let p = 0, i = 0; p + 7 <= raw.length; i++) {
      const len = ((raw[p + 3]! & 3) << 11) | (raw[p + 4]! << 3) | (raw[p + 5]! >> 5);
      const headerLen = raw[p + 1]! & 1 ? 7 : 9;
      if (!asc) {
        const profile = (raw[p + 2]! >> 6) + 1;
        const rateIdx = (raw[p + 2]! >> 2) & 0xf;
        const ch = ((raw[p + 2]! & 1) << 2) | (raw[p + 3]! >> 6);
        asc = Buffer.from([(profile << 3) | (rateIdx >> 1), ((rateIdx & 1) << 7) | (ch << 3)]);
      }
      audio.push(aacFrame(Math.round((i * 1024 * 1000) / 48000), raw.subarray(p + headerLen, p + len)));
      p += len;
    }
    const all = [avcConfigFrame(0, avcC(sps!, pps!)), aacConfigFrame(0, asc!), ...[...frames, ...audio].sort((a, b) => a.dts - b.dts)];
    const flv = path.join(dir, 'out.flv');
    writeFileSync(flv, Buffer.concat([flvHeader(), ...all.flatMap((f) => flvTag(f))]));
    const probe = await ffprobe(flv);
    const v = probe.streams.find((s) => s.codec_type === 'video');
    const a = probe.streams.find((s) => s.codec_type === 'audio');
    assert.deepEqual([v?.codec_name, v?.width, v?.height], ['h264', 320, 240]);
    assert.deepEqual([a?.codec_name, Number(a?.sample_rate), a?.channels], ['aac', 48000, 2]);
    const decoded = await runOk(ffmpegPath, ['-v', 'error', '-i', flv, '-f', 'null', '-'], 30_000);
    assert.equal(decoded.stderr.trim(), '', 'decodes without errors');
    const count = await runOk(ffmpegPath, ['-v', 'error', '-i', flv, '-map', '0:v', '-f', 'framemd5', '-'], 30_000);
    assert.equal(count.stdout.split('\n').filter((l) => /^0,/.test(l)).length, 25, 'every picture decodes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
