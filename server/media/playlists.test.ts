import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashFrameRate, renderDashManifest, type DashPeriod, type DashTrack } from './dash-manifest.js';
import { renderHlsMaster, renderHlsPlaylist, TRACK_FILES, type PlaylistSegment } from './hls-playlist.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 6);
function segs(n: number, opts: { discAt?: number[]; dur?: (i: number) => number } = {}): PlaylistSegment[] {
  const out: PlaylistSegment[] = [];
  let start = 0;
  let init = 0;
  for (let i = 0; i < n; i++) {
    const disc = opts.discAt?.includes(i) ?? false;
    if (disc) init++;
    const duration = opts.dur?.(i) ?? 90000;
    out.push({ seq: i, start, duration, programDateTime: T0 + i * 1000, discontinuity: disc, init });
    start += duration;
  }
  return out;
}
const tags = (m3u8: string, prefix: string): string[] => m3u8.split('\n').filter((l) => l.startsWith(prefix));

test('HLS playlist rendering (table)', () => {
  const cases: { name: string; segments: PlaylistSegment[]; ended: boolean; window?: number; check: (t: string) => void }[] = [
    {
      name: 'live window keeps the last N, no ENDLIST',
      segments: segs(15),
      ended: false,
      window: 10,
      check: (t) => {
        assert.equal(tags(t, '#EXTINF').length, 10);
        assert.deepEqual(tags(t, '#EXT-X-MEDIA-SEQUENCE'), ['#EXT-X-MEDIA-SEQUENCE:5']);
        assert.ok(!t.includes('#EXT-X-ENDLIST'));
        assert.ok(!t.includes('PLAYLIST-TYPE'));
        assert.deepEqual(tags(t, '#EXT-X-MAP'), ['#EXT-X-MAP:URI="v-init-0.mp4"']);
        assert.ok(t.includes('v-seg-5.m4s\n') && !t.includes('v-seg-4.m4s'));
      },
    },
    {
      name: 'ended: full list, VOD, ENDLIST',
      segments: segs(15),
      ended: true,
      window: 10,
      check: (t) => {
        assert.equal(tags(t, '#EXTINF').length, 15);
        assert.ok(t.includes('#EXT-X-PLAYLIST-TYPE:VOD\n'));
        assert.ok(t.endsWith('#EXT-X-ENDLIST\n'));
        assert.deepEqual(tags(t, '#EXT-X-MEDIA-SEQUENCE'), ['#EXT-X-MEDIA-SEQUENCE:0']);
      },
    },
    {
      name: 'discontinuity with new init: tag, MAP, sequence counts dropped ones',
      segments: segs(8, { discAt: [2, 6] }),
      ended: false,
      window: 4,
      check: (t) => {
        assert.deepEqual(tags(t, '#EXT-X-DISCONTINUITY-SEQUENCE'), ['#EXT-X-DISCONTINUITY-SEQUENCE:1']);
        assert.equal(tags(t, '#EXT-X-DISCONTINUITY').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
        assert.deepEqual(tags(t, '#EXT-X-MAP'), ['#EXT-X-MAP:URI="v-init-1.mp4"', '#EXT-X-MAP:URI="v-init-2.mp4"']);
        const lines = t.split('\n');
        const i = lines.indexOf('#EXT-X-DISCONTINUITY');
        assert.equal(lines[i + 1], '#EXT-X-MAP:URI="v-init-2.mp4"');
        assert.equal(lines[i + 4], 'v-seg-6.m4s');
      },
    },
    {
      name: 'PROGRAM-DATE-TIME, EXTINF and TARGETDURATION formats',
      segments: segs(3, { dur: (i) => (i === 1 ? 180900 : 90000) }),
      ended: true,
      check: (t) => {
        assert.equal(tags(t, '#EXT-X-PROGRAM-DATE-TIME')[0], '#EXT-X-PROGRAM-DATE-TIME:2024-01-02T03:04:05.006Z');
        assert.deepEqual(tags(t, '#EXTINF'), ['#EXTINF:1.000,', '#EXTINF:2.010,', '#EXTINF:1.000,']);
        // The nearest integer (RFC 8216bis 4.4.3.1), not the next one up.
        assert.deepEqual(tags(t, '#EXT-X-TARGETDURATION'), ['#EXT-X-TARGETDURATION:2']);
        assert.ok(t.startsWith('#EXTM3U\n#EXT-X-VERSION:7\n'));
        assert.ok(t.includes('#EXT-X-INDEPENDENT-SEGMENTS\n'));
      },
    },
    {
      name: 'segments a millisecond or 0.499 s over the target do not raise TARGETDURATION',
      segments: segs(4, { dur: (i) => [90090, 90000, 134900, 90000][i] }),
      ended: false,
      window: 2,
      check: (t) => assert.deepEqual(tags(t, '#EXT-X-TARGETDURATION'), ['#EXT-X-TARGETDURATION:1']),
    },
    {
      name: 'a segment half a second over the target raises TARGETDURATION',
      segments: segs(3, { dur: (i) => (i === 1 ? 135000 : 90000) }),
      ended: false,
      check: (t) => assert.deepEqual(tags(t, '#EXT-X-TARGETDURATION'), ['#EXT-X-TARGETDURATION:2']),
    },
    {
      name: 'empty ended playlist is still valid',
      segments: [],
      ended: true,
      check: (t) => {
        assert.ok(t.includes('#EXT-X-ENDLIST'));
        assert.equal(tags(t, '#EXTINF').length, 0);
      },
    },
  ];
  for (const c of cases) {
    const out = renderHlsPlaylist({
      segments: c.segments,
      timescale: 90000,
      ended: c.ended,
      window: c.window,
      initName: TRACK_FILES.video.initName,
      segmentName: TRACK_FILES.video.segmentName,
    });
    try {
      c.check(out);
    } catch (e) {
      throw new Error(`${c.name}: ${(e as Error).message}\n${out}`);
    }
  }
});

test('HLS continuation (a channel taken over): the sequence goes on, one discontinuity opens it, a replay stands alone', () => {
  const render = (segments: PlaylistSegment[], extra: Partial<Parameters<typeof renderHlsPlaylist>[0]> = {}) =>
    renderHlsPlaylist({
      segments,
      timescale: 90000,
      ended: false,
      initName: TRACK_FILES.video.initName,
      segmentName: TRACK_FILES.video.segmentName,
      continues: { msn: 58, discontinuity: 3 },
      ...extra,
    });
  // The first segment listed: the dead stream's unfinished one (57) before it as a gap, then the discontinuity and
  // the stream's own first segment as 58.
  const start = render(segs(3));
  assert.deepEqual(tags(start, '#EXT-X-MEDIA-SEQUENCE'), ['#EXT-X-MEDIA-SEQUENCE:57']);
  assert.deepEqual(tags(start, '#EXT-X-DISCONTINUITY-SEQUENCE'), ['#EXT-X-DISCONTINUITY-SEQUENCE:2']);
  const lines = start.split('\n');
  assert.equal(tags(start, '#EXTINF').length, 4);
  assert.deepEqual(lines.slice(lines.indexOf('#EXT-X-GAP') - 1, lines.indexOf('#EXT-X-GAP') + 2), ['#EXTINF:0.001,', '#EXT-X-GAP', 'gap-57.m4s']);
  assert.deepEqual(
    tags(start, '#EXT-X-MAP'),
    ['#EXT-X-MAP:URI="v-init-0.mp4"', '#EXT-X-MAP:URI="v-init-0.mp4"'],
    'declared again after the discontinuity',
  );
  assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
  assert.ok(lines.indexOf('#EXT-X-GAP') < lines.indexOf('#EXT-X-DISCONTINUITY'), start);
  assert.ok(lines.indexOf('#EXT-X-DISCONTINUITY') < lines.indexOf('v-seg-0.m4s'), "file names stay the stream's own");
  // Once the first segment left the window (the view a live track playlist renders, seq from 5 on), it counts.
  const later = render(segs(8).slice(5), { discontinuitiesBefore: 0 });
  assert.deepEqual(tags(later, '#EXT-X-MEDIA-SEQUENCE'), ['#EXT-X-MEDIA-SEQUENCE:63']);
  assert.ok(!later.includes('#EXT-X-GAP'), 'the gap leaves with the first segment');
  assert.deepEqual(tags(later, '#EXT-X-DISCONTINUITY-SEQUENCE'), ['#EXT-X-DISCONTINUITY-SEQUENCE:3']);
  assert.ok(!later.includes('#EXT-X-DISCONTINUITY\n'));
  // A publisher's own return later on counts on top.
  const returned = render(segs(8, { discAt: [6] }).slice(5));
  assert.deepEqual(tags(returned, '#EXT-X-DISCONTINUITY-SEQUENCE'), ['#EXT-X-DISCONTINUITY-SEQUENCE:3']);
  assert.equal(returned.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
  // Low-Latency: the open segment's parts before any segment closed, and the reports, count on too.
  const ll = render([], {
    lowLatency: {
      partTarget: 0.5,
      partHoldBack: 1.5,
      skipUntilTargetDurations: 6,
      parts: () => [{ duration: 45000, independent: true, opens: { disc: false, init: 0, pdt: T0 } }],
      openSeq: 0,
      partName: TRACK_FILES.video.partName,
      renditionReports: [{ uri: 'audio.m3u8', lastMsn: 0, lastPart: 0 }],
    },
  });
  assert.deepEqual(tags(ll, '#EXT-X-MEDIA-SEQUENCE'), ['#EXT-X-MEDIA-SEQUENCE:57']);
  assert.ok(ll.includes('#EXT-X-GAP\ngap-57.m4s\n'), ll);
  assert.deepEqual(tags(ll, '#EXT-X-DISCONTINUITY-SEQUENCE'), ['#EXT-X-DISCONTINUITY-SEQUENCE:2']);
  assert.ok(ll.includes('#EXT-X-DISCONTINUITY\n'), ll);
  assert.ok(ll.includes('LAST-MSN=58,LAST-PART=0'), ll);
  // The replay of the stream that took over stands alone.
  const vod = render(segs(3), { ended: true });
  assert.deepEqual(tags(vod, '#EXT-X-MEDIA-SEQUENCE'), ['#EXT-X-MEDIA-SEQUENCE:0']);
  assert.ok(!vod.includes('#EXT-X-DISCONTINUITY\n'));
});

test('HLS master: video variants share one audio group; audio only is its own variant', () => {
  const audio = { uri: 'audio.m3u8', codec: 'mp4a.40.2', bandwidth: 128_000 };
  const source = { uri: 'video.m3u8', bandwidth: 2_600_000, codec: 'avc1.64001f', width: 1280, height: 720 };
  const abr = { uri: '480p/index.m3u8', bandwidth: 1_450_000, codec: 'avc1.64001f', width: 854, height: 480 };
  assert.equal(
    renderHlsMaster({ variants: [source, abr], audio }),
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,URI="audio.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=2600000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="audio"',
      'video.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=1450000,RESOLUTION=854x480,CODECS="avc1.64001f,mp4a.40.2",AUDIO="audio"',
      '480p/index.m3u8',
      '',
    ].join('\n'),
  );
  assert.equal(
    renderHlsMaster({ variants: [source] }).split('\n')[3],
    '#EXT-X-STREAM-INF:BANDWIDTH=2600000,RESOLUTION=1280x720,CODECS="avc1.64001f"',
  );
  assert.deepEqual(renderHlsMaster({ variants: [], audio }).split('\n').slice(3), [
    '#EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS="mp4a.40.2"',
    'audio.m3u8',
    '',
  ]);
});

const videoTrack = (segments: PlaylistSegment[]): DashTrack => ({
  contentType: 'video',
  segments,
  initName: TRACK_FILES.video.initName,
  mediaTemplate: TRACK_FILES.video.mediaTemplate,
  representation: () => ({ codecs: 'avc1.64001f', timescale: 90000, bandwidth: 2_500_000, width: 1280, height: 720 }),
});
const base = { timescale: 90000, availabilityStartTime: T0, publishTime: T0 + 20_000, segmentSeconds: 1 };

const audioTrack = (segments: PlaylistSegment[]): DashTrack => ({
  contentType: 'audio',
  segments,
  initName: TRACK_FILES.audio.initName,
  mediaTemplate: TRACK_FILES.audio.mediaTemplate,
  representation: () => ({ codecs: 'mp4a.40.2', timescale: 48000, bandwidth: 128_000, audioSampleRate: 48000, audioChannels: 2 }),
});
/** The SegmentTemplate start tag of each AdaptationSet. */
const templates = (mpd: string): string[] => [...mpd.matchAll(/<SegmentTemplate [^>]*>/g)].map((m) => m[0]);

test('DASH live: dynamic, times, number template without timeline for the open Period', () => {
  const s = segs(15);
  const periods: DashPeriod[] = [{ id: 0, start: 0, presentationTimeOffset: 0, init: 0, firstNumber: 0 }];
  const mpd = renderDashManifest({ ...base, tracks: [videoTrack(s.slice(5))], segments: s, periods, ended: false, window: 10 });
  assert.match(mpd, /type="dynamic"/);
  assert.match(mpd, /availabilityStartTime="2024-01-02T03:04:05.006Z"/);
  assert.match(mpd, /publishTime="2024-01-02T03:04:25.006Z"/);
  assert.match(mpd, /minimumUpdatePeriod="PT1.000S"/);
  assert.match(mpd, /timeShiftBufferDepth="PT10.000S"/);
  assert.match(mpd, /suggestedPresentationDelay="PT3.000S"/);
  assert.match(mpd, /minBufferTime="PT2.000S"/);
  assert.match(mpd, /codecs="avc1.64001f"/);
  assert.match(mpd, /mimeType="video\/mp4"/);
  // The window slid past segment 5, but the template still numbers from the Period's first segment.
  assert.deepEqual(templates(mpd), [
    '<SegmentTemplate timescale="90000" presentationTimeOffset="0" duration="90000" initialization="v-init-0.mp4" media="v-seg-$Number$.m4s" startNumber="0"/>',
  ]);
  assert.doesNotMatch(mpd, /SegmentTimeline|<S /);
  assert.doesNotMatch(mpd, /mediaPresentationDuration/);
});

test('DASH live template is stable as the window slides; @duration is the mean segment length, per track timescale', () => {
  // A 2 s keyframe interval with a 1 s target: segments are 2 s long, and so is the template's @duration.
  const s = segs(40, { dur: () => 180000 });
  const audio = s.map((x) => ({ ...x, start: (x.start * 48000) / 90000, duration: (x.duration * 48000) / 90000 }));
  const periods: DashPeriod[] = [{ id: 0, start: 0, presentationTimeOffset: 0, init: 0, firstNumber: 0 }];
  const at = (n: number) =>
    renderDashManifest({
      ...base,
      tracks: [videoTrack(s.slice(n - 10, n)), audioTrack(audio.slice(n - 10, n))],
      segments: s.slice(0, n),
      periods,
      ended: false,
      window: 10,
    });
  const first = templates(at(12));
  assert.deepEqual(first, [
    '<SegmentTemplate timescale="90000" presentationTimeOffset="0" duration="180000" initialization="v-init-0.mp4" media="v-seg-$Number$.m4s" startNumber="0"/>',
    '<SegmentTemplate timescale="48000" presentationTimeOffset="0" duration="96000" initialization="a-init-0.mp4" media="a-seg-$Number$.m4s" startNumber="0"/>',
  ]);
  for (const n of [20, 31, 40]) assert.deepEqual(templates(at(n)), first, `after ${n} segments`);
  assert.match(at(40), /timeShiftBufferDepth="PT20.000S"/);
});

test('DASH live: uneven segments give the mean since the Period start; startNumber derived when not given', () => {
  // 29.97 fps with 30-frame keyframe intervals in millisecond timestamps: 1001 ms on average.
  const s = segs(30, { dur: (i) => [90090, 90000, 90180][i % 3] });
  const periods: DashPeriod[] = [{ id: 0, start: 0, presentationTimeOffset: 0, init: 0 }];
  const mpd = renderDashManifest({ ...base, tracks: [videoTrack(s.slice(20))], segments: s, periods, ended: false, window: 10 });
  assert.match(mpd, /duration="90090" initialization="v-init-0.mp4" media="v-seg-\$Number\$.m4s" startNumber="0"\/>/);
});

test('DASH: one Period per discontinuity, exact variable timeline, static when ended', () => {
  const s = segs(6, { discAt: [3], dur: (i) => [90000, 93000, 87000, 90000, 90000, 45000][i] });
  const periods: DashPeriod[] = [
    { id: 0, start: 0, presentationTimeOffset: 0, init: 0 },
    { id: 1, start: 270000 / 90000, presentationTimeOffset: 270000, init: 1 },
  ];
  const mpd = renderDashManifest({ ...base, tracks: [videoTrack(s)], segments: s, periods, ended: true });
  assert.match(mpd, /type="static"/);
  assert.match(mpd, /mediaPresentationDuration="PT5.500S"/);
  assert.doesNotMatch(mpd, /availabilityStartTime/);
  const ps = mpd.split('<Period').slice(1);
  assert.equal(ps.length, 2);
  assert.match(ps[0], /id="0" start="PT0.000S"/);
  assert.match(ps[0], /<S t="0" d="90000"\/>\n\s*<S d="93000"\/>\n\s*<S d="87000"\/>/);
  assert.match(ps[0], /startNumber="0"/);
  assert.match(ps[1], /id="1" start="PT3.000S"/);
  assert.match(ps[1], /presentationTimeOffset="270000" initialization="v-init-1.mp4"/);
  assert.match(ps[1], /startNumber="3"/);
  assert.match(ps[1], /<S t="270000" d="90000" r="1"\/>\n\s*<S d="45000"\/>/);
});

test('DASH live window drops a Period whose segments all slid out', () => {
  const s = segs(8, { discAt: [2] });
  const periods: DashPeriod[] = [
    { id: 0, start: 0, presentationTimeOffset: 0, init: 0, firstNumber: 0 },
    { id: 1, start: 2, presentationTimeOffset: 180000, init: 1, firstNumber: 2 },
  ];
  const mpd = renderDashManifest({ ...base, tracks: [videoTrack(s.slice(3))], segments: s, periods, ended: false, window: 5 });
  assert.equal(mpd.split('<Period').length - 1, 1);
  assert.match(mpd, /<Period id="1" start="PT2.000S">/);
  assert.match(mpd, /presentationTimeOffset="180000" duration="90000" initialization="v-init-1.mp4" media="v-seg-\$Number\$.m4s" startNumber="2"\/>/);
});

test('DASH live with a closed Period in the window: exact timeline there, template in the open one', () => {
  const s = segs(10, { discAt: [6], dur: (i) => (i === 5 ? 45000 : 90000) });
  const periods: DashPeriod[] = [
    { id: 0, start: 0, presentationTimeOffset: 0, init: 0, firstNumber: 0 },
    { id: 1, start: 7.5, presentationTimeOffset: 495000, init: 1, firstNumber: 6 },
  ];
  const mpd = renderDashManifest({ ...base, tracks: [videoTrack(s.slice(4))], segments: s, periods, ended: false, window: 6 });
  const ps = mpd.split('<Period').slice(1);
  assert.equal(ps.length, 2);
  assert.match(ps[0], /startNumber="4">\n\s*<SegmentTimeline>\n\s*<S t="360000" d="90000"\/>\n\s*<S d="45000"\/>/);
  assert.match(ps[1], /^ id="1" start="PT7.500S">/);
  assert.match(
    ps[1],
    /presentationTimeOffset="495000" duration="90000" initialization="v-init-1.mp4" media="v-seg-\$Number\$.m4s" startNumber="6"\/>/,
  );
  assert.doesNotMatch(ps[1], /SegmentTimeline/);
});

test("DASH frame rates as the MPD schema writes them: whole, NTSC's as n/1001 (what OBS sends as 29.97002997), else n/1000", () => {
  assert.deepEqual([30, 29.999_9, 30000 / 1001, 29.97, 59.94005994, 24000 / 1001, 12.5].map(dashFrameRate), [
    '30',
    '30',
    '30000/1001',
    '30000/1001',
    '60000/1001',
    '24000/1001',
    '12500/1000',
  ]);
});
