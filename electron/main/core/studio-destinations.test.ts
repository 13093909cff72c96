// The Studio's extra destinations through StudioCore, with real parts: kept encrypted in a file of their own (a test
// cipher standing in for safeStorage), checked by the server's rules, keys masked in every answer; then a real
// broadcast (real pipeline, ffmpeg) to a real Onair server whose second channel is the extra destination: both go
// live from one encode, and the window is told each destination's state without ever seeing a key.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { EventMap, EventName, InvokeChannel, InvokeReply, InvokeRequest } from '../../ipc-contract.js';
import { testCipher } from '../../../server/test-support/cipher.js';
import { ffmpegPath as FFMPEG, freePort, waitFor } from '../../../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../../../server/test-support/server.js';
import { defaultPipeline } from './pipeline.js';
import { SecretStore } from './secret-store.js';
import { parseStoredDestinations } from './studio-destinations.js';
import { StudioCore } from './studio-core.js';

describe('Studio destinations (multistream)', { timeout: 120_000 }, () => {
  let server: TestServer;
  let core: StudioCore;
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-destinations-'));
  const file = path.join(dir, 'studio-destinations.bin');
  const cipherKey = randomBytes(32);
  const events: { name: EventName; payload: unknown }[] = [];
  const username = `dest${Date.now().toString(36).slice(-5)}`;

  async function call<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<InvokeReply<C>> {
    const r = await core.handle(channel, request);
    if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.code}: ${r.error.message}`), { code: r.error.code });
    return r.value;
  }
  const makeCore = () =>
    new StudioCore({
      ffmpegPath: FFMPEG,
      store: new SecretStore(null, null),
      destinationStore: new SecretStore(file, testCipher(cipherKey), parseStoredDestinations),
      pipeline: defaultPipeline(),
      emit: (name, payload) => events.push({ name, payload }),
      chatBaseUrl: (u) => u,
    });

  before(async () => {
    const rtmpPort = await freePort();
    server = await startTestServer({ ONAIR_RTMP_PORT: String(rtmpPort), ONAIR_RTMP_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpPort}/live` });
    core = makeCore();
    await call('session:signIn', { serverUrl: server.base, username, password: `pw-${username}-123456`, register: true });
  });
  after(async () => {
    await core?.dispose();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('add, change and remove: checked like the server checks them, keys masked, kept encrypted across restarts', async () => {
    const SECRET = 'live_123456789_abcdefghijklmnop';
    await assert.rejects(call('destinations:save', { name: 'Twitch', url: 'rtmp://live.twitch.tv/app', enabled: true }), /key is required/);
    await assert.rejects(call('destinations:save', { name: ' ', url: 'rtmp://live.twitch.tv/app', key: SECRET, enabled: true }), /name is required/);
    const added = await call('destinations:save', { name: 'Twitch', url: 'rtmp://live.twitch.tv/app', key: SECRET, enabled: true });
    assert.equal(added.length, 1);
    assert.equal(added[0].keyMasked, 'live••••••••mnop');
    assert.ok(!JSON.stringify(added).includes(SECRET), 'never the key');
    // Renamed and disabled without giving the key again: the key stays.
    const changed = await call('destinations:save', { id: added[0].id, name: 'My Twitch', url: 'rtmp://live.twitch.tv/app', enabled: false });
    assert.deepEqual(
      changed.map((d) => [d.name, d.enabled, d.keyMasked]),
      [['My Twitch', false, 'live••••••••mnop']],
    );
    assert.ok(!readFileSync(file).toString('latin1').includes(SECRET), 'encrypted on disk');
    // A restart reads the same list back.
    const again = makeCore();
    assert.deepEqual(await again.handle('destinations:list', {}), { ok: true, value: changed });
    assert.deepEqual(await call('destinations:remove', { id: added[0].id }), []);
    await assert.rejects(call('destinations:save', { id: 'gone', name: 'x', url: 'rtmp://h/app', enabled: true }), /no such destination/);
  });

  test('Go Live sends to the channel and to every enabled destination from one encode; the window sees states, not keys', async () => {
    const friend = await newStreamer(server.base, `${username}b`);
    await call('destinations:save', { name: 'Second channel', url: server.rtmpBase, key: friend.channel.streamKey, enabled: true });
    await call('destinations:save', { name: 'Disabled one', url: server.rtmpBase, key: 'never-used-key-123', enabled: false });
    const since = events.length;
    await call('broadcast:start', {
      settings: { source: { kind: 'test' }, preset: 'Low bandwidth 480p', encoder: 'libx264', bitrateKbps: 800, fps: 30, keyframeSeconds: 1 },
    });
    try {
      await waitFor('the channel live', () => (server.streams.get(username)?.segments ?? 0) >= 2, 30_000, 100);
      await waitFor('the destination channel live', () => (server.streams.get(friend.channel.name)?.segments ?? 0) >= 2, 30_000, 100);
      const statuses = () =>
        events
          .slice(since)
          .filter((e) => e.name === 'broadcast:destinations')
          .map((e) => e.payload as EventMap['broadcast:destinations']);
      await waitFor('its state reported live', () => statuses().some((l) => l.length === 1 && l[0].state === 'live'), 10_000, 100);
      assert.equal(statuses().at(-1)![0].name, 'Second channel', 'only the enabled one');
      assert.ok(!JSON.stringify(events).includes(friend.channel.streamKey), 'no key in any event');
    } finally {
      await call('broadcast:stop', {});
    }
    const last = events.filter((e) => e.name === 'broadcast:destinations').at(-1)!.payload as EventMap['broadcast:destinations'];
    assert.equal(last[0].state, 'idle', 'idle once the broadcast ends');
  });
});
