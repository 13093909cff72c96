import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSafeMediaPath } from './file-server.js';
import { renderMetrics } from './metrics.js';
import { addDashBaseUrl, addDashQuery, rewriteHlsUris, withQuery } from './playlist-alias.js';
import { renderDashManifest } from '../media/dash-manifest.js';
import { renderHlsMaster, renderHlsPlaylist, TRACK_FILES, type PlaylistSegment } from '../media/hls-playlist.js';
import { renderStatXml } from './stat-xml.js';
import { PlayerTracker } from './viewers.js';
import { countAudience } from '../services/audience.js';

test('isSafeMediaPath accepts media names and one sub-folder, refuses traversal and other files', () => {
  const cases: Array<[string, boolean]> = [
    ['index.m3u8', true],
    ['seg-12.m4s', true],
    ['init-0.mp4', true],
    ['720p/index.m3u8', true],
    ['thumb.jpg', true],
    ['index.mpd', true],
    ['../onair.db', false],
    ['..%2fonair.db', false],
    ['720p/../../x.m3u8', false],
    ['.hidden.m3u8', false],
    ['a/b/c.m4s', false],
    ['onair.db', false],
    ['index.m3u8.tmp', false],
    ['/etc/passwd', false],
    ['', false],
    ['x\u0000.m4s', false],
  ];
  for (const [rel, ok] of cases) assert.equal(isSafeMediaPath(rel), ok, rel);
});

test('rewriteHlsUris prefixes URI lines and URI attributes, keeps absolute URIs', () => {
  const src = [
    '#EXTM3U',
    '#EXT-X-MAP:URI="init-0.mp4"',
    '#EXTINF:1.000,',
    'seg-0.m4s',
    '#EXT-X-DISCONTINUITY',
    '#EXT-X-MAP:URI="init-1.mp4"',
    '#EXTINF:1.000,',
    'seg-1.m4s',
    '#EXTINF:1.000,',
    'https://cdn/x.m4s',
    '',
  ].join('\n');
  const out = rewriteHlsUris(src, '/vod/abc/');
  assert.equal(
    out,
    [
      '#EXTM3U',
      '#EXT-X-MAP:URI="/vod/abc/init-0.mp4"',
      '#EXTINF:1.000,',
      '/vod/abc/seg-0.m4s',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-MAP:URI="/vod/abc/init-1.mp4"',
      '#EXTINF:1.000,',
      '/vod/abc/seg-1.m4s',
      '#EXTINF:1.000,',
      'https://cdn/x.m4s',
      '',
    ].join('\n'),
  );
});

test('addDashBaseUrl inserts BaseURL inside MPD', () => {
  const out = addDashBaseUrl('<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic">\n<Period/></MPD>', '/vod/x/');
  assert.match(out, /<MPD [^>]*>\n {2}<BaseURL>\/vod\/x\/<\/BaseURL>\n<Period\/>/);
  assert.equal(addDashBaseUrl('not xml', '/x/'), 'not xml');
});

test('renderStatXml follows the rtmp_stat schema and escapes', () => {
  const xml = renderStatXml({
    version: '0.1.0',
    pid: 1,
    uptimeSeconds: 10,
    naccepted: 3,
    bwIn: 1000,
    bwOut: 0,
    bytesIn: 500,
    bytesOut: 0,
    app: 'live',
    streams: [
      {
        channel: 'a<b',
        streamId: 's1',
        uptimeSeconds: 5,
        publisherAddress: '127.0.0.1',
        state: 'live',
        video: { codec: 'avc1.64001f', width: 1280, height: 720, fps: 30, profile: 'High', level: '3.1' },
        audio: { codec: 'mp4a.40.2', sampleRate: 48000, channels: 2, profile: 'LC' },
        bitrateKbps: 2500,
        bytesIn: 500,
        viewers: 2,
        segments: 4,
        keyframes: { maxIntervalSeconds: 1, medianIntervalSeconds: 1, intervals: 3, warning: null },
        clients: [{ id: 'c1', address: '127.0.0.1', timeMs: 5000, flashver: 'FMLE/3.0', publishing: true }],
        bytesOut: 0,
        bwOut: 0,
      },
    ],
  });
  for (const part of [
    '<rtmp>',
    '<server>',
    '<application>',
    '<name>live</name>',
    '<live>',
    '<stream>',
    '<name>a&lt;b</name>',
    '<time>5000</time>',
    '<codec>H264</codec>',
    '<width>1280</width>',
    '<codec>AAC</codec>',
    '<sample_rate>48000</sample_rate>',
    '<publishing/>',
    '<nclients>3</nclients>',
    '<naccepted>3</naccepted>',
  ]) {
    assert.ok(xml.includes(part), part);
  }
});

test('renderMetrics writes Prometheus text with escaped labels', () => {
  const text = renderMetrics([{ name: 'x_total', help: 'X.', type: 'counter', samples: [{ value: 1 }, { labels: { channel: 'a"b' }, value: 2 }] }]);
  assert.equal(text, '# HELP x_total X.\n# TYPE x_total counter\nx_total 1\nx_total{channel="a\\"b"} 2\n');
});

test('PlayerTracker keeps distinct clients and forgets idle ones', () => {
  let now = 0;
  const v = new PlayerTracker('salt', () => now);
  v.touch('a', '1.1.1.1', 'ua');
  v.touch('a', '1.1.1.1', 'ua');
  v.touch('a', '2.2.2.2', 'ua');
  v.touch('b', '1.1.1.1', 'ua');
  assert.equal(v.clients('a').length, 2);
  assert.deepEqual(v.clients('b'), [v.clients('a')[0]], 'one client, one key, whatever the channel');
  now = 20_000;
  v.touch('a', '3.3.3.3', 'ua');
  assert.equal(v.clients('a').length, 1);
  assert.deepEqual(v.channels(), ['a']);
});

test('countAudience counts each person once across chat, players and processes', () => {
  assert.equal(countAudience([]), 0);
  // One browser: its chat connection (signed in as user 1) and its player (same client).
  assert.equal(countAudience([{ chat: [['u:1', 'c1']], players: ['c1'] }]), 1);
  // Chat on one process, player on another; and the same user on two devices.
  assert.equal(
    countAudience([
      { chat: [['u:1', 'c1']], players: [] },
      { chat: [['u:1', 'c2']], players: ['c1', 'c3'] },
    ]),
    2,
  );
  // Two people, each with chat and player, behind one address with different browsers.
  assert.equal(
    countAudience([
      {
        chat: [
          ['u:1', 'c1'],
          ['g:x', 'c2'],
        ],
        players: ['c1', 'c2'],
      },
    ]),
    2,
  );
  // The owner's chat ('') is not counted, nor the player beside it; a viewer with the same address and agent is.
  assert.equal(countAudience([{ chat: [['', 'c1']], players: ['c1'] }]), 0);
  assert.equal(
    countAudience([
      {
        chat: [
          ['', 'c1'],
          ['u:2', 'c1'],
        ],
        players: ['c1'],
      },
    ]),
    1,
  );
});

test('a media token is carried into every HLS URI; other origins are left alone', () => {
  const src = '#EXTM3U\n#EXT-X-MAP:URI="init-0.mp4"\n#EXTINF:1.0,\nseg-1.m4s\n#EXTINF:1.0,\nhttps://cdn.example/x.m4s\n\n';
  const out = rewriteHlsUris(src, '/vod/abc/', 't=tok.en');
  assert.match(out, /#EXT-X-MAP:URI="\/vod\/abc\/init-0\.mp4\?t=tok\.en"/);
  assert.match(out, /^\/vod\/abc\/seg-1\.m4s\?t=tok\.en$/m);
  assert.match(out, /^https:\/\/cdn\.example\/x\.m4s$/m);
  assert.equal(rewriteHlsUris('#EXTM3U\nseg-1.m4s?x=1', '', 't=a'), '#EXTM3U\nseg-1.m4s?x=1&t=a');
  assert.equal(withQuery('a.m4s#f', 't=1'), 'a.m4s?t=1#f');
  assert.equal(rewriteHlsUris(src, '/vod/abc/'), rewriteHlsUris(src, '/vod/abc/', ''), 'no token: unchanged behaviour');
});

test('a media token reaches DASH segment templates and the BaseURL', () => {
  const mpd = '<MPD type="static">\n<SegmentTemplate initialization="init-0.mp4" media="seg-$Number$.m4s" startNumber="1"/></MPD>';
  const out = addDashBaseUrl(mpd, '/vod/x/', 't=a&b');
  assert.match(out, /<BaseURL>\/vod\/x\/\?t=a&amp;b<\/BaseURL>/);
  assert.match(out, /initialization="init-0\.mp4\?t=a&amp;b"/);
  assert.match(out, /media="seg-\$Number\$\.m4s\?t=a&amp;b"/);
  assert.equal(addDashQuery(mpd, ''), mpd);
});

test('live manifests rendered with a base and a query say what the regex rewrite of the relative ones said', () => {
  const segments: PlaylistSegment[] = [0, 1, 2].map((i) => ({
    seq: i,
    start: i * 90000,
    duration: 90000,
    programDateTime: Date.UTC(2025, 0, 1) + i * 1000,
    discontinuity: i === 2,
    init: i === 2 ? 1 : 0,
  }));
  const names = { initName: TRACK_FILES.video.initName, segmentName: TRACK_FILES.video.segmentName };
  for (const [base, query] of [
    ['/vod/abc/', ''],
    ['/vod/abc/', 't=a%2Bb&x=1'],
    ['', 't=tok'],
  ]) {
    const plain = renderHlsPlaylist({ segments, timescale: 90000, ended: false, ...names });
    assert.equal(
      renderHlsPlaylist({ segments, timescale: 90000, ended: false, ...names, base, query }),
      rewriteHlsUris(plain, base, query),
      `${base} ${query}`,
    );
    const master = {
      variants: [
        { uri: 'video.m3u8', bandwidth: 1e6, codec: 'avc1.64001f' },
        { uri: '480p/index.m3u8', bandwidth: 5e5, codec: 'avc1.64001f' },
      ],
      audio: { uri: 'audio.m3u8', codec: 'mp4a.40.2', bandwidth: 1e5 },
    };
    assert.equal(renderHlsMaster({ ...master, base, query }), rewriteHlsUris(renderHlsMaster(master), base, query));
    const mpd = {
      segments,
      timescale: 90000,
      ended: false,
      availabilityStartTime: 0,
      publishTime: 1000,
      segmentSeconds: 1,
      periods: [
        { id: 0, start: 0, presentationTimeOffset: 0, init: 0 },
        { id: 1, start: 2, presentationTimeOffset: 180000, init: 1 },
      ],
      tracks: [
        {
          contentType: 'video' as const,
          segments,
          initName: TRACK_FILES.video.initName,
          mediaTemplate: TRACK_FILES.video.mediaTemplate,
          representation: () => ({ codecs: 'avc1.64001f', timescale: 90000, bandwidth: 1e6 }),
        },
      ],
    };
    const expected = base ? addDashBaseUrl(renderDashManifest(mpd), base, query) : addDashQuery(renderDashManifest(mpd), query);
    assert.equal(renderDashManifest({ ...mpd, baseUrl: base || undefined, query }), expected);
  }
});
