// End-to-end: ffmpeg-made FLV files -> LivePackager -> ffprobe/ffmpeg read the HLS master, the per-track
// playlists and the DASH MPD back. ffmpeg's dash demuxer decodes audio AND video (one AdaptationSet per track,
// as dash.js and Shaka want too).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseTag } from './flv.js';
import { retimed, type MediaFrame } from './frame.js';
import { readFlvFile } from './flv-file.js';
import { LivePackager } from './packager.js';
import { decode, extinf, feed, makeTestFlvs, packagerFactory, type TestFlvs } from '../test-support/media.js';
import { ffprobePath, runOk } from '../test-support/process.js';

const work = mkdtempSync(join(tmpdir(), 'onair-packager-'));
let files: TestFlvs;
before(async () => {
  files = await makeTestFlvs(work);
});
after(() => rmSync(work, { recursive: true, force: true }));
const packager = packagerFactory(work);

interface Stream {
  codec_name: string;
  codec_type: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
}
interface Probe {
  streams: Stream[];
  format: { duration: string };
}
async function probe(path: string, count = false): Promise<Probe> {
  const args = ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', ...(count ? ['-count_frames'] : []), path];
  const { stdout } = await runOk(ffprobePath, args);
  const pr = JSON.parse(stdout) as Probe;
  // HLS/DASH list each stream under a program and again at the top level: keep one per type.
  const seen = new Set<string>();
  pr.streams = pr.streams.filter((s) => !seen.has(s.codec_type) && seen.add(s.codec_type));
  return pr;
}

/** One turn of the event loop: segment files cut in the last one are written. */
const turn = () => new Promise((resolve) => setImmediate(resolve));
const lines = (t: string, prefix: string): string[] => t.split('\n').filter((l) => l.startsWith(prefix));
const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');
const frames = (pr: Probe, type: string): number => Number(pr.streams.find((s) => s.codec_type === type)?.nb_read_frames ?? 0);

/** The AdaptationSets of an MPD, as { contentType, mimeType, timescale, durations (sum of S@d x (r+1)) }. */
function adaptationSets(mpd: string): { contentType: string; mimeType: string; timescale: number; ticks: number; init: string }[] {
  return [...mpd.matchAll(/<AdaptationSet\b([^>]*)>([\s\S]*?)<\/AdaptationSet>/g)].map(([, attrs, body]) => {
    let ticks = 0;
    for (const s of body.matchAll(/<S\b[^>]*\bd="(\d+)"(?:\s+r="(\d+)")?/g)) ticks += Number(s[1]) * (Number(s[2] ?? 0) + 1);
    return {
      contentType: /contentType="([^"]+)"/.exec(attrs)?.[1] ?? '',
      mimeType: /mimeType="([^"]+)"/.exec(attrs)?.[1] ?? '',
      timescale: Number(/timescale="(\d+)"/.exec(body)?.[1]),
      ticks,
      init: /initialization="([^"]+)"/.exec(body)?.[1] ?? '',
    };
  });
}

test('H.264 + AAC -> per-track files, HLS master decodes, DASH decodes audio and video', async () => {
  const { p, dir, segments } = packager();
  await feed(p, files.av);
  await p.end();
  const names = readdirSync(dir).sort();
  const expected = ['a-init-0.mp4', 'v-init-0.mp4', 'audio.m3u8', 'video.m3u8', 'index.m3u8', 'index.mpd', 'journal.jsonl'];
  for (let i = 0; i < 6; i++) expected.push(`v-seg-${i}.m4s`, `a-seg-${i}.m4s`);
  assert.deepEqual(names, expected.sort());
  assert.deepEqual(
    segments.map((s) => s.files),
    [0, 1, 2, 3, 4, 5].map((i) => [`v-seg-${i}.m4s`, `a-seg-${i}.m4s`]),
  );

  const master = read(dir, 'index.m3u8');
  assert.deepEqual(lines(master, '#EXT-X-MEDIA:'), [
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,URI="audio.m3u8"',
  ]);
  assert.match(
    master,
    /^#EXT-X-STREAM-INF:BANDWIDTH=\d+,RESOLUTION=640x360,FRAME-RATE=30\.000,CODECS="avc1\.42c01e,mp4a\.40\.2",AUDIO="audio"\nvideo\.m3u8$/m,
  );
  assert.ok(!master.includes('#EXTINF') && !master.includes('ENDLIST'));
  for (const [f, init, seg] of [
    ['video.m3u8', 'v-init-0.mp4', 'v-seg-'],
    ['audio.m3u8', 'a-init-0.mp4', 'a-seg-'],
  ]) {
    const m = read(dir, f);
    assert.deepEqual(lines(m, '#EXT-X-MAP'), [`#EXT-X-MAP:URI="${init}"`], f);
    assert.equal(extinf(m).length, 6, f);
    assert.equal(lines(m, '#EXT-X-PROGRAM-DATE-TIME').length, 6, f);
    assert.ok(m.includes('#EXT-X-PLAYLIST-TYPE:VOD') && m.endsWith('#EXT-X-ENDLIST\n'), f);
    assert.deepEqual(
      m.split('\n').filter((l) => l.startsWith(seg)),
      [0, 1, 2, 3, 4, 5].map((i) => `${seg}${i}.m4s`),
    );
    assert.ok(Math.abs(extinf(m).reduce((x, y) => x + y, 0) - 6) <= 0.1, `${f} total`);
  }

  const pr = await probe(join(dir, 'index.m3u8'), true);
  const video = pr.streams.find((s) => s.codec_type === 'video');
  assert.equal(video?.codec_name, 'h264');
  assert.deepEqual([video?.width, video?.height], [640, 360]);
  assert.equal(pr.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
  assert.ok(Math.abs(Number(pr.format.duration) - 6) <= 0.5, `duration ${pr.format.duration}`);
  assert.equal(frames(pr, 'video'), 180);
  assert.ok(frames(pr, 'audio') >= 275, `audio frames ${frames(pr, 'audio')}`);
  assert.equal(await decode(join(dir, 'index.m3u8')), '');

  const mpd = read(dir, 'index.mpd');
  assert.match(mpd, /type="static"/);
  const sets = adaptationSets(mpd);
  assert.deepEqual(
    sets.map((s) => [s.contentType, s.mimeType, s.timescale, s.init]),
    [
      ['video', 'video/mp4', 90000, 'v-init-0.mp4'],
      ['audio', 'audio/mp4', 48000, 'a-init-0.mp4'],
    ],
  );
  assert.ok(Math.abs(sets[0].ticks / 90000 - 6) < 0.05, `video timeline ${sets[0].ticks}`);
  assert.ok(Math.abs(sets[1].ticks / 48000 - 6) < 0.05, `audio timeline ${sets[1].ticks}`);
  assert.match(mpd, /media="v-seg-\$Number\$\.m4s" startNumber="0"/);
  assert.match(mpd, /media="a-seg-\$Number\$\.m4s" startNumber="0"/);
  // The point of the layout: ffmpeg's dash demuxer decodes both streams, all of them, without an error.
  assert.equal(await decode(join(dir, 'index.mpd')), '');
  const dp = await probe(join(dir, 'index.mpd'), true);
  assert.deepEqual(dp.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  assert.equal(frames(dp, 'video'), 180);
  assert.ok(frames(dp, 'audio') >= 275, `dash audio frames ${frames(dp, 'audio')}`);

  // Each file is one track, and the tracks' decode times continue across segments: init + all segments of
  // one track is a valid fragmented MP4 with exactly one stream, decoding cleanly and stepping evenly.
  for (const [prefix, type, codec] of [
    ['v', 'video', 'h264'],
    ['a', 'audio', 'aac'],
  ]) {
    const whole = join(dir, `${prefix}-all.mp4`);
    writeFileSync(
      whole,
      Buffer.concat([`${prefix}-init-0.mp4`, ...[0, 1, 2, 3, 4, 5].map((i) => `${prefix}-seg-${i}.m4s`)].map((f) => readFileSync(join(dir, f)))),
    );
    const tp = await probe(whole);
    assert.deepEqual(
      tp.streams.map((s) => [s.codec_type, s.codec_name]),
      [[type, codec]],
    );
    assert.equal(await decode(whole), '');
    const { stdout } = await runOk(ffprobePath, ['-v', 'error', '-show_entries', 'packet=dts', '-of', 'csv=p=0', whole]);
    const dts = stdout.trim().split('\n').map(Number);
    assert.equal(dts.length, type === 'video' ? 180 : 282);
    const steps = [...new Set(dts.slice(1).map((d, i) => d - dts[i]))].sort();
    // Audio is sample-exact; video follows the FLV's millisecond timestamps (33 or 34 ms at 90 kHz).
    if (type === 'audio') assert.deepEqual(steps, [1024], 'audio dts steps');
    else
      assert.ok(
        steps.every((x) => x >= 2970 && x <= 3060),
        `video dts steps ${steps.join(',')}`,
      );
  }
  assert.equal(p.stats.droppedFrames, 0);
  const info = p.info();
  assert.equal(info.video?.codec, 'avc1.42c01e'); // x264 ultrafast: Constrained Baseline 3.0
  assert.deepEqual([info.video?.width, info.video?.height, info.audio?.sampleRate], [640, 360, 48000]);
  assert.equal(info.segments, 6);
  assert.ok(Math.abs(info.durationSeconds - 6) < 0.1);
  await p.end(); // idempotent
});

test('discontinuity -> one DISCONTINUITY per media playlist, new inits per track, two Periods of two sets', async () => {
  const { p, dir } = packager();
  await feed(p, files.av);
  p.discontinuity();
  await feed(p, files.b);
  await p.end();
  for (const [f, prefix] of [
    ['video.m3u8', 'v'],
    ['audio.m3u8', 'a'],
  ]) {
    const m = read(dir, f);
    assert.equal(m.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1, f);
    assert.deepEqual(lines(m, '#EXT-X-MAP'), [`#EXT-X-MAP:URI="${prefix}-init-0.mp4"`, `#EXT-X-MAP:URI="${prefix}-init-1.mp4"`]);
    assert.equal(extinf(m).length, 10, f);
    assert.ok(m.endsWith('#EXT-X-ENDLIST\n'));
  }
  for (let i = 0; i < 10; i++) assert.ok(existsSync(join(dir, `v-seg-${i}.m4s`)) && existsSync(join(dir, `a-seg-${i}.m4s`)), `segment ${i}`);
  // The master follows the newest part (player that start later see its resolution).
  assert.match(read(dir, 'index.m3u8'), /RESOLUTION=480x270,FRAME-RATE=30\.000,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",AUDIO="audio"/);
  const pr = await probe(join(dir, 'index.m3u8'));
  assert.ok(Math.abs(Number(pr.format.duration) - 10) <= 0.5, `duration ${pr.format.duration}`);
  // As in the muxed test: ffmpeg keeps the first init's SPS across EXT-X-MAP, so each part is decoded on its own.
  const v = read(dir, 'video.m3u8').split('\n');
  const cut = v.indexOf('#EXT-X-DISCONTINUITY');
  const head = v.slice(
    0,
    v.findIndex((l) => l.startsWith('#EXT-X-MAP')),
  );
  writeFileSync(join(dir, 'va.m3u8'), [...v.slice(0, cut), '#EXT-X-ENDLIST', ''].join('\n'));
  writeFileSync(join(dir, 'vb.m3u8'), [...head, ...v.slice(cut + 1)].join('\n'));
  assert.equal(await decode(join(dir, 'va.m3u8')), '');
  assert.equal(await decode(join(dir, 'vb.m3u8')), '');
  assert.equal(await decode(join(dir, 'audio.m3u8')), '');

  const mpd = read(dir, 'index.mpd');
  const periods = mpd.split('<Period ').slice(1);
  assert.equal(periods.length, 2);
  for (const [i, per] of periods.entries()) {
    const sets = adaptationSets(per);
    assert.deepEqual(
      sets.map((s) => [s.contentType, s.timescale, s.init]),
      [
        ['video', 90000, `v-init-${i}.mp4`],
        ['audio', 48000, `a-init-${i}.mp4`],
      ],
    );
    assert.ok(Math.abs(sets[1].ticks / 48000 - sets[0].ticks / 90000) < 0.1, `period ${i}: audio and video cover the same time`);
  }
  assert.match(periods[1], /media="v-seg-\$Number\$\.m4s" startNumber="6"/);
  assert.match(periods[1], /media="a-seg-\$Number\$\.m4s" startNumber="6"/);
  // ffmpeg's dash demuxer plays only one Period of a multi-Period MPD, but it must do so without errors.
  assert.equal(await decode(join(dir, 'index.mpd')), '');
});

test('discontinuity with the same codec config reuses the inits', async () => {
  const { p, dir } = packager();
  await feed(p, files.av);
  p.discontinuity();
  await feed(p, files.av);
  await p.end();
  assert.deepEqual(lines(read(dir, 'video.m3u8'), '#EXT-X-MAP'), ['#EXT-X-MAP:URI="v-init-0.mp4"']);
  assert.deepEqual(lines(read(dir, 'audio.m3u8'), '#EXT-X-MAP'), ['#EXT-X-MAP:URI="a-init-0.mp4"']);
  assert.ok(!existsSync(join(dir, 'v-init-1.mp4')));
  assert.equal(await decode(join(dir, 'index.m3u8')), '');
  const pr = await probe(join(dir, 'index.m3u8'));
  assert.ok(Math.abs(Number(pr.format.duration) - 12) <= 0.5, `duration ${pr.format.duration}`);
});

test('live window while feeding (from memory, nothing on disk), one master, full VOD lists on disk after end', async () => {
  const { p, dir } = packager({ liveWindow: 3 });
  const seen: { video: string; audio: string; master: string }[] = [];
  assert.equal(p.playlist('index.m3u8'), undefined, 'no playlist before the first segment');
  p.on('segment', () => {
    seen.push({ video: p.playlist('video.m3u8')!, audio: p.playlist('audio.m3u8')!, master: p.playlist('index.m3u8')! });
    assert.ok(!existsSync(join(dir, 'video.m3u8')) && !existsSync(join(dir, 'index.m3u8')), 'live playlists are not files');
  });
  await feed(p, files.av);
  assert.ok(seen.length >= 4, `playlists seen while live: ${seen.length}`);
  for (const s of seen) {
    for (const m of [s.video, s.audio]) {
      assert.ok(extinf(m).length <= 3);
      assert.ok(!m.includes('#EXT-X-ENDLIST') && !m.includes('PLAYLIST-TYPE'));
    }
    assert.equal(s.master, seen[0].master);
  }
  const last = seen[seen.length - 1];
  assert.match(last.video, /#EXT-X-MEDIA-SEQUENCE:[1-9]/);
  assert.deepEqual(lines(last.video, '#EXT-X-MEDIA-SEQUENCE'), lines(last.audio, '#EXT-X-MEDIA-SEQUENCE'));
  const liveMpd = p.liveManifest() ?? '';
  assert.match(liveMpd, /type="dynamic"/);
  const sets = adaptationSets(liveMpd);
  assert.deepEqual(
    sets.map((s) => [s.contentType, s.timescale]),
    [
      ['video', 90000],
      ['audio', 48000],
    ],
  );
  assert.match(liveMpd, /timeShiftBufferDepth="PT[0-3]\.\d{3}S"/, 'live MPD covers the window only');
  assert.equal(
    [...liveMpd.matchAll(/duration="\d+"[^>]*startNumber="0"\/>/g)].length,
    2,
    'live MPD: a number template per track from the first segment',
  );
  assert.equal(p.playlist('other.m3u8'), undefined);
  await p.end();
  // Players still playing the last seconds keep reading the live playlists: their window, then ENDLIST.
  assert.equal(p.playlist('index.m3u8'), read(dir, 'index.m3u8'));
  for (const f of ['video.m3u8', 'audio.m3u8']) {
    const liveEnd = p.playlist(f) ?? '';
    assert.match(liveEnd, /#EXT-X-ENDLIST\n$/, f);
    assert.doesNotMatch(liveEnd, /#EXT-X-(PART|PRELOAD-HINT|SERVER-CONTROL|PLAYLIST-TYPE)/, f);
    assert.match(liveEnd, /#EXT-X-MEDIA-SEQUENCE:[1-9]/, `${f}: the live window, not the whole list`);
    const uris = (t: string) => t.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(uris(liveEnd), uris(read(dir, f)).slice(-uris(liveEnd).length), `${f}: the replay's last segments`);
  }
  assert.equal(read(dir, 'index.m3u8'), seen[0].master);
  assert.match(read(dir, 'index.mpd'), /type="static"/);
  for (const f of ['video.m3u8', 'audio.m3u8']) {
    const final = read(dir, f);
    assert.equal(extinf(final).length, 6, f);
    assert.ok(final.includes('#EXT-X-ENDLIST'));
    assert.match(final, /#EXT-X-MEDIA-SEQUENCE:0\n/);
  }
  assert.equal(read(dir, 'index.m3u8'), seen[0].master);
});

test('a cut segment is listed at once and served from memory until its files follow in the next turn; the journal only lists what is on disk', async () => {
  const { p, dir } = packager();
  const msgs = (await readFlvFile(files.av)).filter((m) => m.dts < 2100); // two segments and the start of a third
  for (const m of msgs) p.push(m);
  const listed = extinf(p.playlist('video.m3u8') ?? '').length;
  assert.equal(listed, 2);
  assert.ok(!existsSync(join(dir, 'v-seg-1.m4s')), 'not written in the turn that cut it');
  assert.ok(!readFileSync(join(dir, 'journal.jsonl'), 'utf8').includes('"t":"seg"'), 'nor journaled');
  const names = ['v-seg-0.m4s', 'a-seg-0.m4s', 'v-seg-1.m4s', 'a-seg-1.m4s'];
  const fromMemory = names.map((f) => p.segment(f));
  for (const [i, f] of names.entries()) assert.ok((fromMemory[i]?.length ?? 0) > 100, `${f} is servable while not on disk`);
  assert.equal(p.segment('v-seg-2.m4s'), undefined, 'not listed yet');
  await turn();
  for (const [i, f] of names.entries()) {
    assert.ok(readFileSync(join(dir, f)).equals(fromMemory[i]!), `${f}: the file holds the bytes served from memory`);
    assert.equal(p.segment(f), undefined, 'once written, the file is the segment');
  }
  assert.equal(
    readFileSync(join(dir, 'journal.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"t":"seg"')).length,
    2,
  );
  for (const m of (await readFlvFile(files.av)).filter((m) => m.dts >= 2100 && m.dts < 3100)) p.push(m);
  await turn(); // written whether or not anyone read it
  assert.ok(existsSync(join(dir, 'v-seg-2.m4s')));
  await p.end();
});

test('a keyframe announced before it is whole cuts its segment at once, and the output is byte for byte the same', async () => {
  const msgs = await readFlvFile(files.av);
  const isKey = (m: MediaFrame) => m.track === 'video' && m.kind === 'key';
  const now = () => 1_767_000_000_000; // one clock: program date-times agree
  const plain = packager({ now });
  const early = packager({ now });
  let listedEarly = 0;
  for (const m of msgs) {
    plain.p.push(m);
    if (isKey(m)) {
      const before = extinf(early.p.playlist('video.m3u8') ?? '').length;
      early.p.keyframeStarting(m.dts);
      if (extinf(early.p.playlist('video.m3u8') ?? '').length === before + 1) listedEarly++;
    }
    early.p.push(m);
  }
  await plain.p.end();
  await early.p.end();
  assert.equal(listedEarly, 5, 'each keyframe after the first closed its segment before the frame was pushed');
  const names = readdirSync(plain.dir).sort();
  assert.deepEqual(readdirSync(early.dir).sort(), names);
  for (const f of names) if (f !== 'journal.jsonl') assert.ok(readFileSync(join(early.dir, f)).equals(readFileSync(join(plain.dir, f))), f);
});

test('a stream whose process died is rebuilt from its journal: the same playlists and MPD as a clean end', async () => {
  const now = () => 1_767_000_000_000; // one clock for both, so program date-times and publishTime agree
  const clean = packager({ now });
  const died = packager({ now });
  for (const { p } of [clean, died]) {
    await feed(p, files.av);
    p.discontinuity(); // a publisher that came back with another encoder: new inits, a second Period
    await feed(p, files.b);
  }
  await clean.p.end();
  // `died` never ends: its publisher dropped (the open segment is cut, as on any drop) and the process died in the
  // grace period. Its files are what a killed process leaves, plus a line torn mid-write.
  died.p.discontinuity();
  await turn(); // the process lives on for a moment: the segment it cut is written
  assert.ok(!existsSync(join(died.dir, 'video.m3u8')) && !existsSync(join(died.dir, 'index.mpd')));
  writeFileSync(join(died.dir, 'journal.jsonl'), readFileSync(join(died.dir, 'journal.jsonl'), 'utf8') + '{"t":"seg","seq":10,"st');
  const rebuilt = LivePackager.recover({ dir: died.dir, segmentSeconds: 1, now });
  assert.ok(rebuilt);
  for (const f of ['index.m3u8', 'video.m3u8', 'audio.m3u8', 'index.mpd']) assert.equal(read(died.dir, f), read(clean.dir, f), f);
  assert.equal(rebuilt.discontinuities(), 1);
  assert.deepEqual(rebuilt.info(), clean.p.info());

  // A journal cut short (the process died early): the replay is what was written before, ended.
  const early = packager({ now });
  await feed(early.p, files.av);
  await turn();
  const journal = readFileSync(join(early.dir, 'journal.jsonl'), 'utf8').split('\n');
  const firstSegs = journal.findIndex((l, i) => i > 0 && l.includes('"seq":3,'));
  writeFileSync(join(early.dir, 'journal.jsonl'), journal.slice(0, firstSegs).join('\n') + '\n');
  const partial = LivePackager.recover({ dir: early.dir, segmentSeconds: 1, now });
  assert.equal(partial?.info().segments, 3);
  const v = read(early.dir, 'video.m3u8');
  assert.equal(extinf(v).length, 3);
  assert.ok(v.endsWith('#EXT-X-ENDLIST\n'));
  assert.equal(await decode(join(early.dir, 'index.m3u8')), '');
  assert.equal(LivePackager.recover({ dir: work, segmentSeconds: 1 }), undefined, 'no journal, nothing to recover');
});

test('audio-only -> master with the audio playlist as its variant, one audio AdaptationSet', async () => {
  const { p, dir } = packager();
  await feed(p, files.audio);
  await p.end();
  const master = read(dir, 'index.m3u8');
  assert.match(master, /^#EXT-X-STREAM-INF:BANDWIDTH=\d+,CODECS="mp4a\.40\.2"\naudio\.m3u8$/m);
  assert.ok(!master.includes('#EXT-X-MEDIA:'));
  assert.ok(readdirSync(dir).every((f) => !f.startsWith('v-') && f !== 'video.m3u8' && !f.startsWith('seg-') && !f.startsWith('init-')));
  assert.ok(existsSync(join(dir, 'a-init-0.mp4')) && existsSync(join(dir, 'a-seg-0.m4s')));
  const pr = await probe(join(dir, 'index.m3u8'));
  assert.deepEqual(
    pr.streams.map((s) => s.codec_name),
    ['aac'],
  );
  assert.ok(Math.abs(Number(pr.format.duration) - 4) <= 0.5);
  assert.equal(await decode(join(dir, 'index.m3u8')), '');
  for (const x of extinf(read(dir, 'audio.m3u8')).slice(0, -1)) assert.ok(x >= 0.9 && x <= 1.1, `EXTINF ${x}`);
  const mpd = read(dir, 'index.mpd');
  assert.deepEqual(
    adaptationSets(mpd).map((s) => [s.contentType, s.mimeType, s.timescale]),
    [['audio', 'audio/mp4', 48000]],
  );
  assert.equal(await decode(join(dir, 'index.mpd')), '');
  assert.deepEqual(
    (await probe(join(dir, 'index.mpd'))).streams.map((s) => s.codec_name),
    ['aac'],
  );
});

test('video-only -> master without EXT-X-MEDIA, one video AdaptationSet', async () => {
  const { p, dir } = packager();
  await feed(p, files.video);
  await p.end();
  const master = read(dir, 'index.m3u8');
  assert.match(master, /^#EXT-X-STREAM-INF:BANDWIDTH=\d+,RESOLUTION=320x240,FRAME-RATE=\d+\.000,CODECS="avc1\.[0-9a-f]{6}"\nvideo\.m3u8$/m);
  assert.ok(!master.includes('#EXT-X-MEDIA:') && !master.includes('AUDIO='));
  assert.ok(readdirSync(dir).every((f) => !f.startsWith('a-') && f !== 'audio.m3u8'));
  const pr = await probe(join(dir, 'index.m3u8'));
  assert.deepEqual(
    pr.streams.map((s) => s.codec_name),
    ['h264'],
  );
  assert.deepEqual([pr.streams[0].width, pr.streams[0].height], [320, 240]);
  assert.ok(Math.abs(Number(pr.format.duration) - 3) <= 0.5);
  assert.equal(await decode(join(dir, 'index.m3u8')), '');
  assert.deepEqual(
    adaptationSets(read(dir, 'index.mpd')).map((s) => [s.contentType, s.timescale]),
    [['video', 90000]],
  );
  assert.equal(await decode(join(dir, 'index.mpd')), '');
});

test('the publisher pauses audio for over a segment -> silence keeps every a-seg-N, DASH still plays through', async () => {
  const { p, dir } = packager();
  // Drop the AAC frames (not the sequence header) between 2.0 s and 3.6 s.
  await feed(p, files.av, (m) => !(m.track === 'audio' && m.dts > 2000 && m.dts < 3600 && m.kind === 'key'));
  await p.end();
  for (let i = 0; i < 6; i++) assert.ok(existsSync(join(dir, `a-seg-${i}.m4s`)), `a-seg-${i}`);
  const audio = read(dir, 'audio.m3u8');
  assert.equal(extinf(audio).length, 6);
  assert.ok(!audio.includes('#EXT-X-GAP'), 'AAC-LC gaps are filled with silence, not marked as gaps');
  assert.equal(await decode(join(dir, 'index.m3u8')), '');
  assert.equal(await decode(join(dir, 'index.mpd')), '');
  const dp = await probe(join(dir, 'index.mpd'), true);
  assert.equal(frames(dp, 'video'), 180, 'the dash demuxer reads past the audio gap');
});

test('broken publisher: garbage, backwards and jumping timestamps, no keyframes -> bounded, no negative durations', async () => {
  const { p, dir } = packager();
  const msgs = await readFlvFile(files.video);
  for (const junk of [Buffer.alloc(0), Buffer.from([0x17]), Buffer.from([0x17, 1]), Buffer.from([0xff, 1, 2, 3, 4, 5]), Buffer.from([0x90, 0x61])]) {
    p.push(parseTag('video', 0, junk));
    p.push(parseTag('audio', 0, junk));
    p.push(parseTag('data', 0, junk));
  }
  let t = 0;
  for (const [i, m] of msgs.entries()) {
    // every 20th message steps back 500 ms; message 40 jumps 1 h forward
    t = i === 40 ? t + 3_600_000 : i % 20 === 19 ? t - 500 : t + 33;
    p.push(retimed(m, Math.max(0, m.track === 'data' ? 0 : t)));
  }
  // a publisher that never sends another keyframe
  const delta = parseTag('video', 0, Buffer.concat([Buffer.from([0x27, 1, 0, 0, 0]), Buffer.alloc(64 * 1024)]));
  for (let i = 0; i < 400; i++) p.push(retimed(delta, t + 33 * (i + 1)));
  assert.ok(p.stats.forcedCuts > 0, 'queue bound forced a cut');
  assert.ok(p.stats.skippedMessages > 0);
  assert.ok(p.stats.timestampJumps > 0);
  await p.end();
  const m3u8 = read(dir, 'video.m3u8');
  assert.ok(extinf(m3u8).length > 0);
  for (const x of extinf(m3u8)) assert.ok(x > 0 && x < 30, `EXTINF ${x}`);
  assert.ok(!/d="-/.test(readFileSync(join(dir, 'index.mpd'), 'utf8')));
});

test('PROGRAM-DATE-TIME follows the media timeline, each track dated by its own first sample, whatever the arrival jitter', async () => {
  // A clock that jumps 0-300 ms at each reading: the arrival times an ingest late under load gave its segments.
  let clock = 1_767_000_000_000;
  let k = 0;
  const now = () => (clock += [0, 300, 40, 170][k++ % 4]);
  const { p, dir } = packager({ now, partSeconds: 0.2 });
  /** Each segment's date (ms) and EXTINF (s); `open`: the date of the segment still being cut, listed with its parts. */
  const dated = (m3u8: string) => {
    const segs: Array<{ pdt: number; dur: number }> = [];
    let pdt: number | undefined;
    for (const l of m3u8.split('\n')) {
      if (l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(l.slice(25));
      else if (l.startsWith('#EXTINF:')) {
        segs.push({ pdt: pdt ?? NaN, dur: Number(l.slice(8, -1)) });
        pdt = undefined;
      }
    }
    return { segs, open: pdt };
  };
  // Dates are whole ms, and EXTINF has three decimals: a date may differ from its media time by a ms or two.
  const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 2, `${what}: ${a.toFixed(1)} vs ${b.toFixed(1)}`);
  const msgs = await readFlvFile(files.av);
  let openChecked = 0;
  for (const [i, m] of msgs.entries()) {
    p.push(m);
    if (i % 25 !== 0) continue;
    // While live: the segment being cut is dated on the same timeline, in the audio playlist by its first audio sample.
    for (const f of ['video.m3u8', 'audio.m3u8']) {
      const text = p.playlist(f);
      const d = text && dated(text);
      if (!d || d.open === undefined || !d.segs.length) continue;
      const last = d.segs[d.segs.length - 1];
      near(d.open, last.pdt + last.dur * 1000, `${f}: the open segment's date`);
      openChecked++;
    }
  }
  await p.end();
  await turn();
  assert.ok(openChecked >= 4, `open segments checked: ${openChecked}`);
  const video = dated(read(dir, 'video.m3u8')).segs;
  const audio = dated(read(dir, 'audio.m3u8')).segs;
  assert.equal(video.length, 6);
  for (const [f, segs] of [
    ['video', video],
    ['audio', audio],
  ] as const)
    for (let i = 1; i < segs.length; i++) near(segs[i].pdt - segs[i - 1].pdt, segs[i - 1].dur * 1000, `${f} segment ${i}: date step`);
  // Across tracks, dates differ as the media times of their first samples do (tfdt over the init's timescale).
  const box = (b: Buffer, type: string) => b.indexOf(type) + 4;
  const timescale = (f: string) => {
    const b = readFileSync(join(dir, f));
    const at = box(b, 'mdhd');
    return b.readUInt32BE(at + (b[at] === 1 ? 20 : 12));
  };
  const startMs = (f: string, scale: number) => {
    const b = readFileSync(join(dir, f));
    const at = box(b, 'tfdt');
    return ((b[at] === 1 ? Number(b.readBigUInt64BE(at + 4)) : b.readUInt32BE(at + 4)) * 1000) / scale;
  };
  const vScale = timescale('v-init-0.mp4');
  const aScale = timescale('a-init-0.mp4');
  for (let i = 0; i < video.length; i++) {
    const offset = startMs(`a-seg-${i}.m4s`, aScale) - startMs(`v-seg-${i}.m4s`, vScale);
    near(audio[i].pdt - video[i].pdt, offset, `segment ${i}: audio date after video date`);
  }
});
