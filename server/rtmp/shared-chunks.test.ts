// Restream destinations share each frame's chunks (SharedChunks): the bytes a publisher writes that way must be the
// ones the per-destination path (writeChunks, one Buffer per frame and destination) wrote, whatever each destination's
// timestamps, and our own chunk reader must read them back as the frames. Then two real publishers sharing the
// chunks, each to its own stream on Onair's RTMP server: both get every frame byte for byte. Frames from real ffmpeg.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readFlvFile } from '../media/flv-file.js';
import type { MediaFrame } from '../media/frame.js';
import { makeTestFlvs } from '../test-support/media.js';
import { waitFor } from '../test-support/process.js';
import { keyHooks, startServer } from '../test-support/rtmp.js';
import { ChunkReader, DEFAULT_CHUNK_READER_LIMITS, MSG, type RtmpMessage } from './chunk.js';
import { messageHeader, writeChunks } from './chunk-writer.js';
import { RtmpPublisher, SharedChunks } from './client.js';
import type { RtmpServer } from './server.js';

let work: string;
let frames: MediaFrame[];
let server: RtmpServer;
let port: number;
const hooks = keyHooks({ 'shared-key-one': 'one', 'shared-key-two': 'two' });

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'onair-shared-chunks-'));
  frames = (await readFlvFile((await makeTestFlvs(work)).av)).filter((f) => f.track !== 'data');
  ({ server, port } = await startServer(hooks));
});
after(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

const csidOf = (f: MediaFrame) => (f.track === 'video' ? 6 : 4);
const typeOf = (f: MediaFrame) => (f.track === 'video' ? MSG.video : MSG.audio);

test('shared chunks: the bytes of the per-destination path for every destination, read back as the frames', () => {
  assert.ok(
    frames.some((f) => f.tag.length > 4096),
    'some frames span several chunks',
  );
  // Three destinations with their own timelines (one past 0xFFFFFF ms, where type-3 headers carry the timestamp)
  // and message stream ids, at two chunk sizes.
  const dests = [
    { offset: 0, streamId: 1 },
    { offset: 12_345, streamId: 1 },
    { offset: 0xffffff - 3000, streamId: 7 },
  ];
  for (const chunkSize of [128, 4096]) {
    const shared = new SharedChunks();
    const streams: Buffer[][] = dests.map(() => []);
    let multi = 0;
    for (const f of frames) {
      if (f.tag.length > chunkSize) multi++;
      for (const [d, dest] of dests.entries()) {
        const msg = { csid: csidOf(f), typeId: typeOf(f), streamId: dest.streamId, timestamp: f.dts + dest.offset };
        const sharedBytes = Buffer.concat([messageHeader(msg, f.tag.length), ...shared.body(f.tag, chunkSize, msg.csid, msg.timestamp)]);
        const before = writeChunks({ ...msg, payload: f.tag }, chunkSize);
        assert.ok(sharedBytes.equals(before), `chunk size ${chunkSize}, destination ${d}, frame at ${f.dts}: same bytes`);
        streams[d].push(sharedBytes);
      }
    }
    // Chunked once per frame for the two destinations below 0xFFFFFF ms; the third (its timestamps past it: type-3
    // headers differ) gets its own. A one-chunk frame is never copied: its body is the payload itself.
    assert.ok(shared.made <= 2 * frames.length, `${shared.made} bodies for ${frames.length} frames`);
    assert.ok(multi > 0);
    for (const [d, dest] of dests.entries()) {
      const got: RtmpMessage[] = [];
      const reader = new ChunkReader(DEFAULT_CHUNK_READER_LIMITS, { onMessage: (m) => got.push(m) });
      reader.chunkSize = chunkSize;
      const all = Buffer.concat(streams[d]);
      // Fed in odd slices, as a socket would.
      for (let i = 0; i < all.length; i += 1000) reader.push(all.subarray(i, Math.min(all.length, i + 1000)));
      assert.equal(got.length, frames.length, `destination ${d}: every frame`);
      for (let i = 0; i < frames.length; i++) {
        assert.ok(got[i].payload.equals(frames[i].tag), `destination ${d}, frame ${i}: payload`);
        assert.equal(got[i].timestamp, frames[i].dts + dest.offset);
        assert.equal(got[i].streamId, dest.streamId);
        assert.equal(got[i].typeId, typeOf(frames[i]));
      }
    }
  }
});

test('shared chunks: a one-chunk frame is queued as is; a new frame starts afresh', () => {
  const shared = new SharedChunks();
  const small = frames.find((f) => f.tag.length < 4096)!;
  const [body] = shared.body(small.tag, 4096, 4, 0);
  assert.equal(body, small.tag, 'the payload itself, not a copy');
  const big = frames.find((f) => f.tag.length > 4096)!;
  const a = shared.body(big.tag, 4096, 6, 40);
  assert.equal(shared.body(big.tag, 4096, 6, 1040), a, 'the same Buffers for another destination (other timestamp)');
  assert.notEqual(shared.body(big.tag, 128, 6, 40), a, 'another chunk size: its own');
  assert.equal(shared.made, 3);
  shared.body(small.tag, 4096, 4, 0);
  assert.equal(shared.made, 4, 'a frame handed over again after another is chunked again (only the current one is held)');
});

test('two publishers sharing the chunks, each to its own stream: both get every frame byte for byte', async () => {
  const url = `rtmp://127.0.0.1:${port}/live`;
  const shared = new SharedChunks();
  const [p1, p2] = await Promise.all([
    RtmpPublisher.connect({ url, key: 'shared-key-one' }, { coalesceMs: 50, sharedChunks: shared }),
    RtmpPublisher.connect({ url, key: 'shared-key-two' }, { coalesceMs: 50, sharedChunks: shared }),
  ]);
  const first = frames[0].dts;
  for (const f of frames) {
    p1.send(f, f.dts - first);
    p2.send(f, f.dts - first + 5000); // another timeline: only the type-0 headers differ
  }
  for (const [name, shift] of [
    ['one', 0],
    ['two', 5000],
  ] as const) {
    const sink = () => hooks.sinks.get(name)?.[0];
    await waitFor(`${name}: all frames`, () => (sink()?.messages.filter((m) => m.track !== 'data').length ?? 0) >= frames.length, 10_000, 20);
    const got = sink()!.messages.filter((m) => m.track !== 'data');
    assert.equal(got.length, frames.length);
    for (let i = 0; i < frames.length; i++) {
      assert.ok(got[i].tag.equals(frames[i].tag), `${name}: frame ${i} unchanged, in order`);
      assert.equal(got[i].dts, frames[i].dts - first + shift);
    }
  }
  p1.close();
  p2.close();
});
