// Where the vertical output goes, through StudioCore with real parts: kept encrypted in a file of its own (a test
// cipher standing in for safeStorage) and read back by the next start, checked with plain-words reasons, the key
// masked in every answer; then an engine-mode Go Live of the first channel whose vertical output goes to "another
// RTMP destination", a second channel of a real Onair server, with that channel's key: the second channel goes live
// while the first has no vertical companion, the destination cannot change while live, and the key is in no event,
// no log line and no answer. (What the picture is there, ffprobe'd: electron/broadcast/engine-vertical.test.ts.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { InvokeChannel, InvokeReply, InvokeRequest, StudioSettings } from '../../ipc-contract.js';
import { encodeMediaChunk } from '../../media-chunk.js';
import { testCipher } from '../../../server/test-support/cipher.js';
import { ffmpegPath as FFMPEG, freePort, waitFor } from '../../../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../../../server/test-support/server.js';
import { defaultPipeline } from './pipeline.js';
import { SecretStore } from './secret-store.js';
import { StudioCore } from './studio-core.js';
import { parseStoredVertical } from './vertical-destination.js';

const ENGINE: StudioSettings = {
  source: { kind: 'test' },
  preset: 'Smooth 720p30',
  encoder: 'libx264',
  bitrateKbps: 2500,
  fps: 30,
  keyframeSeconds: 1,
  mode: 'engine',
  vertical: { width: 720, height: 1280, bitrateKbps: 2500 },
};

describe('Studio vertical output to another RTMP destination', { timeout: 120_000 }, () => {
  let server: TestServer;
  let rtmpPort: number;
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-vertical-dest-'));
  const file = path.join(dir, 'studio-vertical.bin');
  const cipherKey = randomBytes(32);
  const seen: string[] = [];
  const log = (o: object, m?: string) => void seen.push(`${m} ${JSON.stringify(o)}`);
  const makeCore = () =>
    new StudioCore({
      ffmpegPath: FFMPEG,
      store: new SecretStore(null, null),
      verticalStore: new SecretStore(file, testCipher(cipherKey), parseStoredVertical),
      pipeline: defaultPipeline(),
      emit: (name, payload) => void seen.push(`${name} ${JSON.stringify(payload)}`),
      chatBaseUrl: (u) => u,
      logger: { info: log, warn: log, error: log },
    });
  let core = makeCore();
  async function call<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<InvokeReply<C>> {
    const r = await core.handle(channel, request);
    if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.code}: ${r.error.message}`), { code: r.error.code });
    return r.value;
  }

  before(async () => {
    rtmpPort = await freePort();
    server = await startTestServer({ ONAIR_RTMP_PORT: String(rtmpPort), ONAIR_RTMP_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpPort}/live` });
  });
  after(async () => {
    await core?.dispose();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('kept encrypted, masked, checked in words; Go Live sends the vertical picture to the second channel with its key', async () => {
    const username = `vd${Date.now().toString(36).slice(-6)}`;
    await call('session:signIn', { serverUrl: server.base, username, password: `pw-${username}-123456`, register: true });
    const { channel: shorts } = await newStreamer(server.base, `${username}s`);
    const url = `rtmp://127.0.0.1:${rtmpPort}/live`;

    assert.deepEqual(await call('vertical:destination', {}), { use: 'channel', rtmp: null }, 'the channel by default');
    await assert.rejects(
      call('vertical:setDestination', { use: 'rtmp', url: 'https://shorts.example/app', key: 'k' }),
      /must start with rtmp:\/\/ or rtmps:\/\//,
    );
    await assert.rejects(
      call('vertical:setDestination', { use: 'rtmp', url, key: '  ' }),
      /invalid_destination: Vertical destination: enter the stream key/,
    );
    await assert.rejects(call('vertical:setDestination', { use: 'rtmp', url: '', key: 'k' }), /server URL must be an rtmp:\/\/ or rtmps:\/\//);
    const set = await call('vertical:setDestination', { use: 'rtmp', url, key: shorts.streamKey });
    assert.deepEqual(set, { use: 'rtmp', rtmp: { url, host: `127.0.0.1:${rtmpPort}`, keyMasked: set.rtmp!.keyMasked } });
    assert.match(set.rtmp!.keyMasked, /•/);
    assert.ok(!readFileSync(file).includes(Buffer.from(shorts.streamKey)), 'not in clear on disk');
    // The next start reads it back.
    await core.dispose();
    core = makeCore();
    await call('session:signIn', { serverUrl: server.base, username, password: `pw-${username}-123456`, register: false });
    assert.deepEqual(await call('vertical:destination', {}), set);

    await call('broadcast:start', { settings: ENGINE });
    await waitFor(
      'both outputs connected',
      async () => {
        const s = await call('broadcast:status', {});
        return s.state.kind === 'live' && s.vertical?.kind === 'live';
      },
      15_000,
      50,
    );
    // Three seconds of chunks as the window sends them (not a decodable picture: engine-vertical.test.ts decodes one).
    const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
    const sps = hex('674d401feca02802dd8088000003000800000301e078c18cb0');
    const avcc = new Uint8Array([1, 0x4d, 0x40, 0x1f, 0xff, 0xe1, 0, sps.length, ...sps, 1, 0, 6, ...hex('68ebe3cb22c0')]);
    const push = (c: Parameters<typeof encodeMediaChunk>[0]) => core.engineChunk(encodeMediaChunk(c));
    for (const output of ['main', 'vertical'] as const) push({ kind: 'video-config', timestampUs: 0, compositionUs: 0, data: avcc, output });
    push({ kind: 'audio-config', timestampUs: 0, compositionUs: 0, data: hex('1190') });
    for (let i = 0; i < 90; i++) {
      const at = { timestampUs: Math.round((i * 1e6) / 30), compositionUs: 0 };
      for (const output of ['main', 'vertical'] as const)
        push({ ...at, kind: i % 30 ? 'video-delta' : 'video-key', data: new Uint8Array([0, 0, 0, 3, 0x65, i, 0x84]), output });
      push({ ...at, kind: 'audio-frame', data: new Uint8Array([0x21, i]) });
      await new Promise((r) => setTimeout(r, 33));
    }
    const channel = async (name: string) => (await fetch(`${server.base}/api/channels/${name}`)).json();
    await waitFor('the second channel live', async () => (await channel(shorts.name)).live === true, 10_000, 100);
    const first = await channel(username);
    assert.deepEqual([first.live, first.vertical], [true, null], 'the first channel live, without a vertical companion');
    await assert.rejects(call('vertical:setDestination', { use: 'channel' }), /busy: Stop the stream before changing where the vertical output goes/);

    await call('broadcast:stop', {});
    await waitFor('ended', async () => (await call('broadcast:status', {})).state.kind === 'ended', 10_000, 50);
    assert.equal((await call('vertical:setDestination', { use: 'channel' })).rtmp?.host, `127.0.0.1:${rtmpPort}`, 'kept to switch back');
    assert.ok(
      seen.some((l) => l.startsWith('vertical:destination ')),
      'the window is told',
    );
    assert.ok(!seen.join('\n').includes(shorts.streamKey), 'the key is in no event and no log line');
  });
});
