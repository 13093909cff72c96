// A part's bytes stay its own while it is listed: its fragment headers are cut from media slabs that the cutter lets
// go of as it fills them, so a part must hold its header as it holds its frames (media-slabs.ts). Released slabs
// are poisoned here, so a header that was not held reads 0xEE instead of its moof. (The frames here are not slab
// views: only the headers' lifetimes are under test.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { mediaSlabs } from './media-slabs.js';
import { TRACK_FILES } from './hls-playlist.js';
import type { FragmentTrack } from './mp4.js';
import { PartFiles } from './part-files.js';
import { SegmentIndex } from './segment-index.js';

function videoTrack(n: number): FragmentTrack {
  return { id: 1, baseDecodeTime: n * 3000, count: 1, data: [Buffer.alloc(40, n)], durations: [3000], keyframes: [n % 30 === 0 ? 1 : 0], cts: [0] };
}

test("complete and growing parts keep their headers' bytes until they are let go", () => {
  mediaSlabs.poison = true;
  const before = { ...mediaSlabs.stats };
  const parts = new PartFiles(new SegmentIndex());
  const names: string[] = [];
  let n = 0;
  // About 7000 headers of 112 bytes: three slabs and more.
  const segments = 70;
  for (let msn = 0; msn < segments; msn++) {
    for (let index = 0; index < 50; index++) {
      // Two chunks, then the part closes; the last part of all stays open (growing).
      parts.chunk(msn, { index, video: videoTrack(n++) });
      parts.chunk(msn, { index, video: videoTrack(n++) });
      names.push(TRACK_FILES.video.partName(msn, index));
      const last = msn === segments - 1 && index === 49;
      if (!last) parts.close(msn, { index, start: 0, duration: 6000, independent: false, video: videoTrack(n), hasAudio: false });
    }
    if (msn < segments - 1) parts.segmentCut();
  }
  const taken = mediaSlabs.stats.allocated + mediaSlabs.stats.reused - before.allocated - before.reused;
  assert.ok(taken >= 3, `headers filled several slabs (${taken})`);
  for (const name of names) {
    const src = parts.source(name);
    const bytes = Buffer.isBuffer(src) ? src : Buffer.concat(src!.views());
    assert.equal(bytes.subarray(4, 8).toString('latin1'), 'moof', `${name}: its first header`);
    const second = bytes.readUInt32BE(0) + 8 + 40;
    assert.equal(bytes.subarray(second + 4, second + 8).toString('latin1'), 'moof', `${name}: its second header`);
  }
  parts.drop();
  assert.ok(mediaSlabs.stats.inUse <= before.inUse + 1, `all let go but the slab being cut from (${JSON.stringify(mediaSlabs.stats)})`);
  assert.equal(mediaSlabs.stats.underflows, 0);
});

test('parts read back from their segment file: one read serves every player, forgotten with the part', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-parts-'));
  try {
    const index = new SegmentIndex();
    const parts = new PartFiles(index);
    let n = 0;
    // Segments 0 to 3, two parts each, each segment's file written as its parts' fragments.
    for (let msn = 0; msn < 4; msn++) {
      for (let i = 0; i < 2; i++) {
        parts.chunk(msn, { index: i, video: videoTrack(n++) });
        parts.close(msn, { index: i, start: 0, duration: 3000, independent: i === 0, video: videoTrack(n), hasAudio: false });
      }
      const file = path.join(dir, `v-${msn}.m4s`);
      writeFileSync(file, Buffer.concat(parts.fragments('video', msn, 2)));
      parts.written('video', msn, 2, file);
      index.record({ seq: msn, start: msn * 6000, duration: 6000, pdt: 0, bytes: 0, init: 0, disc: false });
      parts.segmentCut();
      parts.prune();
    }
    // Segments 0 and 1 are older than the newest cut (3) and its predecessor: read back from the file.
    const name = TRACK_FILES.video.partName(1, 1);
    const first = parts.source(name) as Buffer;
    assert.ok(Buffer.isBuffer(first));
    assert.equal(first.subarray(4, 8).toString('latin1'), 'moof');
    // Gone from disk: a second player still gets it, from the bytes read for the first.
    rmSync(path.join(dir, 'v-1.m4s'));
    assert.equal(parts.source(name), first);
    // A part not read before, whose file is gone: nothing (the stream's folder was removed).
    rmSync(path.join(dir, 'v-0.m4s'));
    assert.equal(parts.source(TRACK_FILES.video.partName(0, 1)), undefined);
    parts.drop();
    assert.equal(parts.source(name), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
