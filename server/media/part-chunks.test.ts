// How part-cutter.ts cuts Low-Latency parts from real frames (an FLV that real ffmpeg made, millisecond timestamps):
// a part is handed on frame by frame (one CMAF chunk a frame) only while someone waits for or reads the open part,
// and with nobody at the edge its frames wait for the part's close and go on as one chunk, the segment playing whole
// either way; every part is listed within the part target, the stream's last one too; and a part whose segment is
// on disk and older than the newest cut is read from that file, its memory let go.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readFlvFile } from './flv-file.js';
import { TRACK_FILES } from './hls-playlist.js';
import { llViolations, parseLlPlaylist } from './ll-hls-validator.js';
import type { MediaFrame } from './frame.js';
import { decode, makeTestFlvs, packagerFactory } from '../test-support/media.js';
import { ffprobePath, runOk } from '../test-support/process.js';

let work: string;
let frames: MediaFrame[];
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'onair-part-chunks-'));
  frames = await readFlvFile((await makeTestFlvs(work)).av);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** The top-level boxes' types, in order. */
function boxes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let o = 0; o + 8 <= bytes.length; o += bytes.readUInt32BE(o)) types.push(bytes.subarray(o + 4, o + 8).toString('latin1'));
  return types;
}

const moofs = (src: unknown): number => {
  assert.ok(Buffer.isBuffer(src), 'a complete part');
  return boxes(src).filter((t) => t === 'moof').length;
};

test('parts are chunked frame by frame while a reader waits, and in one chunk at their close when nobody does', async () => {
  const { p, dir } = packagerFactory(work)({ partSeconds: 0.2 });
  const part = (index: number) => TRACK_FILES.video.partName(0, index);
  // A reader waits for part 0.1 from the start: chunks are wanted until part 0.0 closes, which wakes every waiter to
  // look again; this one, fed without a turn of the event loop, does not wait again, and nobody listens.
  const waiting = p.waitForPart(part(1), 10_000);
  // Segment 0 and half of segment 1 (dts in milliseconds), so segment 0's parts are complete and still listed.
  const split = frames.findIndex((f) => f.dts >= 1500);
  for (const f of frames.slice(0, split)) p.push(f);
  await waiting;

  const first = moofs(p.partSource(part(0)));
  assert.ok(first >= 4, `part 0.0 while a reader waited: a chunk a frame (${first})`);
  for (let i = 1; i < 5; i++) assert.equal(moofs(p.partSource(part(i))), 1, `part 0.${i} with nobody reading: one chunk`);

  // The segment is its parts' bytes, and plays.
  for (const f of frames.slice(split)) p.push(f);
  await p.end();
  const segment = join(dir, TRACK_FILES.video.segmentName(0));
  const whole = join(work, 'v0.mp4');
  writeFileSync(whole, Buffer.concat([readFileSync(join(dir, TRACK_FILES.video.initName(0))), readFileSync(segment)]));
  assert.equal(await decode(whole), '');
  assert.equal(boxes(readFileSync(segment)).filter((t) => t === 'moof').length, first + 4);
});

test('every part, the last of the stream too, is listed within PART-TARGET (millisecond timestamps run a part 1 ms over)', async () => {
  const { p } = packagerFactory(work)({ partSeconds: 0.2 });
  for (const f of frames) p.push(f);
  const live = p.playlist('video.m3u8')!;
  await p.end();
  for (const playlist of [live, p.playlist('video.m3u8')!]) {
    const target = Number(/#EXT-X-PART-INF:PART-TARGET=([\d.]+)/.exec(playlist)![1]);
    const durations = [...playlist.matchAll(/#EXT-X-PART:DURATION=([\d.]+)/g)].map((m) => Number(m[1]));
    assert.ok(durations.length >= 10, `parts listed (${durations.length})`);
    for (const d of durations) assert.ok(d <= target, `a part of ${d} s against PART-TARGET ${target}`);
  }
});

test('a stream whose sound outlasts its picture: its last audio parts stay within the audio PART-TARGET', async () => {
  // The sound 20 to 180 ms behind the picture, so that at the end it runs on past the last picture: the last part
  // takes every audio frame left (CI once saw 0.255 s against 0.222, a publisher stopped by SIGINT).
  // With nobody reading, and with a reader streaming each part as it is cut (as LL-HLS players do): the frames it
  // was handed stay in their part, so the split comes after them.
  for (const reader of [false, true])
    for (const lag of [20, 60, 100, 140, 180]) {
      const note = `the sound ${lag} ms behind${reader ? ', a reader streaming each part' : ''}`;
      const { p, dir } = packagerFactory(work)({ partSeconds: 0.2 });
      const fed = frames.map((f) => (f.track === 'audio' ? { ...f, dts: f.dts + lag } : f)).sort((x, y) => x.dts - y.dts);
      const read = new Set<string>();
      for (const f of fed) {
        p.push(f);
        if (reader) readOpenParts(p, read);
      }
      await p.end();
      for (const file of ['audio.m3u8', 'video.m3u8']) {
        // Among the RFC's rules: every part within PART-TARGET, and a segment's parts add up to it.
        const playlist = parseLlPlaylist(p.playlist(file)!);
        assert.ok(playlist.ended && playlist.segments.at(-1)!.parts.length > 0);
        assert.deepEqual(llViolations(playlist), [], `${note}: ${file}`);
      }
      if (reader) assert.ok(read.size > 20, `${note}: parts read as they grew (${read.size})`);
      // Nothing left out, nothing twice: the segments hold every frame sent, once.
      const segments = p.position().segments;
      for (const track of ['video', 'audio'] as const) {
        const sent = fed.filter((f) => f.track === track && (f.kind === 'key' || f.kind === 'inter')).length;
        assert.equal(await packets(dir, track, segments), sent, `${note}: ${track} frames in the segments`);
      }
    }
});

/** Like an LL-HLS player: listens to the open part as soon as it grows, and waits for the next one meanwhile. */
function readOpenParts(p: ReturnType<ReturnType<typeof packagerFactory>>['p'], read: Set<string>): void {
  const msn = p.position().segments;
  for (let i = 0; i < 10; i++) {
    const name = TRACK_FILES.video.partName(msn, i);
    const src = p.partSource(name);
    if (src && !Buffer.isBuffer(src) && !read.has(name)) {
      read.add(name);
      src.listen(() => {});
    }
  }
  void p.waitForPart(TRACK_FILES.video.partName(msn, 50), 500);
}

/** Packets of one track over the stream's segments (its init, then every segment), as ffprobe reads them. */
async function packets(dir: string, track: 'video' | 'audio', segments: number): Promise<number> {
  const names = TRACK_FILES[track];
  const files = [names.initName(0), ...Array.from({ length: segments }, (_, i) => names.segmentName(i))];
  const whole = join(work, `${track}-whole.mp4`);
  writeFileSync(whole, Buffer.concat(files.map((f) => readFileSync(join(dir, f)))));
  const { stdout } = await runOk(ffprobePath, ['-v', 'error', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', whole]);
  return Number(stdout.trim());
}

test("a part whose segment is written and older than the newest cut is read from the segment's file; newer parts from memory", async () => {
  const { p, dir } = packagerFactory(work)({ partSeconds: 0.2 });
  const part = (msn: number, index: number) => TRACK_FILES.video.partName(msn, index);
  const copies = new Map<string, Buffer>();
  // Fed second by second, with a turn of the event loop between (segment files are written in the next one).
  let fed = 0;
  for (let second = 0; second < 4; second++) {
    for (; frames[fed].dts < (second + 1) * 1000 + 300; fed++) p.push(frames[fed]);
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 5; i++) {
      const b = p.partSource(part(0, i));
      if (second === 0 && Buffer.isBuffer(b)) copies.set(part(0, i), Buffer.from(b));
    }
  }
  // Segments 0, 1, 2 and 3 are cut (each at its first keyframe, 300 ms into the next second); 4 is open.
  assert.equal(p.position().segments, 4);
  assert.equal(copies.size, 5, 'segment 0 had five parts, in memory while it was the newest');
  for (const [name, bytes] of copies) assert.deepEqual(p.partSource(name), bytes, `${name}: the same bytes, now from the file`);
  assert.ok(Buffer.isBuffer(p.partSource(part(2, 0))), 'a part of the segment before the newest');
  for (const msn of [0, 2, 3]) unlinkSync(join(dir, TRACK_FILES.video.segmentName(msn)));
  // A part read back once is kept for the players that follow (part-files.ts); one not read back yet comes from its
  // file, which is gone now.
  for (const [name, bytes] of copies) assert.deepEqual(p.partSource(name), bytes, `${name}: kept from its first read`);
  assert.equal(p.partSource(part(2, 1)), undefined, 'the segment before the newest: read from its file too');
  const kept = p.partSource(part(0, 0));
  assert.ok(Buffer.isBuffer(kept) && kept === p.partSource(part(0, 0)), 'one read back, the same bytes each time');
  assert.ok(Buffer.isBuffer(p.partSource(part(3, 0))), 'a part of the newest segment is in memory (its file is gone)');
  assert.ok(p.partSource(part(4, 0)) !== undefined, 'and of the open one');
  await p.end();
});
