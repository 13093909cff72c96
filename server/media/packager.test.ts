// End-to-end: ffmpeg-made FLV files -> LivePackager -> ffprobe/ffmpeg read the HLS (and DASH) output back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MediaMessage } from '../rtmp/types.js';
import { readFlvFile } from './flv-file.js';
import { LivePackager, type SegmentInfo } from './packager.js';
import { decode, extinf, feed, makeTestFlvs, packagerFactory, run, type TestFlvs } from './test-fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'onair-packager-'));
let files: TestFlvs;
before(async () => {
  files = await makeTestFlvs(work);
});
after(() => rmSync(work, { recursive: true, force: true }));
const packager = packagerFactory(work);

interface Probe { streams: { codec_name: string; codec_type: string; width?: number; height?: number }[]; format: { duration: string } }
async function probe(path: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path]);
  return JSON.parse(stdout) as Probe;
}



test('H.264 + AAC: HLS probes and decodes, DASH probes, segments ~1 s', async () => {
  const { p, dir, segments } = packager();
  await feed(p, files.av);
  await p.end();
  const m3u8 = readFileSync(join(dir, 'index.m3u8'), 'utf8');
  assert.ok(m3u8.includes('#EXT-X-ENDLIST') && m3u8.includes('#EXT-X-PLAYLIST-TYPE:VOD'));
  const d = extinf(m3u8);
  assert.equal(d.length, 6);
  for (const x of d.slice(0, -1)) assert.ok(x >= 0.9 && x <= 1.1, `EXTINF ${x}`);
  const pr = await probe(join(dir, 'index.m3u8'));
  const video = pr.streams.find((s) => s.codec_type === 'video');
  const audio = pr.streams.find((s) => s.codec_type === 'audio');
  assert.equal(video?.codec_name, 'h264');
  assert.equal(audio?.codec_name, 'aac');
  assert.deepEqual([video?.width, video?.height], [640, 360]);
  assert.ok(Math.abs(Number(pr.format.duration) - 6) <= 0.5, `duration ${pr.format.duration}`);
  assert.equal(await decode(join(dir, 'index.m3u8')), '');
  // DASH: ffmpeg's dash demuxer probes a muxed representation fine (it cannot decode one: it labels every packet
  // with the representation's first stream), so only the probe is checked here.
  const mpd = readFileSync(join(dir, 'index.mpd'), 'utf8');
  assert.match(mpd, /type="static"/);
  const dp = await probe(join(dir, 'index.mpd'));
  assert.ok(dp.streams.some((s) => s.codec_name === 'h264' && s.width === 640));
  assert.ok(Math.abs(Number(dp.format.duration) - 6) <= 0.5, `dash duration ${dp.format.duration}`);
  const info = p.info();
  assert.equal(info.video?.codec, 'avc1.42c01e'); // x264 ultrafast: Constrained Baseline 3.0
  assert.deepEqual([info.video?.width, info.video?.height, info.audio?.sampleRate], [640, 360, 48000]);
  assert.equal(info.segments, 6);
  assert.equal(segments.length, 6);
  assert.ok(Math.abs(info.durationSeconds - 6) < 0.1);
  assert.equal(p.stats.droppedFrames, 0);
  await p.end(); // idempotent
});

test('discontinuity: A, reconnect, B with timestamps from 0 -> one EXT-X-DISCONTINUITY, plays end to end', async () => {
  const { p, dir } = packager();
  await feed(p, files.av);
  p.discontinuity();
  await feed(p, files.b);
  await p.end();
  const m3u8 = readFileSync(join(dir, 'index.m3u8'), 'utf8');
  assert.equal(m3u8.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
  assert.deepEqual(m3u8.split('\n').filter((l) => l.startsWith('#EXT-X-MAP')), ['#EXT-X-MAP:URI="init-0.mp4"', '#EXT-X-MAP:URI="init-1.mp4"']);
  // The whole playlist decodes (exit 0). The ffmpeg CLI keeps the first init's SPS/PPS across an EXT-X-MAP change
  // (players re-initialise on a new init; ffmpeg does not), so each part's decode is checked for errors on its own.
  await decode(join(dir, 'index.m3u8'));
  const lines = m3u8.split('\n');
  const cut = lines.indexOf('#EXT-X-DISCONTINUITY');
  const head = lines.slice(0, lines.findIndex((l) => l.startsWith('#EXT-X-MAP')));
  writeFileSync(join(dir, 'a.m3u8'), [...lines.slice(0, cut), '#EXT-X-ENDLIST', ''].join('\n'));
  writeFileSync(join(dir, 'b.m3u8'), [...head, ...lines.slice(cut + 1)].join('\n'));
  assert.equal(await decode(join(dir, 'a.m3u8')), '');
  assert.equal(await decode(join(dir, 'b.m3u8')), '');
  assert.deepEqual((await probe(join(dir, 'b.m3u8'))).streams.filter((s) => s.width).map((s) => [s.width, s.height]), [[480, 270]]);
  const pr = await probe(join(dir, 'index.m3u8'));
  assert.ok(Math.abs(Number(pr.format.duration) - 10) <= 0.5, `duration ${pr.format.duration}`);
  assert.ok(Math.abs(extinf(m3u8).reduce((x, y) => x + y, 0) - 10) <= 0.2);
  const mpd = readFileSync(join(dir, 'index.mpd'), 'utf8');
  assert.equal(mpd.split('<Period ').length - 1, 2);
  assert.match(mpd, /initialization="init-1.mp4"/);
});

test('discontinuity with the same codec config reuses the init', async () => {
  const { p, dir } = packager();
  await feed(p, files.av);
  p.discontinuity();
  await feed(p, files.av);
  await p.end();
  const m3u8 = readFileSync(join(dir, 'index.m3u8'), 'utf8');
  assert.equal(m3u8.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
  assert.deepEqual(m3u8.split('\n').filter((l) => l.startsWith('#EXT-X-MAP')), ['#EXT-X-MAP:URI="init-0.mp4"']);
  assert.equal(await decode(join(dir, 'index.m3u8')), '');
  const pr = await probe(join(dir, 'index.m3u8'));
  assert.ok(Math.abs(Number(pr.format.duration) - 12) <= 0.5, `duration ${pr.format.duration}`);
});

test('live window while feeding; full VOD list after end', async () => {
  const { p, dir } = packager({ liveWindow: 3 });
  const seen: string[] = [];
  p.on('segment', () => seen.push(readFileSync(join(dir, 'index.m3u8'), 'utf8')));
  await feed(p, files.av);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(seen.length >= 4, `playlists seen while live: ${seen.length}`);
  for (const m of seen) {
    assert.ok(extinf(m).length <= 3);
    assert.ok(!m.includes('#EXT-X-ENDLIST'));
  }
  assert.match(seen[seen.length - 1], /#EXT-X-MEDIA-SEQUENCE:[1-9]/);
  const liveMpd = p.liveManifest() ?? '';
  assert.match(liveMpd, /type="dynamic"/);
  assert.ok((liveMpd.match(/<S /g) ?? []).length >= 1);
  await p.end();
  assert.match(readFileSync(join(dir, 'index.mpd'), 'utf8'), /type="static"/);
  const final = readFileSync(join(dir, 'index.m3u8'), 'utf8');
  assert.equal(extinf(final).length, 6);
  assert.ok(final.includes('#EXT-X-ENDLIST'));
  assert.match(final, /#EXT-X-MEDIA-SEQUENCE:0\n/);
});

test('audio-only stream', async () => {
  const { p, dir } = packager();
  await feed(p, files.audio);
  await p.end();
  const pr = await probe(join(dir, 'index.m3u8'));
  assert.deepEqual(pr.streams.map((s) => s.codec_name), ['aac']);
  assert.ok(Math.abs(Number(pr.format.duration) - 4) <= 0.5);
  assert.equal(await decode(join(dir, 'index.m3u8')), '');
  for (const x of extinf(readFileSync(join(dir, 'index.m3u8'), 'utf8')).slice(0, -1)) assert.ok(x >= 0.9 && x <= 1.1);
  assert.equal(p.info().video, undefined);
});

test('video-only stream', async () => {
  const { p, dir } = packager();
  await feed(p, files.video);
  await p.end();
  const pr = await probe(join(dir, 'index.m3u8'));
  assert.deepEqual(pr.streams.map((s) => s.codec_name), ['h264']);
  assert.deepEqual([pr.streams[0].width, pr.streams[0].height], [320, 240]);
  assert.ok(Math.abs(Number(pr.format.duration) - 3) <= 0.5);
  assert.equal(await decode(join(dir, 'index.m3u8')), '');
  assert.equal(await decode(join(dir, 'index.mpd')), '');
});

test('broken publisher: garbage, backwards and jumping timestamps, no keyframes -> bounded, no negative durations', async () => {
  const { p, dir } = packager();
  const msgs = await readFlvFile(files.video);
  for (const junk of [Buffer.alloc(0), Buffer.from([0x17]), Buffer.from([0x17, 1]), Buffer.from([0xff, 1, 2, 3, 4, 5]), Buffer.from([0x90, 0x61])]) {
    p.push({ type: 'video', timestamp: 0, payload: junk });
    p.push({ type: 'audio', timestamp: 0, payload: junk });
    p.push({ type: 'data', timestamp: 0, payload: junk });
  }
  let t = 0;
  for (const [i, m] of msgs.entries()) {
    // every 20th message steps back 500 ms; message 40 jumps 1 h forward
    t = i === 40 ? t + 3_600_000 : i % 20 === 19 ? t - 500 : t + 33;
    p.push({ ...m, timestamp: Math.max(0, m.type === 'data' ? 0 : t) });
  }
  // a publisher that never sends another keyframe
  const delta: MediaMessage = { type: 'video', timestamp: 0, payload: Buffer.concat([Buffer.from([0x27, 1, 0, 0, 0]), Buffer.alloc(64 * 1024)]) };
  for (let i = 0; i < 400; i++) p.push({ ...delta, timestamp: t + 33 * (i + 1) });
  assert.ok(p.stats.forcedCuts > 0, 'queue bound forced a cut');
  assert.ok(p.stats.skippedMessages > 0);
  assert.ok(p.stats.timestampJumps > 0);
  await p.end();
  const m3u8 = readFileSync(join(dir, 'index.m3u8'), 'utf8');
  for (const x of extinf(m3u8)) assert.ok(x > 0 && x < 30, `EXTINF ${x}`);
  assert.ok(!/d="-/.test(readFileSync(join(dir, 'index.mpd'), 'utf8')));
});
