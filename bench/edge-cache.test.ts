// The edge's cache log as the viewers benchmark counts it: objects told apart by path, hit ratio over what the
// cache was asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countCacheLog, mediaKind } from '../server/test-support/edge.js';
import { cacheAnswers } from './load.js';

test('paths are segments, parts, playlists or other', () => {
  assert.equal(mediaKind('/hls/alice/s1/v-seg-12.m4s'), 'segment');
  assert.equal(mediaKind('/hls/alice/s1/a-part-12.3.m4s'), 'part');
  assert.equal(mediaKind('/hls/alice/s1/video.m3u8'), 'playlist');
  assert.equal(mediaKind('/dash/alice/manifest.mpd'), 'playlist');
  assert.equal(mediaKind('/hls/alice/s1/init-v.mp4'), 'segment');
  assert.equal(mediaKind('/api/channels/alice'), 'other');
});

test('a log counts per kind and status; answers kept while one refreshes are from the cache; uncached kinds are left out', () => {
  const c = countCacheLog(
    [
      'MISS /hls/a/s/v-seg-1.m4s',
      'HIT /hls/a/s/v-seg-1.m4s',
      'HIT /hls/a/s/v-seg-1.m4s',
      'HIT /hls/a/s/v-seg-1.m4s',
      '- /api/x',
      'EXPIRED /hls/a/s/video.m3u8',
      'UPDATING /hls/a/s/video.m3u8',
      '',
    ].join('\n'),
  );
  assert.deepEqual(c, { segment: { MISS: 1, HIT: 3 }, part: {}, playlist: { EXPIRED: 1, UPDATING: 1 }, other: { '-': 1 } });
  assert.deepEqual(cacheAnswers(c.segment), { ratio: 0.75, upstream: 1 });
  assert.deepEqual(cacheAnswers(c.playlist), { ratio: 0.5, upstream: 1 });
  assert.deepEqual(cacheAnswers(c.other), { ratio: null, upstream: 0 });
});
