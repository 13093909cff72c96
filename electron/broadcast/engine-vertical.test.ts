// The engine sender thread with a vertical output, against a real Onair server: chunks tagged `vertical` are
// published to the channel's vertical ingest with the same key and the shared audio (the server reports the
// companion), and a vertical output that cannot connect reconnects on its own while the main output stays live.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeMediaChunk, type MediaChunk } from '../media-chunk.js';
import { freePort, waitFor } from '../../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../../server/test-support/server.js';
import { EngineSenderThread } from './engine-sender-thread.js';

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

  test('published to the vertical ingest with the same key: the server reports the companion beside the stream', async () => {
    const { channel } = await newStreamer(server.base, 'vthread');
    const t = new EngineSenderThread({
      server: `rtmp://127.0.0.1:${rtmpPort}/live`,
      streamKey: channel.streamKey,
      video: VIDEO,
      audio: AUDIO,
      vertical: { server: `rtmp://127.0.0.1:${rtmpPort}/vertical`, video: { ...VIDEO, width: 720, height: 1280 } },
    });
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
    const t = new EngineSenderThread({
      server: `rtmp://127.0.0.1:${rtmpPort}/live`,
      streamKey: channel.streamKey,
      video: VIDEO,
      audio: AUDIO,
      vertical: { server: `rtmp://127.0.0.1:${closed}/vertical`, video: { ...VIDEO, width: 720, height: 1280 } },
    });
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
});
