// StudioCore (the Studio's main-process logic) with real parts, no Electron and no window: a real Onair server, the
// real broadcast pipeline and ffmpeg. The invite link handed out again rather than made anew; the program preview
// while live (and snapshots that do not refuse each other); the health figures gone once the broadcast ends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { STUDIO_INVITE, type EventMap, type EventName, type InvokeChannel, type InvokeReply, type InvokeRequest } from '../../ipc-contract.js';
import { ffmpegPath as FFMPEG, freePort, waitFor } from '../../../server/test-support/process.js';
import type { StreamMetrics } from '../../../renderer/shared/contracts.js';
import { api, startTestServer, type TestServer } from '../../../server/test-support/server.js';
import { defaultPipeline } from './pipeline.js';
import { SecretStore } from './secret-store.js';
import { StudioCore } from './studio-core.js';

describe('StudioCore with a real server and pipeline', { timeout: 180_000 }, () => {
  let server: TestServer;
  let core: StudioCore;
  let store: SecretStore;
  const events: { name: EventName; payload: unknown; at: number }[] = [];
  const username = `core${Date.now().toString(36).slice(-5)}`;
  const password = `pw-${username}-123456`;

  /** A request through the core, unwrapped (a failure fails the test with its code and message). */
  async function call<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<InvokeReply<C>> {
    const r = await core.handle(channel, request);
    if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
    return r.value;
  }
  const seen = <E extends EventName>(name: E, since = 0) =>
    events.filter((e) => e.name === name && e.at >= since).map((e) => e.payload as EventMap[E]);

  before(async () => {
    const rtmpPort = await freePort();
    server = await startTestServer({
      ONAIR_RTMP_PORT: String(rtmpPort),
      ONAIR_RTMP_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpPort}/live`,
      ONAIR_METRICS_SECONDS: '0.5',
    });
    store = new SecretStore(null, null);
    core = new StudioCore({
      ffmpegPath: FFMPEG,
      store,
      pipeline: defaultPipeline(),
      emit: (name, payload) => events.push({ name, payload, at: Date.now() }),
      chatBaseUrl: (u) => u,
    });
    await call('session:signIn', { serverUrl: server.base, username, password, register: true });
  });
  after(async () => {
    await core?.dispose();
    await server?.stop();
  });

  test('Copy invite link twice: one bounded invite, handed out again; a new one once it is revoked', async () => {
    const token = (await api(server.base, 'POST', '/api/auth/login', { username, password })).body.token as string;
    const listed = async () =>
      (await api(server.base, 'GET', '/api/me/invites', undefined, token)).body as { id: number; state: string; uses: number }[];

    // Two clicks at once, then a third: one invite.
    const [first, second] = await Promise.all([call('invite:link', {}), call('invite:link', {})]);
    assert.equal(first.reused, false);
    assert.equal(second.url, first.url);
    assert.equal(first.maxUses, STUDIO_INVITE.maxUses);
    assert.equal(first.uses, 0);
    const days = (Date.parse(first.expiresAt!) - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `expires in ${days} days`);
    const third = await call('invite:link', {});
    assert.deepEqual({ ...third, reused: false }, first);
    assert.equal(third.reused, true);
    assert.equal((await listed()).length, 1, 'the server holds one invite');

    // A friend uses it: the count shows.
    const inviteToken = new URL(first.url).pathname.split('/').pop()!;
    assert.equal((await api(server.base, 'POST', `/api/invites/${inviteToken}/redeem`, { displayName: 'Friend' })).status, 200);
    assert.equal((await call('invite:link', {})).uses, 1);

    // Revoked on the web: the next copy makes a new one, which is then kept.
    const [inv] = await listed();
    assert.equal((await api(server.base, 'DELETE', `/api/me/invites/${inv!.id}`, undefined, token)).status, 204);
    const fresh = await call('invite:link', {});
    assert.equal(fresh.reused, false);
    assert.notEqual(fresh.url, first.url);
    assert.equal((await call('invite:link', {})).url, fresh.url);
    assert.deepEqual(
      (await listed()).map((i) => i.state),
      ['valid', 'revoked'],
    );
    const kept = store.get();
    assert.ok(kept?.mode === 'onair' && kept.invite?.url === fresh.url, 'kept in the secret store');
  });

  test('snapshots asked for together share one ffmpeg instead of refusing each other', async () => {
    const shots = await Promise.all([0, 1, 2].map(() => core.handle('preview:snapshot', { source: { kind: 'test' } })));
    for (const r of shots) assert.ok(r.ok && r.value.dataUrl.startsWith('data:image/jpeg;base64,'), JSON.stringify(r).slice(0, 200));
  });

  test('engine mode: a Stop right after the start (the window failed to start its encoder) ends the broadcast', async () => {
    const settings = {
      source: { kind: 'test' as const },
      preset: 'Low bandwidth 480p',
      encoder: 'libx264',
      bitrateKbps: 800,
      fps: 30,
      keyframeSeconds: 1,
    };
    await call('broadcast:start', { settings: { ...settings, mode: 'engine' } });
    await call('broadcast:stop', {});
    await waitFor('ended', () => core.broadcastState.kind === 'ended', 10_000, 50);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(core.broadcastState.kind, 'ended', 'it does not go on to connect');
  });

  test('live: the program preview keeps changing, snapshots return it; after Stop no figure or picture remains', async () => {
    const startedAt = Date.now();
    await call('broadcast:start', {
      settings: { source: { kind: 'test' }, preset: 'Low bandwidth 480p', encoder: 'libx264', bitrateKbps: 800, fps: 30, keyframeSeconds: 1 },
    });
    await waitFor('live', () => core.broadcastState.kind === 'live', 30_000, 50);
    await waitFor('health', () => core.lastHealth !== null, 10_000, 50);
    await waitFor('six program frames', () => seen('broadcast:preview', startedAt).length >= 6, 15_000, 50);
    const frames = seen('broadcast:preview', startedAt).map((f) => f.dataUrl);
    assert.ok(new Set(frames).size >= 5, 'the frames differ (the test pattern moves)');
    assert.ok(frames.every((f) => f.startsWith('data:image/jpeg;base64,')));
    // The Studio's live dashboard: the server's samples of this stream, through main.
    const metrics = await waitFor(
      'live metrics with media',
      async () => {
        const m = (await call('channel:liveMetrics', {})) as StreamMetrics | null;
        return m && m.series.bitrateKbps.filter((b) => b > 0).length >= 2 && m;
      },
      15_000,
      250,
    );
    assert.equal(metrics.stream.live, true);
    assert.ok(
      metrics.series.fps.some((f) => f !== null && f > 20),
      `fps ${metrics.series.fps.join(', ')}`,
    );
    const snap = await call('preview:snapshot', { source: { kind: 'test' } });
    assert.ok(
      seen('broadcast:preview', startedAt).some((f) => f.dataUrl === snap.dataUrl),
      'a snapshot while live is the program picture',
    );

    const stopped = await call('broadcast:stop', {});
    assert.equal(stopped.state.kind, 'ended');
    assert.equal(stopped.health, null, 'no health figures after Stop');
    assert.equal((await call('broadcast:status', {})).health, null);
    await waitFor('no live metrics off air', async () => (await call('channel:liveMetrics', {})) === null, 15_000, 250);
    const endedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(seen('broadcast:health', endedAt), [], 'no health event after the end');
    assert.deepEqual(seen('broadcast:preview', endedAt), [], 'no program frame after the end');
    // Off air again, the preview is the source's own.
    const after = await call('preview:snapshot', { source: { kind: 'test' } });
    assert.ok(!frames.includes(after.dataUrl));
  });
});
