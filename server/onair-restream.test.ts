// End to end: restream destinations with real parts. A real ffmpeg publishes to server A, which pushes the stream on
// to a second Onair server (B's channel goes live and its HLS plays) and to nginx-rtmp (its HLS plays), while a
// destination with a wrong key fails with B's own answer and one that accepts TCP and never reads delays nothing.
// nginx stopped and started again: its destination says retrying, then live again. The publisher dropping and coming
// back within the grace period leaves the pushes up. Keys stay out of answers and logs. A destination that took the
// stream and then stops reading (a relay that stalls) delays neither the ingest nor the destination that keeps up.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ApiDestination, ServerStats } from './api/types.js';
import { nginxRtmpAvailable, startNginxRtmp, type NginxRtmp } from './test-support/nginx-rtmp.js';
import type { MediaFrame } from './media/frame.js';
import { ffprobe, sleep, waitFor } from './test-support/process.js';
import { stallingRelay } from './test-support/stalling-relay.js';
import { api, newStreamer, publish, startTestServer, type Publisher, type TestServer } from './test-support/server.js';

const NGINX_KEY = 'nginx-side-key-7f3a9c';
const WRONG_KEY = 'wrong-key-0b1c2d3e4f';
const BLACKHOLE_KEY = 'blackhole-key-5e6f7a';

async function destinations(s: TestServer, token: string): Promise<ApiDestination[]> {
  const r = await api<ApiDestination[]>(s.base, 'GET', '/api/me/destinations', undefined, token);
  assert.equal(r.status, 200);
  return r.body;
}

async function waitState(s: TestServer, token: string, name: string, want: (d: ApiDestination) => boolean, what: string, ms = 30_000) {
  return waitFor(`${name}: ${what}`, async () => (await destinations(s, token)).find((d) => d.name === name && want(d)), ms, 250);
}

describe(
  'restream to another Onair server and to nginx-rtmp',
  { skip: !nginxRtmpAvailable() && 'nginx-rtmp not installed', timeout: 240_000 },
  () => {
    let a: TestServer;
    let b: TestServer;
    let nginx: NginxRtmp;
    let blackhole: net.Server;
    const held: net.Socket[] = [];
    let pub: Publisher | undefined;

    before(async () => {
      a = await startTestServer({ ONAIR_RESTREAM_ALLOW_PRIVATE: '1', ONAIR_GRACE_SECONDS: '5' });
      b = await startTestServer({});
      nginx = await startNginxRtmp();
      // Accepts connections and never reads nor answers.
      blackhole = net.createServer((sock) => {
        sock.pause();
        held.push(sock);
      });
      await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    });
    after(async () => {
      pub?.proc.kill('SIGKILL');
      for (const s of held) s.destroy();
      blackhole?.close();
      await a?.stop();
      await b?.stop();
      await nginx?.stop();
    });

    test('pushed untouched to every enabled destination; status live, failed, retrying; a restart is survived', async () => {
      const src = await newStreamer(a.base, 'ria');
      const dst = await newStreamer(b.base, 'rib');
      const blackholeUrl = `rtmp://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}/live`;
      const add = async (name: string, url: string, key: string) => {
        const r = await api<ApiDestination>(a.base, 'POST', '/api/me/destinations', { name, url, key, enabled: true }, src.token);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.ok(!JSON.stringify(r.body).includes(key), 'the key is never returned');
        return r.body;
      };
      await add('Onair B', b.rtmpBase, dst.channel.streamKey);
      await add('nginx', nginx.rtmpBase, NGINX_KEY);
      await add('Wrong key', b.rtmpBase, WRONG_KEY);
      await add('Black hole', blackholeUrl, BLACKHOLE_KEY);
      const disabled = await add('Disabled', nginx.rtmpBase, 'disabled-key');
      assert.equal((await api(a.base, 'PATCH', `/api/me/destinations/${disabled.id}`, { enabled: false }, src.token)).status, 200);

      pub = publish(`${a.rtmpBase}/${src.channel.streamKey}`);
      // B's channel goes live from A's push, and its HLS plays.
      await waitFor('B live', async () => (await api(b.base, 'GET', '/api/me/channel', undefined, dst.token)).body.live === true, 30_000, 250);
      const probeB = await waitFor('B HLS', () => ffprobe(dst.channel.hlsUrl).catch(() => null), 30_000, 500);
      assert.deepEqual(probeB.streams.map((s: { codec_name: string }) => s.codec_name).sort(), ['aac', 'h264']);
      const probeN = await waitFor('nginx HLS', () => ffprobe(nginx.hlsUrl(NGINX_KEY)).catch(() => null), 30_000, 500);
      assert.ok(probeN.streams.some((s: { codec_name: string; width: number }) => s.codec_name === 'h264' && s.width === 320));

      const liveB = await waitState(a, src.token, 'Onair B', (d) => d.status.state === 'live' && d.status.bitrateKbps > 0, 'live with a bitrate');
      assert.equal(liveB.status.reason, null);
      await waitState(a, src.token, 'nginx', (d) => d.status.state === 'live' && d.status.bitrateKbps > 0, 'live with a bitrate');
      const wrong = await waitState(a, src.token, 'Wrong key', (d) => d.status.state === 'failed', 'failed');
      assert.match(wrong.status.reason ?? '', /Unknown stream key/);
      const hole = await waitState(a, src.token, 'Black hole', (d) => d.status.state === 'retrying', 'retrying', 20_000);
      assert.match(hole.status.reason ?? '', /no answer/);
      assert.equal((await destinations(a, src.token)).find((d) => d.name === 'Disabled')?.status.state, 'idle');

      // The dead destination holds nothing up: A keeps cutting segments and B keeps receiving.
      const segs = a.streams.get('ria')!.segments;
      await waitFor('A segments keep coming', () => a.streams.get('ria')!.segments >= segs + 2, 15_000, 250);
      await waitState(a, src.token, 'Onair B', (d) => d.status.state === 'live' && d.status.bitrateKbps > 0, 'still live');

      // The operator sees them in /api/stats, by host only.
      const stats = await api<ServerStats>(a.base, 'GET', '/api/stats');
      const listed = stats.body.streams.find((s) => s.channel === 'ria')?.destinations ?? [];
      assert.deepEqual(listed.map((d) => d.name).sort(), ['Black hole', 'Onair B', 'Wrong key', 'nginx']);
      assert.equal(listed.find((d) => d.name === 'nginx')?.host, new URL(nginx.rtmpBase).host);

      // Changes while live apply at once: one disabled stops, one enabled starts.
      const byName = async (name: string) => (await destinations(a, src.token)).find((d) => d.name === name)!;
      const patch = async (name: string, body: object) =>
        assert.equal((await api(a.base, 'PATCH', `/api/me/destinations/${(await byName(name)).id}`, body, src.token)).status, 200);
      await patch('Black hole', { enabled: false });
      assert.equal((await byName('Black hole')).status.state, 'idle');
      await patch('Disabled', { enabled: true });
      await waitState(a, src.token, 'Disabled', (d) => d.status.state === 'live', 'live once enabled');

      // nginx goes away and comes back: retrying with why, then live again, the others untouched.
      await nginx.kill();
      const retrying = await waitState(a, src.token, 'nginx', (d) => d.status.state === 'retrying', 'retrying', 15_000);
      assert.ok(retrying.status.reason, 'says why');
      assert.equal((await destinations(a, src.token)).find((d) => d.name === 'Onair B')?.status.state, 'live');
      await nginx.restart();
      await waitState(a, src.token, 'nginx', (d) => d.status.state === 'live', 'live again', 45_000);
      await waitFor('nginx HLS again', () => ffprobe(nginx.hlsUrl(NGINX_KEY)).catch(() => null), 30_000, 500);

      // The publisher drops and comes back within A's grace period: the pushes stay up, B's stream goes on.
      const bStream = b.streams.get('rib')!;
      pub.proc.kill('SIGKILL');
      await pub.exit;
      await waitFor('A waiting', () => a.streams.get('ria')?.state === 'waiting', 10_000, 50);
      pub = publish(`${a.rtmpBase}/${src.channel.streamKey}`);
      await waitFor('A live again', () => a.streams.get('ria')?.state === 'live', 10_000, 50);
      const bSegs = bStream.segments;
      await waitFor('B keeps cutting segments', () => bStream.segments >= bSegs + 2, 20_000, 250);
      assert.equal(b.streams.get('rib'), bStream, "B's stream is the same one");
      await waitState(a, src.token, 'Onair B', (d) => d.status.state === 'live' && d.status.bitrateKbps > 0, 'live across the return');

      // The stream ends: destinations go idle and B's channel ends.
      pub.proc.kill('SIGINT');
      await pub.exit;
      await waitFor('B ended', async () => (await api(b.base, 'GET', '/api/me/channel', undefined, dst.token)).body.live === false, 30_000, 250);
      await waitState(a, src.token, 'Onair B', (d) => d.status.state === 'idle', 'idle after the end', 30_000);

      for (const key of [dst.channel.streamKey, NGINX_KEY, WRONG_KEY, BLACKHOLE_KEY]) {
        assert.ok(!a.logs().includes(key), 'no destination key in the log');
      }
    });

    test('a destination that stops reading mid-stream delays neither the ingest nor the other destination', async () => {
      const src = await newStreamer(a.base, 'rsa');
      const stalls = await newStreamer(b.base, 'rsb');
      const keeps = await newStreamer(b.base, 'rsc');
      const relay = await stallingRelay(b.rtmpPort);
      let publisher: Publisher | undefined;
      try {
        for (const [name, url, key] of [
          ['Stalls', relay.url, stalls.channel.streamKey],
          ['Keeps up', b.rtmpBase, keeps.channel.streamKey],
        ] as const)
          assert.equal((await api(a.base, 'POST', '/api/me/destinations', { name, url, key, enabled: true }, src.token)).status, 201);
        publisher = publish(`${a.rtmpBase}/${src.channel.streamKey}`);
        await waitState(a, src.token, 'Stalls', (d) => d.status.state === 'live' && d.status.bitrateKbps > 0, 'live');
        await waitState(a, src.token, 'Keeps up', (d) => d.status.state === 'live' && d.status.bitrateKbps > 0, 'live');
        await waitFor('both channels on B', () => b.streams.get('rsb') && b.streams.get('rsc'), 20_000, 100);

        // How late each frame arrives, against its own timestamp (the publisher runs at real time): at A (the
        // ingest) and at B through the destination that keeps reading. A stall that held anything up would show as
        // frames arriving later and later.
        const lateness = (stream: { taps: Set<(f: MediaFrame) => void> }) => {
          const out: number[] = [];
          const tap = (f: MediaFrame) => out.push(performance.now() - f.dts);
          stream.taps.add(tap);
          return { out, stop: () => stream.taps.delete(tap) };
        };
        // A stall that held anything up shows as frames arriving later and later, so the end of the stall is compared
        // with before it: the median lateness of the last quarter of the frames, against the median before. (The
        // spread of single frames also grows with a busy machine's jitter, and said nothing about stalls.)
        const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
        const tail = (xs: number[]) => xs.slice(Math.floor((xs.length * 3) / 4));
        const atA = lateness(a.streams.get('rsa')!);
        const atKeeps = lateness(b.streams.get('rsc')!);
        await sleep(3000);
        const before = { a: median(atA.out), keeps: median(atKeeps.out) };
        atA.out.length = 0;
        atKeeps.out.length = 0;

        relay.stall();
        const segsA = a.streams.get('rsa')!.segments;
        const segsKeeps = b.streams.get('rsc')!.segments;
        const segsStalls = b.streams.get('rsb')!.segments;
        await sleep(10_000);
        atA.stop();
        atKeeps.stop();
        assert.ok(atA.out.length > 100 && atKeeps.out.length > 100, 'frames arrived during the stall');
        const during = { a: median(tail(atA.out)), keeps: median(tail(atKeeps.out)) };
        console.log(`median frame lateness (ms): before ${JSON.stringify(before)}, at the end of the stall ${JSON.stringify(during)}`);
        assert.ok(a.streams.get('rsa')!.segments - segsA >= 8, 'A cut its segments at its pace');
        assert.ok(b.streams.get('rsc')!.segments - segsKeeps >= 8, 'the other destination kept receiving');
        assert.ok(b.streams.get('rsb')!.segments - segsStalls <= 1, 'the stalled one received nothing new');
        assert.ok(during.a < before.a + 400, `frames reached A on time during the stall (${during.a} ms late, ${before.a} before)`);
        assert.ok(
          during.keeps < before.keeps + 400,
          `frames reached the other destination on time (${during.keeps} ms late, ${before.keeps} before)`,
        );
        assert.equal((await destinations(a, src.token)).find((d) => d.name === 'Keeps up')?.status.state, 'live');

        // Reading again, the stalled destination goes on.
        relay.resume();
        const resumed = b.streams.get('rsb')!.segments;
        await waitFor('the stalled destination goes on', () => (b.streams.get('rsb')?.segments ?? 0) >= resumed + 2, 30_000, 250);
      } finally {
        publisher?.proc.kill('SIGKILL');
        relay.close();
      }
    });
  },
);

for (const db of ['sqlite', 'postgres'] as const)
  describe(`destination API (${db})`, { timeout: 60_000 }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({}, { db });
    });
    after(async () => {
      await s?.stop();
    });

    test('validation, ownership, write-only keys', async () => {
      const owner = await newStreamer(s.base, 'vera');
      const other = await newStreamer(s.base, 'otto');
      const post = (body: unknown, token = owner.token) => api(s.base, 'POST', '/api/me/destinations', body, token);

      const bad: Array<[unknown, RegExp]> = [
        [{ name: 'X', url: 'http://live.twitch.tv/app', key: 'k' }, /rtmp:\/\/ or rtmps:\/\//],
        [{ name: 'X', url: 'rtmp://live.twitch.tv', key: 'k' }, /application path/],
        [{ name: 'X', url: 'rtmp://live.twitch.tv/app' }, /key is required/],
        [{ name: '', url: 'rtmp://live.twitch.tv/app', key: 'k' }, /name is required/],
        [{ name: 'X', url: 'rtmp://127.0.0.1/live', key: 'k' }, /private network/],
        [{ name: 'X', url: 'rtmp://live.twitch.tv/app', key: 'k', enabled: 'yes' }, /enabled must be/],
        [[1, 2], /JSON object/],
      ];
      for (const [body, message] of bad) {
        const r = await post(body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, 'bad_request');
        assert.match(r.body.error.message, message);
      }
      assert.equal((await api(s.base, 'GET', '/api/me/destinations')).status, 401);

      const secretKey = 'live_123456789_SecretTwitchKey';
      const created = await post({ name: 'Twitch', url: 'rtmp://live.twitch.tv/app', key: secretKey });
      assert.equal(created.status, 201);
      assert.deepEqual(
        { ...created.body, status: { ...created.body.status, since: 'x' } },
        {
          id: created.body.id,
          name: 'Twitch',
          url: 'rtmp://live.twitch.tv/app',
          enabled: true,
          status: { state: 'idle', reason: null, bitrateKbps: 0, droppedFrames: 0, since: 'x' },
        },
      );
      const id = created.body.id as number;
      // Another account cannot see, change or delete it.
      assert.deepEqual((await api(s.base, 'GET', '/api/me/destinations', undefined, other.token)).body, []);
      assert.equal((await api(s.base, 'PATCH', `/api/me/destinations/${id}`, { name: 'Mine' }, other.token)).status, 404);
      assert.equal((await api(s.base, 'DELETE', `/api/me/destinations/${id}`, undefined, other.token)).status, 404);
      assert.equal((await api(s.base, 'PATCH', '/api/me/destinations/abc', { name: 'Mine' }, owner.token)).status, 404);

      const patched = await api(
        s.base,
        'PATCH',
        `/api/me/destinations/${id}`,
        { name: 'Twitch main', key: 'live_new_SecretKey2', enabled: false },
        owner.token,
      );
      assert.equal(patched.status, 200);
      assert.equal(patched.body.name, 'Twitch main');
      assert.equal(patched.body.enabled, false);
      assert.equal((await api(s.base, 'PATCH', `/api/me/destinations/${id}`, { url: 'ftp://x/y' }, owner.token)).status, 400);

      const listed = await api(s.base, 'GET', '/api/me/destinations', undefined, owner.token);
      assert.equal(listed.body.length, 1);
      const text = JSON.stringify(listed.body) + JSON.stringify(created.body) + JSON.stringify(patched.body);
      assert.ok(!text.includes('SecretTwitchKey') && !text.includes('SecretKey2'), 'keys never returned');
      assert.ok(!/SecretTwitchKey|SecretKey2/.test(s.logs()), 'keys never logged');
      // Sealed at rest: the stored column is not the key.
      const row = await s.db.kysely.selectFrom('restream_destinations').select('key_sealed').where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(!row.key_sealed.includes('SecretKey2') && row.key_sealed.startsWith('v1.'));

      assert.equal((await api(s.base, 'DELETE', `/api/me/destinations/${id}`, undefined, owner.token)).status, 204);
      assert.deepEqual((await api(s.base, 'GET', '/api/me/destinations', undefined, owner.token)).body, []);
    });
  });
