// A rendition's packager on its source's grid, without ffmpeg in between: fed the source's own frames from its
// second keyframe on, it numbers, times and dates its segments as the source did, and lists the first one, which it
// has no media for, as a gap.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readFlvFile } from './flv-file.js';
import type { MediaFrame } from './frame.js';
import { parseLlPlaylist } from './ll-hls-validator.js';
import { LivePackager } from './packager.js';
import { sourceGrid } from './rendition-grid.js';
import { makeTestFlvs, type TestFlvs } from '../test-support/media.js';

let work: string;
let flvs: TestFlvs;
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'onair-rendition-'));
  flvs = await makeTestFlvs(work);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('a rendition that starts at the source second segment: segment 0 is a gap, the others match the source', async () => {
  let clock = 1_700_000_000_000;
  const now = () => (clock += 7);
  const frames: MediaFrame[] = await readFlvFile(flvs.video);
  const srcDir = mkdtempSync(join(work, 'src-'));
  const source = new LivePackager({ dir: srcDir, segmentSeconds: 1, partSeconds: 0.2, now });
  const times: Array<number | undefined> = [];
  for (const f of frames) {
    source.push(f);
    times.push(source.mediaTime(f.dts));
  }
  const grid = sourceGrid(source.gridSource(() => 0));
  const dir = mkdtempSync(join(work, 'r-'));
  const rendition = new LivePackager({ dir, segmentSeconds: 1, partSeconds: 0.2, now, grid, mediaOnly: true });
  rendition.on('error', (e: Error) => assert.fail(e));
  const keys = frames.map((f, i) => (f.kind === 'key' ? i : -1)).filter((i) => i >= 0);
  // The sequence header, then the frames from the second keyframe, on the source's timeline.
  rendition.push(frames.find((f) => f.kind === 'config')!);
  for (let i = keys[1]; i < frames.length; i++) if (frames[i].kind !== 'config') rendition.push({ ...frames[i], dts: times[i]! });
  await source.end();
  await rendition.end();
  const src = parseLlPlaylist(readFileSync(join(srcDir, 'video.m3u8'), 'utf8'));
  const text = readFileSync(join(dir, 'video.m3u8'), 'utf8');
  const r = parseLlPlaylist(text);
  assert.equal(r.segments.length, src.segments.length, text);
  assert.match(text, /#EXTINF:[\d.]+,\n#EXT-X-GAP\nv-seg-0\.m4s\n/);
  for (let i = 0; i < r.segments.length; i++) {
    assert.equal(r.segments[i].pdt, src.segments[i].pdt, `segment ${i} wall clock`);
    assert.equal(r.segments[i].duration, src.segments[i].duration, `segment ${i} duration`);
  }
  assert.ok(!existsSync(join(dir, 'index.m3u8')), 'no master of its own');
});
