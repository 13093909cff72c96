import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMaster, parsePlaylist, resolveUri, median, quantile } from './hls.js';

test('nginx-rtmp style playlist', () => {
  const pl = parsePlaylist(
    '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.000,\n7.ts\n#EXTINF:1.001,\n8.ts\n',
  );
  assert.equal(pl.mediaSequence, 7);
  assert.equal(pl.targetDuration, 1);
  assert.equal(pl.endList, false);
  assert.deepEqual(
    pl.segments.map((s) => [s.seq, s.uri, s.duration]),
    [
      [7, '7.ts', 1],
      [8, '8.ts', 1.001],
    ],
  );
});

test('fMP4 playlist with MAP and PROGRAM-DATE-TIME (extrapolated when given once)', () => {
  const pl = parsePlaylist(
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-MAP:URI="init-0.mp4"',
      '#EXT-X-PROGRAM-DATE-TIME:2025-01-01T00:00:00.000Z',
      '#EXTINF:1.0,',
      'seg-0.m4s',
      '#EXTINF:0.5,',
      'seg-1.m4s',
      '#EXT-X-PART:DURATION=0.2,URI="part.m4s"',
      '#EXT-X-ENDLIST',
      '',
    ].join('\r\n'),
  );
  assert.equal(pl.mapUri, 'init-0.mp4');
  assert.equal(pl.endList, true);
  assert.equal(pl.segments.length, 2);
  assert.equal(pl.segments[0].pdtMs, Date.parse('2025-01-01T00:00:00.000Z'));
  assert.equal(pl.segments[1].pdtMs, Date.parse('2025-01-01T00:00:01.000Z'));
});

test('rejects non-playlists; resolves relative URIs', () => {
  assert.throws(() => parsePlaylist('<html>'));
  assert.equal(resolveUri('http://h:1/hls/a/index.m3u8', 'seg-1.m4s'), 'http://h:1/hls/a/seg-1.m4s');
  assert.equal(resolveUri('http://h:1/hls/a/index.m3u8', '/x/y.ts'), 'http://h:1/x/y.ts');
});

test('master playlist: variants in order and the audio rendition; a media playlist is not a master', () => {
  const m = parseMaster(
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,URI="/vod/x/audio.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=2600000,CODECS="avc1.64001f,mp4a.40.2",AUDIO="audio"',
      '/vod/x/video.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=1400000,CODECS="avc1.64001f,mp4a.40.2",AUDIO="audio"',
      '/vod/x/480p/index.m3u8',
      '',
    ].join('\n'),
  );
  assert.deepEqual(m, { variants: ['/vod/x/video.m3u8', '/vod/x/480p/index.m3u8'], audio: '/vod/x/audio.m3u8' });
  assert.equal(parseMaster('#EXTM3U\n#EXTINF:1.0,\n7.ts\n'), undefined);
});

test('median and quantile', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9.1);
  assert.ok(Number.isNaN(median([])));
});
