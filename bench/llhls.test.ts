import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePart, nextPartDirective, parseAttributes, parseLlPlaylist } from './llhls.js';

// The shape Onair serves (server/media/hls-playlist.ts): parts of the last segments, then of the one in progress.
const ONAIR = [
  '#EXTM3U',
  '#EXT-X-VERSION:9',
  '#EXT-X-TARGETDURATION:1',
  '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.0,PART-HOLD-BACK=0.600',
  '#EXT-X-PART-INF:PART-TARGET=0.200',
  '#EXT-X-MEDIA-SEQUENCE:7',
  '#EXT-X-DISCONTINUITY-SEQUENCE:0',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MAP:URI="v-init-0.mp4"',
  '#EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:07.000Z',
  '#EXTINF:1.000,',
  'v-seg-7.m4s',
  '#EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:08.000Z',
  '#EXT-X-PART:DURATION=0.200,URI="v-part-8.0.m4s",INDEPENDENT=YES',
  '#EXT-X-PART:DURATION=0.200,URI="v-part-8.1.m4s"',
  '#EXT-X-PART:DURATION=0.600,URI="v-part-8.2.m4s"',
  '#EXTINF:1.000,',
  'v-seg-8.m4s',
  '#EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:09.010Z',
  '#EXT-X-PART:DURATION=0.200,URI="v-part-9.0.m4s",INDEPENDENT=YES',
  '#EXT-X-PART:DURATION=0.167,URI="v-part-9.1.m4s",GAP=YES',
  '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="v-part-9.2.m4s"',
  '#EXT-X-RENDITION-REPORT:URI="audio.m3u8",LAST-MSN=9,LAST-PART=1',
  '',
].join('\n');

test('attributes: quoted values keep their commas', () => {
  assert.deepEqual(parseAttributes('DURATION=0.200,URI="a,b.m4s",INDEPENDENT=YES'), { DURATION: '0.200', URI: 'a,b.m4s', INDEPENDENT: 'YES' });
});

test('Onair LL-HLS playlist: segments, parts of listed and open segments, hint, server control', () => {
  const pl = parseLlPlaylist(ONAIR);
  assert.equal(pl.mediaSequence, 7);
  assert.equal(pl.partTarget, 0.2);
  assert.equal(pl.partHoldBack, 0.6);
  assert.equal(pl.canBlockReload, true);
  assert.equal(pl.canSkipUntil, 6);
  assert.equal(pl.mapUri, 'v-init-0.mp4');
  assert.equal(pl.preloadHint, 'v-part-9.2.m4s');
  assert.deepEqual(
    pl.segments.map((s) => [s.msn, s.uri, s.durationS, s.mapUri]),
    [
      [7, 'v-seg-7.m4s', 1, 'v-init-0.mp4'],
      [8, 'v-seg-8.m4s', 1, 'v-init-0.mp4'],
    ],
  );
  assert.deepEqual(
    pl.parts.map((p) => [p.msn, p.index, p.uri, p.independent, p.gap]),
    [
      [8, 0, 'v-part-8.0.m4s', true, false],
      [8, 1, 'v-part-8.1.m4s', false, false],
      [8, 2, 'v-part-8.2.m4s', false, false],
      [9, 0, 'v-part-9.0.m4s', true, false],
      [9, 1, 'v-part-9.1.m4s', false, true],
    ],
  );
  const t8 = Date.parse('2026-12-03T10:00:08.000Z');
  const t9 = Date.parse('2026-12-03T10:00:09.010Z');
  // A part ends at its segment's program date + the parts before it + its own duration.
  assert.deepEqual(
    pl.parts.map((p) => Math.round(p.endMs! - (p.msn === 8 ? t8 : t9))),
    [200, 400, 1000, 200, 367],
  );
  assert.deepEqual(
    pl.parts.map((p) => Math.round(p.offsetS * 1000)),
    [0, 200, 400, 0, 200],
  );
  assert.deepEqual(nextPartDirective(pl), { msn: 9, part: 2 });
});

test('next directive after a segment closed with no part of the next one yet', () => {
  const text = ONAIR.split('\n')
    .filter((l) => !l.includes('9.') && !l.includes('09.010'))
    .join('\n');
  const pl = parseLlPlaylist(text);
  assert.equal(pl.parts.at(-1)?.uri, 'v-part-8.2.m4s');
  assert.deepEqual(nextPartDirective(pl), { msn: 9, part: 0 });
});

test('program date extrapolated over segments without one; parts without any date have no end', () => {
  const pl = parseLlPlaylist(
    [
      '#EXTM3U',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z',
      '#EXTINF:1.5,',
      's0',
      '#EXT-X-PART:DURATION=0.5,URI="p1.0"',
      '#EXTINF:0.5,',
      's1',
      '',
    ].join('\n'),
  );
  assert.equal(pl.parts[0].endMs, Date.parse('2026-01-01T00:00:02.000Z'));
  const none = parseLlPlaylist('#EXTM3U\n#EXT-X-PART:DURATION=0.2,URI="x"\n');
  assert.equal(none.parts[0].endMs, undefined);
  assert.equal(none.parts[0].msn, 0);
});

test('delta update: EXT-X-SKIP shifts the numbering of what follows', () => {
  const pl = parseLlPlaylist(
    '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:10\n#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n#EXTINF:1,\ns13\n#EXT-X-PART:DURATION=0.2,URI="p14.0"\n',
  );
  assert.equal(pl.segments[0].msn, 13);
  assert.deepEqual([pl.parts[0].msn, pl.parts[0].index], [14, 0]);
  assert.deepEqual(nextPartDirective(pl), { msn: 14, part: 1 });
});

test('part order', () => {
  assert.ok(comparePart(3, 4, 4, 0) < 0);
  assert.ok(comparePart(4, 1, 4, 0) > 0);
  assert.equal(comparePart(4, 1, 4, 1), 0);
  assert.throws(() => parseLlPlaylist('<html>'), /not an m3u8/);
});
