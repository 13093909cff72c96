// The engine sender thread with a vertical output, against a real Onair server: chunks tagged `vertical` are
// published to the channel's vertical ingest with the same key and the shared audio (the server reports the
// companion), or to another RTMP destination with its own key (here a second channel: real H.264 made by ffmpeg, so
// ffprobe reads each picture's size where it went), and a vertical output that cannot connect reconnects on its own
// while the main output stays live.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeMediaChunk, type MediaChunk } from '../media-chunk.js';
import { play, realChunks, recorded } from './engine-test-media.js';
import { ffmpegPath, ffprobe, freePort, waitFor } from '../../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../../server/test-support/server.js';
import { EngineSenderThread } from './engine-sender-thread.js';
import type { RecordingStatus } from './types.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
// 1280x720 SPS/PPS (the server reads the companion's size from it).
const SPS = hex('674d401feca02802dd8088000003000800000301e078c18cb0');
const PPS = hex('68ebe3cb22c0');
const AVCC = new Uint8Array([1, 0x4d, 0x40, 0x1f, 0xff, 0xe1, 0, SPS.length, ...SPS, 1, 0, PPS.length, ...PPS]);
const au = (n: number) => new Uint8Array([0, 0, 0, 3, 0x65, n & 0xff, 0x84]);
const VIDEO = { width: 1280, height: 720, fps: 30, bitrateKbps: 1000 };
const AUDIO = { bitrateKbps: 128, sampleRate: 48000, channels: 2 };

/** Both outputs' video and the one audio, `seconds` long in real time (a keyframe each second). */
async function feed(t: EngineSenderThread, seconds: number): Promise<void> {
  const push = (c: MediaChunk) => t.push(encodeMediaChunk(c));
  for (const output of ['main', 'vertical'] as const) push({ kind: 'video-config', timestampUs: 0, compositionUs: 0, data: AVCC, output });
  push({ kind: 'audio-config', timestampUs: 0, compositionUs: 0, data: hex('1190') });
  for (let i = 0; i < seconds * 30; i++) {
    for (const output of ['main', 'vertical'] as const)
      push({ kind: i % 30 ? 'video-delta' : 'video-key', timestampUs: Math.round((i * 1e6) / 30), compositionUs: 0, data: au(i), output });
    push({ kind: 'audio-frame', timestampUs: Math.round((i * 1e6) / 30), compositionUs: 0, data: new Uint8Array([0x21, i & 0xff]) });
    await new Promise((r) => setTimeout(r, 33));
  }
}

describe('engine sender thread: the vertical output', { timeout: 90_000 }, () => {
  let server: TestServer;
  let rtmpPort: number;
  before(async () => {
    rtmpPort = await freePort();
    server = await startTestServer({ ONAIR_RTMP_PORT: String(rtmpPort) });
  });
  after(() => server?.stop());

  /** A sender thread: the main output to this server's live ingest with `streamKey`, the 720x1280 one to `vertical`. */
  const thread = (
    streamKey: string,
    vertical: { server: string; streamKey?: string },
    logger?: ConstructorParameters<typeof EngineSenderThread>[1],
  ) =>
    new EngineSenderThread(
      {
        server: `rtmp://127.0.0.1:${rtmpPort}/live`,
        streamKey,
        video: VIDEO,
        audio: AUDIO,
        vertical: { ...vertical, video: { ...VIDEO, width: 720, height: 1280 } },
        ffmpegPath,
      },
      logger,
    );

  test('another RTMP destination, its own key: a second channel gets the 720x1280 picture while the first gets 1280x720', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'onair-vdest-'));
    const chunks = await realChunks(work);
    const [{ channel: main }, { channel: shorts }] = await Promise.all([
      newStreamer(server.base, 'vdestmain'),
      newStreamer(server.base, 'vdestshorts'),
    ]);
    const logs: string[] = [];
    const log = (o: object, m?: string) => void logs.push(`${m} ${JSON.stringify(o)}`);
    const t = thread(main.streamKey, { server: `rtmp://127.0.0.1:${rtmpPort}/live`, streamKey: shorts.streamKey }, { info: log, warn: log });
    t.start();
    try {
      await waitFor('both live', () => t.state.kind === 'live' && t.verticalState?.kind === 'live', 10_000, 20);
      const playing = play((m) => t.push(m), chunks);
      const probe = (name: string) =>
        waitFor(`${name} probed`, () => ffprobe(`${server.base}/hls/${name}/index.m3u8`).catch(() => null), 20_000, 500);
      const [v, m] = await Promise.all([probe('vdestshorts'), probe('vdestmain')]);
      const video = (p: { streams: any[] }) => p.streams.find((s) => s.codec_type === 'video');
      assert.deepEqual([video(v)?.codec_name, video(v)?.width, video(v)?.height], ['h264', 720, 1280]);
      assert.ok(
        v.streams.some((s) => s.codec_type === 'audio'),
        'the shared audio goes with the vertical picture',
      );
      assert.deepEqual([video(m)?.width, video(m)?.height], [1280, 720]);
      // The second channel's own stream, not the first one's vertical companion.
      const first = await fetch(`${server.base}/api/channels/vdestmain`).then((r) => r.json());
      const second = await fetch(`${server.base}/api/channels/vdestshorts`).then((r) => r.json());
      assert.deepEqual([first.live, first.vertical, second.live], [true, null, true]);
      await playing;
    } finally {
      await t.stop();
      rmSync(work, { recursive: true, force: true });
    }
    assert.equal(t.verticalState?.kind, 'ended');
    assert.ok(!logs.join('\n').includes(shorts.streamKey), 'the key is in no log line');
  });

  test('published to the vertical ingest with the same key: the server reports the companion beside the stream', async () => {
    const { channel } = await newStreamer(server.base, 'vthread');
    const t = thread(channel.streamKey, { server: `rtmp://127.0.0.1:${rtmpPort}/vertical` });
    const vertical: string[] = [];
    t.on('vertical', (s) => vertical.push(s.kind));
    t.start();
    await waitFor('both live', () => t.state.kind === 'live' && t.verticalState?.kind === 'live', 10_000, 20);
    await feed(t, 3);
    const ch = await waitFor(
      'the companion reported',
      async () => {
        const c = await fetch(`${server.base}/api/channels/vthread`).then((r) => r.json());
        return c.live && c.vertical?.width > 0 ? c : null;
      },
      10_000,
      100,
    );
    assert.match(ch.vertical.hlsUrl, /\/hls\/vthread\/vertical\/index\.m3u8$/);
    await t.stop();
    assert.deepEqual(vertical, ['connecting', 'live', 'ended']);
    assert.equal(t.state.kind, 'ended');
  });

  test('a vertical output that cannot connect retries on its own; the main output stays live and on air', async () => {
    const { channel } = await newStreamer(server.base, 'vbroken');
    const closed = await freePort();
    const t = thread(channel.streamKey, { server: `rtmp://127.0.0.1:${closed}/vertical` });
    t.start();
    await waitFor('main live, vertical retrying', () => t.state.kind === 'live' && t.verticalState?.kind === 'reconnecting', 10_000, 20);
    await feed(t, 3);
    const ch = await fetch(`${server.base}/api/channels/vbroken`).then((r) => r.json());
    assert.equal(ch.live, true);
    assert.equal(ch.vertical, null);
    assert.equal(t.state.kind, 'live');
    await t.stop();
    assert.equal(t.verticalState?.kind, 'ended');
  });

  test('recorded beside the main output: started and stopped while live, each vertical file paired with its main one', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'onair-vrecord-'));
    const chunks = await realChunks(work);
    writeFileSync(path.join(work, 'show.mkv'), 'an earlier stream');
    const { channel } = await newStreamer(server.base, 'vrecord');
    const t = thread(channel.streamKey, { server: `rtmp://127.0.0.1:${rtmpPort}/vertical` });
    const statuses: RecordingStatus[] = [];
    t.on('recording', (r: RecordingStatus) => statuses.push(r));
    const states: string[] = [];
    t.on('state', (s) => states.push(s.kind));
    t.start();
    try {
      await waitFor('both live', () => t.state.kind === 'live' && t.verticalState?.kind === 'live', 10_000, 20);
      // Recording from 2.5 s to 5.5 s of the broadcast, and again from 7.5 s to its end.
      await play((m) => t.push(m), chunks, [
        { us: 2_500_000, run: () => t.startRecording(path.join(work, 'show.mkv')) },
        { us: 5_500_000, run: () => t.stopRecording() },
        { us: 7_500_000, run: () => t.startRecording(path.join(work, 'show.mkv')) },
      ]);
      await waitFor('the first recording stopped', () => statuses.some((r) => r.state === 'stopped'), 10_000, 20);
      assert.equal(t.state.kind, 'live', 'stopping the recording leaves the broadcast on air');
    } finally {
      await t.stop();
    }
    const file = (name: string) => path.join(work, name);
    const stopped = statuses.filter((r) => r.state === 'stopped' && r.vertical?.state === 'stopped');
    assert.deepEqual(stopped, [
      { state: 'stopped', path: file('show-2.mkv'), vertical: { state: 'stopped', path: file('show-2-vertical.mkv') } },
      { state: 'stopped', path: file('show-3.mkv'), vertical: { state: 'stopped', path: file('show-3-vertical.mkv') } },
    ]);
    assert.ok(!statuses.some((r) => r.state === 'failed'), JSON.stringify(statuses));
    assert.equal(states.at(-1), 'ended', 'the thread reports the end once the files are finished');
    for (const [name, size, seconds] of [
      ['show-2.mkv', [1280, 720], 2.5],
      ['show-2-vertical.mkv', [720, 1280], 2.5],
      ['show-3.mkv', [1280, 720], 2],
      ['show-3-vertical.mkv', [720, 1280], 2],
    ] as const) {
      const r = await recorded(file(name));
      assert.deepEqual([r.video?.codec_name, r.video?.width, r.video?.height], ['h264', ...size], name);
      assert.equal(r.audio?.codec_name, 'aac', `${name}: the one sound in both files`);
      assert.ok(r.packets[0]?.key && Math.abs(r.packets[0].pts) < 0.001, `${name} starts at a keyframe at 0`);
      // From the first keyframe at or after the start (one each second: 3 s, 8 s) to the stop (5.5 s, the end at
      // 10 s): every frame, none encoded again.
      assert.equal(r.packets.length, seconds * 30, `${name}: ${r.packets.length} frames`);
    }
    rmSync(work, { recursive: true, force: true });
  });
});
