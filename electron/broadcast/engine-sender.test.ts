// The engine mode's sender against the server's real RTMP server (test-support/rtmp.ts): chunks in, FLV frames
// out starting on a keyframe with both sequence headers and timestamps from zero, audio and video in order; a
// wrong key fails without retries and without the key in the reason; a kicked connection is published again. Its
// figures (bytes and frames sent) count on through the reconnect, a few times a second.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { MediaChunk } from '../media-chunk.js';
import { keyHooks, startServer } from '../../server/test-support/rtmp.js';
import { waitFor } from '../../server/test-support/process.js';
import { EngineFanout } from './engine-fanout.js';
import { EngineSender } from './engine-sender.js';
import type { BroadcastHealth, BroadcastState } from './types.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const SPS = hex('674d401feca02802dd8088000003000800000301e078c18cb0');
const PPS = hex('68ebe3cb22c0');
const AVCC = new Uint8Array([1, 0x4d, 0x40, 0x1f, 0xff, 0xe1, 0, SPS.length, ...SPS, 1, 0, PPS.length, ...PPS]);
const ASC = hex('1190');
const KEY = 'engine-secret-key-123';
const au = (n: number) => new Uint8Array([0, 0, 0, 3, 0x65, n & 0xff, 0x84]);

function chunk(kind: MediaChunk['kind'], timestampUs: number, data: Uint8Array): MediaChunk {
  return { kind, timestampUs, compositionUs: 0, data };
}

/** 30 fps video (a keyframe each second) and AAC frames, `seconds` long from `startUs`. */
function feed(s: { push(c: MediaChunk): void }, startUs: number, seconds: number): void {
  const frames: MediaChunk[] = [];
  for (let i = 0; i < seconds * 30; i++) frames.push(chunk(i % 30 === 0 ? 'video-key' : 'video-delta', startUs + Math.round((i * 1e6) / 30), au(i)));
  for (let i = 0; i < (seconds * 48000) / 1024; i++)
    frames.push(chunk('audio-frame', startUs - 21_333 + Math.round((i * 1024 * 1e6) / 48000), new Uint8Array([0x21, i & 0xff])));
  // Audio comes out of its encoder later than the video of the same moment: sent in arrival order, not time order.
  frames.sort((a, b) => a.timestampUs + (a.kind === 'audio-frame' ? 60_000 : 0) - (b.timestampUs + (b.kind === 'audio-frame' ? 60_000 : 0)));
  for (const f of frames) s.push(f);
}

describe('EngineSender', () => {
  const hooks = keyHooks({ [KEY]: 'alice' });
  let stopServer: () => Promise<void> = async () => {};
  after(() => stopServer());

  test('publishes from a keyframe with both sequence headers, in timestamp order; reconnects after a kick', async () => {
    const { server, port } = await startServer(hooks);
    stopServer = () => server.close();
    const states: BroadcastState['kind'][] = [];
    const s = new EngineSender(
      {
        server: `rtmp://127.0.0.1:${port}/live`,
        streamKey: KEY,
        video: { width: 1280, height: 720, fps: 30, bitrateKbps: 3500 },
        audio: { bitrateKbps: 128, sampleRate: 48000, channels: 2 },
      },
      { backoff: { initialMs: 200 } },
    );
    s.on('state', (st: BroadcastState) => states.push(st.kind));
    const figures: { at: number; h: BroadcastHealth }[] = [];
    s.on('health', (h: BroadcastHealth) => figures.push({ at: Date.now(), h }));
    s.start();
    await waitFor('live', () => s.state.kind === 'live', 10_000, 20);
    s.push(chunk('video-config', 1_000_000, AVCC));
    s.push(chunk('audio-config', 1_000_000, ASC));
    feed(s, 1_000_000 + 10_000, 2); // no keyframe at the very start: the first frames wait for one
    const sink = () => hooks.sinks.get('alice')!.at(-1)!;
    await waitFor('frames at the server', () => sink().count('video') >= 55, 10_000, 20);
    const got = sink().messages;
    assert.deepEqual(
      got.slice(0, 4).map((f) => [f.track, f.kind, f.dts]),
      [
        ['data', 'meta', 0],
        ['video', 'config', 0],
        ['audio', 'config', 0],
        ['video', 'key', 0],
      ],
    );
    assert.deepEqual(Buffer.from(got[1]!.data), Buffer.from(AVCC));
    assert.deepEqual(Buffer.from(got[2]!.data), Buffer.from(ASC));
    const media = got.filter((f) => f.kind === 'key' || f.kind === 'inter');
    for (let i = 1; i < media.length; i++)
      assert.ok(media[i]!.dts >= media[i - 1]!.dts, `in order at ${i}: ${media[i - 1]!.dts} then ${media[i]!.dts}`);
    const keys = got.filter((f) => f.track === 'video' && f.kind === 'key').map((f) => f.dts);
    assert.deepEqual(keys, [0, 1000]);
    assert.ok(
      got.some((f) => f.track === 'audio' && f.kind === 'key' && f.dts === 0),
      'audio from the keyframe on (priming shift kept)',
    );

    await waitFor('the figures', () => (figures.at(-1)?.h.framesSent ?? 0) >= 55, 5000, 20);
    const before = figures.at(-1)!.h;
    assert.ok(before.bytesSent > 55 * 7, JSON.stringify(before));

    server.kick('alice', 'test');
    await waitFor('reconnecting', () => states.includes('reconnecting'), 10_000, 20);
    await waitFor('live again', () => s.state.kind === 'live' && hooks.sinks.get('alice')!.length === 2, 10_000, 20);
    feed(s, 5_000_000, 2);
    await waitFor('frames on the new connection', () => sink().count('video') >= 55, 10_000, 20);
    await waitFor('the figures count on', () => figures.at(-1)!.h.framesSent >= before.framesSent + 55, 5000, 20);
    assert.ok(figures.at(-1)!.h.bytesSent > before.bytesSent + 55 * 7, 'bytes of both connections');
    const gaps = figures.slice(1).map((f, i) => f.at - figures[i]!.at);
    assert.ok(
      gaps.every((g) => g >= 150),
      `a few reports a second at most: ${gaps.join(' ')} ms apart`,
    );
    assert.deepEqual(
      sink()
        .messages.slice(0, 4)
        .map((f) => [f.track, f.kind, f.dts]),
      [
        ['data', 'meta', 0],
        ['video', 'config', 0],
        ['audio', 'config', 0],
        ['video', 'key', 0],
      ],
      'a new connection starts over on a keyframe, with the configs kept from before',
    );
    await s.stop();
    assert.equal(s.state.kind, 'ended');
    assert.deepEqual(
      states.filter((k, i) => k !== states[i - 1]),
      ['connecting', 'live', 'reconnecting', 'connecting', 'live', 'ended'],
    );
  });

  test('a wrong key fails at once, never retried, the key not in the reason', async () => {
    const { server, port } = await startServer(keyHooks({ other: 'bob' }));
    const s = new EngineSender(
      {
        server: `rtmp://127.0.0.1:${port}/live`,
        streamKey: KEY,
        video: { width: 640, height: 360, fps: 30, bitrateKbps: 1000 },
        audio: { bitrateKbps: 128, sampleRate: 48000, channels: 2 },
      },
      { backoff: { initialMs: 50 } },
    );
    s.start();
    const end = await s.finished;
    await server.close();
    assert.equal(end.kind, 'failed');
    assert.equal(end.kind === 'failed' && end.code, 'wrong_key');
    assert.equal(s.connectCount, 1);
    assert.doesNotMatch(JSON.stringify(end), new RegExp(KEY));
  });

  test('extra destinations get the same chunks as frames on their own connections: headers first, from a keyframe', async () => {
    const destHooks = keyHooks({ 'dest-key-1': 'one', 'dest-key-2': 'two' });
    const { server, port } = await startServer(destHooks);
    const fanout = new EngineFanout(
      [
        { id: 'a', name: 'One', url: `rtmp://127.0.0.1:${port}/live`, key: 'dest-key-1' },
        { id: 'b', name: 'Two', url: `rtmp://127.0.0.1:${port}/live`, key: 'dest-key-2' },
        { id: 'c', name: 'Wrong', url: `rtmp://127.0.0.1:${port}/live`, key: 'not-a-key' },
      ],
      { video: { width: 1280, height: 720, fps: 30, bitrateKbps: 3500 }, audio: { bitrateKbps: 128, sampleRate: 48000, channels: 2 } },
    );
    try {
      await waitFor('destinations connected', () => fanout.statuses().filter((d) => d.state === 'live').length === 2, 10_000, 20);
      fanout.push(chunk('video-config', 1_000_000, AVCC));
      fanout.push(chunk('audio-config', 1_000_000, ASC));
      // A chunk the codec library refuses is left out; it must not throw out of the sender's thread.
      assert.doesNotThrow(() => fanout.push(chunk('video-delta', 1_005_000, new Uint8Array([0, 0, 9]))));
      feed(fanout, 1_010_000, 2);
      for (const name of ['one', 'two']) {
        const sink = () => destHooks.sinks.get(name)!.at(-1)!;
        await waitFor(`${name}: frames`, () => sink().count('video') >= 50, 10_000, 20);
        const video = sink().messages.filter((m) => m.track === 'video');
        assert.deepEqual([video[0].kind, video[1].kind], ['config', 'key'], `${name}: the sequence header, then a keyframe`);
        assert.ok(
          sink().messages.some((m) => m.track === 'audio' && m.kind === 'config'),
          `${name}: the audio config`,
        );
        assert.equal(sink().messages.find((m) => m.track === 'data')?.meta?.width, 1280, `${name}: onMetaData`);
      }
      assert.equal(fanout.statuses().find((d) => d.id === 'c')?.state, 'failed', 'the wrong key fails alone');
    } finally {
      fanout.stop();
      await server.close();
    }
  });
});
