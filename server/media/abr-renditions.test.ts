// The ABR ladder's renditions as first-class Low-Latency HLS renditions, end to end: a real server and ffmpeg
// publisher (1280x800, so the ladder makes 720p and 480p), rendition playlists checked against the RFC's rules,
// rendition reports between every media playlist, segments aligned with the source's, a private channel's token on
// every URI, and the ended stream's renditions as replays.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../log.js';
import { loadConfig } from '../config.js';
import { ffprobe, ffprobePath, runOk, waitFor } from '../test-support/process.js';
import { api, newStreamer, publish, startTestServer, type Publisher, type TestServer } from '../test-support/server.js';
import { llViolations, parseLlPlaylist, partAddress, type LlPlaylist } from './ll-hls-validator.js';
import type { LiveStream } from './live-stream.js';
import { StreamAbr } from './stream-abr.js';

async function get(url: string): Promise<{ status: number; text: string; bytes: Buffer; at: number }> {
  const r = await fetch(url);
  const bytes = Buffer.from(await r.arrayBuffer());
  return { status: r.status, text: bytes.toString('utf8'), bytes, at: Date.now() };
}

/** The media playlists of a stream with the ladder, relative to its folder. */
const PLAYLISTS = ['video.m3u8', 'audio.m3u8', '720p/video.m3u8', '480p/video.m3u8'];

describe('ABR renditions as Low-Latency HLS renditions', () => {
  let s: TestServer;
  let pub: Publisher;
  let stream: LiveStream;
  let token: string;
  let q: string;

  before(async () => {
    s = await startTestServer({ ONAIR_ABR: 'true', ONAIR_GRACE_SECONDS: '0', ONAIR_THUMBNAIL_SECONDS: '0' });
    const a = await newStreamer(s.base, 'abe');
    // A private channel: the media token must reach every URI, reports included.
    assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, a.token)).status, 200);
    token = (await api(s.base, 'GET', '/api/channels/abe/media-token', undefined, a.token)).body.token;
    q = `t=${encodeURIComponent(token)}`;
    // B-frames: the source's keyframes are presented after they are decoded (a composition offset), as x264's
    // default settings send them; the renditions must still cut where the source does.
    pub = publish(`${s.rtmpBase}/${a.channel.streamKey}`, { seconds: 60, size: '1280x800', fps: 15, extra: ['-bf', '2'] });
    stream = await waitFor(
      'the renditions in the master, with a few segments each',
      () => {
        const st = s.streams.get('abe');
        return st?.renditionsListed && st.abr!.renditions.every((r) => r.packager.position().segments >= 6) && st;
      },
      60_000,
      200,
    );
  });
  after(async () => {
    pub.proc.kill('SIGKILL');
    await s.stop();
  });

  const url = (file: string, query = q) => `${s.base}/vod/${stream.streamId}/${file}${query ? (file.includes('?') ? '&' : '?') + query : ''}`;
  const playlist = async (file: string, extra = ''): Promise<{ p: LlPlaylist; text: string; at: number }> => {
    const r = await get(url(file + extra));
    assert.equal(r.status, 200, `${file}: ${r.text}`);
    return { p: parseLlPlaylist(r.text), text: r.text, at: r.at };
  };

  test('the master lists the renditions with the audio group; every URI carries the token', async () => {
    const r = await get(`${s.base}/hls/abe/index.m3u8?${q}`);
    assert.equal(r.status, 200, r.text);
    assert.match(
      r.text,
      /RESOLUTION=1152x720,FRAME-RATE=\d+\.\d{3},CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",AUDIO="audio"\n\/vod\/[^/]+\/720p\/video\.m3u8\?t=/,
    );
    assert.match(
      r.text,
      /RESOLUTION=768x480,FRAME-RATE=\d+\.\d{3},CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",AUDIO="audio"\n\/vod\/[^/]+\/480p\/video\.m3u8\?t=/,
    );
    for (const line of r.text.split('\n').filter((l) => l && !l.startsWith('#EXT-X-STREAM-INF') && !/^#EXT(M3U|-X-VERSION|-X-INDEPENDENT)/.test(l))) {
      assert.match(line, /[?&]t=/, line);
    }
  });

  test('every media playlist follows the LL-HLS rules, reports all the others, and every URI resolves with the token', async () => {
    /** The newest part of a media playlist as the stream has it now. */
    const newest = (rel: string) => {
      const t = stream.target(rel.replace(`/vod/${stream.streamId}/`, ''))!;
      const last = t.packager.position().lastPart!;
      return last.msn * 1000 + last.part;
    };
    for (const file of PLAYLISTS) {
      const before = new Map(PLAYLISTS.map((x) => [x, newest(x)]));
      const { p, text } = await playlist(file);
      const after = new Map(PLAYLISTS.map((x) => [x, newest(x)]));
      assert.deepEqual(llViolations(p), [], `${file}:\n${text}`);
      assert.ok(p.segments.filter((x) => x.parts.length).length >= 2, `${file} lists parts`);
      const base = new URL(url(file));
      const reported = p.reports.map((r) => new URL(r.uri, base).pathname.replace(`/vod/${stream.streamId}/`, ''));
      assert.deepEqual(reported.sort(), PLAYLISTS.filter((x) => x !== file).sort(), `${file} reports every other media playlist:\n${text}`);
      // Each report names the newest part of its playlist as of the moment the playlist was answered.
      for (const r of p.reports) {
        const rel = new URL(r.uri, base).pathname.replace(`/vod/${stream.streamId}/`, '');
        const at = r.lastMsn * 1000 + r.lastPart;
        assert.ok(at >= before.get(rel)! && at <= after.get(rel)!, `${file}: report of ${rel} ${r.lastMsn}.${r.lastPart}`);
      }
      for (const uri of p.uris) assert.match(uri, /[?&]t=/, `${file}: ${uri} carries the token`);
      // All at once, right after the playlist: a loaded box can take longer than the part window (4 segments) to
      // fetch a playlist's 30-odd URIs one by one, and a part that has since left every playlist is rightly gone.
      const answers = await Promise.all(p.uris.map((uri) => get(new URL(uri, base).href)));
      const listedNow = (await playlist(file)).p.uris.map((u) => new URL(u, base).pathname);
      p.uris.forEach((uri, i) => {
        const gone = answers[i].status === 404 && /-part-/.test(uri) && !listedNow.includes(new URL(uri, base).pathname);
        assert.ok(answers[i].status === 200 || gone, `${file}: ${uri} resolves (${answers[i].status})`);
      });
      const without = await get(url(file, ''));
      assert.equal(without.status, 403, `${file} without the token`);
    }
  });

  test('rendition segments align with the source: same numbers, wall clock, durations and discontinuities', async () => {
    const source = (await playlist('video.m3u8')).p;
    for (const file of ['720p/video.m3u8', '480p/video.m3u8']) {
      const r = (await playlist(file)).p;
      const common = r.segments.filter((x) => source.segments.some((y) => y.msn === x.msn));
      assert.ok(common.length >= 5, `${file}: ${common.length} segments in common with the source`);
      for (const seg of common) {
        const src = source.segments.find((y) => y.msn === seg.msn)!;
        assert.equal(seg.pdt, src.pdt, `${file} segment ${seg.msn}: PROGRAM-DATE-TIME`);
        assert.ok(Math.abs(seg.duration - src.duration) <= 0.001, `${file} segment ${seg.msn}: ${seg.duration} s, source ${src.duration} s`);
        assert.equal(seg.discontinuity, src.discontinuity);
      }
      assert.equal(r.targetDuration, source.targetDuration);
      assert.equal(r.partTarget, source.partTarget, 'the same part target');
    }
    // The same picture starts each segment: a rendition's segment is presented from the time the source's is. The
    // segment is one all three have completed (a loaded box's transcoder may be a segment behind the source).
    const secondLast = async (folder: string) => (await playlist(`${folder}video.m3u8`)).p.segments.at(-2)!.msn;
    const seg = { msn: Math.min(source.segments.at(-2)!.msn, await secondLast('720p/'), await secondLast('480p/')) };
    const firstPts = async (folder: string): Promise<number> => {
      const p = (await playlist(`${folder}video.m3u8`)).p;
      const mine = p.segments.find((x) => x.msn === seg.msn);
      assert.ok(mine, `${folder || 'source '}video.m3u8 lists segment ${seg.msn}: ${p.segments.map((x) => x.msn).join(' ')}`);
      const map = [...p.segments].reverse().find((x) => x.msn <= seg.msn && x.map)!.map!;
      const base = url(`${folder}video.m3u8`);
      const bytes = Buffer.concat([(await get(new URL(map, base).href)).bytes, (await get(new URL(mine.uri, base).href)).bytes]);
      const file = path.join(tmpdir(), `abr-align-${process.pid}-${folder.replace('/', '') || 'source'}.mp4`);
      writeFileSync(file, bytes);
      const out = await runOk(ffprobePath, ['-v', 'error', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file]);
      rmSync(file);
      // The first packet in presentation order.
      return Math.min(
        ...out.stdout
          .trim()
          .split('\n')
          .map((l) => Number(l.split(',')[0])),
      );
    };
    const [src, r720, r480] = [await firstPts(''), await firstPts('720p/'), await firstPts('480p/')];
    assert.ok(Math.abs(src - r720) < 0.002 && Math.abs(src - r480) < 0.002, `segment ${seg.msn} starts at ${src} s, 720p ${r720}, 480p ${r480}`);
  });

  test('a blocking request on a rendition is answered when its next part is cut; the hinted part is served', async () => {
    const { p } = await playlist('720p/video.m3u8');
    const next = partAddress(p.hint!);
    const sent = Date.now();
    const r = await playlist('720p/video.m3u8', `?_HLS_msn=${next.msn}&_HLS_part=${next.part}`);
    const after = r.p;
    const listed = [...after.segments.flatMap((x) => x.parts), ...after.openParts].map((x) => x.uri);
    assert.ok(listed.includes(p.hint!), `the answer lists ${p.hint}:\n${r.text}`);
    assert.ok(r.at - sent < 3000, `answered in ${r.at - sent} ms`);
    const hinted = await get(new URL(after.hint!, url('720p/video.m3u8')).href);
    assert.equal(hinted.status, 200);
    assert.equal(hinted.bytes.toString('latin1', 4, 8), 'moof', 'a CMAF fragment');
    // A delta update skips the older segments as the source's playlist does.
    const delta = await playlist('720p/video.m3u8', '?_HLS_skip=YES');
    assert.ok(delta.p.skipped > 0 || delta.p.segments.length <= 6, delta.text);
  });

  test('ended: the live URLs answer the renditions with ENDLIST; the replay keeps them whole, playable; the journal rebuilds them', async () => {
    const streamId = stream.streamId;
    pub.proc.kill('SIGINT');
    await s.replayRecorded(streamId);
    for (const file of ['720p/video.m3u8', '480p/video.m3u8']) {
      const live = await get(url(file));
      assert.equal(live.status, 200, live.text);
      assert.match(live.text, /#EXT-X-ENDLIST/, `${file} at the live URL`);
      // Nothing in progress after the end (the last segments keep their parts: low-latency.test.ts).
      assert.doesNotMatch(live.text, /#EXT-X-(PRELOAD-HINT|RENDITION-REPORT)/);
      const disk = readFileSync(path.join(s.dataDir, 'media', streamId, file), 'utf8');
      assert.match(disk, /#EXT-X-PLAYLIST-TYPE:VOD[\s\S]*#EXT-X-ENDLIST/);
      assert.match(disk, /#EXT-X-MEDIA-SEQUENCE:0\n/);
    }
    const master = readFileSync(path.join(s.dataDir, 'media', streamId, 'index.m3u8'), 'utf8');
    assert.match(master, /720p\/video\.m3u8/);
    const probe = await ffprobe(url('480p/video.m3u8'));
    const v = probe.streams.find((x) => x.codec_type === 'video');
    assert.equal(v.height, 480);
    assert.ok(Number(probe.format.duration) > 4, `480p duration ${probe.format.duration}`);

    // After a crash the playlists are rebuilt from each rendition's journal.
    const dir = path.join(s.dataDir, 'media', streamId);
    const before720 = readFileSync(path.join(dir, '720p', 'video.m3u8'), 'utf8');
    rmSync(path.join(dir, '720p', 'video.m3u8'));
    const config = loadConfig({}, tmpdir());
    const abr = new StreamAbr({ ffmpeg: 'ffmpeg', media: { ...config.media, abr: true }, logger: createLogger({ level: 'silent' }), now: Date.now });
    assert.deepEqual(abr.recover(dir).sort(), ['480p', '720p']);
    assert.equal(readFileSync(path.join(dir, '720p', 'video.m3u8'), 'utf8'), before720);
  });
});

describe('ABR renditions across a publisher that drops and returns', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ ONAIR_ABR: 'true', ONAIR_GRACE_SECONDS: '20', ONAIR_THUMBNAIL_SECONDS: '0' });
  });
  after(async () => s.stop());

  test('the renditions continue with the discontinuity where the source has it, segment for segment', async () => {
    const { channel } = await newStreamer(s.base, 'ria');
    const opts = { size: '960x540', fps: 15 };
    const first = publish(`${s.rtmpBase}/${channel.streamKey}`, opts);
    const stream = await waitFor(
      '480p segments',
      () => {
        const st = s.streams.get('ria');
        return st?.renditionsListed && st.abr!.renditions[0].packager.position().segments >= 3 && st;
      },
      40_000,
      200,
    );
    first.proc.kill('SIGKILL');
    await waitFor('waiting', () => stream.state === 'waiting');
    const second = publish(`${s.rtmpBase}/${channel.streamKey}`, { ...opts, seconds: 5 });
    await waitFor('live again', () => stream.state === 'live');
    assert.equal(await second.exit, 0, second.stderr());
    await s.replayRecorded(stream.streamId);
    const read = (file: string) => parseLlPlaylist(readFileSync(path.join(s.dataDir, 'media', stream.streamId, file), 'utf8'));
    const source = read('video.m3u8');
    const r480 = read('480p/video.m3u8');
    const disc = (p: LlPlaylist) => p.segments.filter((x) => x.discontinuity).map((x) => x.msn);
    assert.equal(disc(source).length, 1);
    assert.deepEqual(disc(r480), disc(source), 'the discontinuity begins the same segment');
    const after = r480.segments.filter((x) => x.msn >= disc(source)[0]);
    assert.ok(after.length >= 3, `${after.length} rendition segments after the return`);
    for (const seg of after.slice(0, -1)) {
      const src = source.segments.find((x) => x.msn === seg.msn)!;
      assert.equal(seg.pdt, src.pdt, `segment ${seg.msn} wall clock`);
      assert.ok(Math.abs(seg.duration - src.duration) <= 0.001, `segment ${seg.msn}: ${seg.duration} s, source ${src.duration} s`);
    }
    const probe = await ffprobe(`${s.base}/vod/${stream.streamId}/480p/video.m3u8`);
    assert.ok(Number(probe.format.duration) > 6, `480p replay lasts ${probe.format.duration} s`);
  });
});
