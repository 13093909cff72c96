// End to end over RTMP play: it asks the same access decision as HTTP media. A real server, real ffmpeg publishers
// and players, raw sockets where the exact onStatus matters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, newStreamer, publish, type Publisher, startTestServer, type TestServer } from './test-support/server.js';
import { ffmpegPath, ffprobe, run, waitFor } from './test-support/process.js';
import { RawRtmpClient } from './test-support/rtmp.js';

type Status = { code: string; description: string };

/** Plays `name` under `app` with a raw client and returns the first answer to it. */
async function rawPlay(s: TestServer, app: string, name: string): Promise<Status> {
  const c = await RawRtmpClient.open(s.rtmpPort);
  try {
    assert.equal(await c.handshake(), true);
    c.connect(app);
    c.request('play', name);
    const st = await c.status(/^NetStream\.Play\.(Reset|Start|Failed|StreamNotFound)$/);
    assert.ok(st, `an answer to play ${app}/${name.split('?')[0]}`);
    return { code: st.code, description: st.description };
  } finally {
    c.close();
  }
}

/** A real ffmpeg player pulling `seconds` of `url` into an FLV file. */
function ffPlay(url: string, out: string, seconds: number) {
  return run(
    ffmpegPath,
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', url, '-t', String(seconds), '-c', 'copy', '-f', 'flv', out],
    30_000,
  );
}

/** The same token with one character in the middle changed: its signature no longer holds. */
function forged(token: string): string {
  const i = Math.floor(token.length / 2);
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

describe('RTMP play asks the media access decision', () => {
  let s: TestServer;
  let dir: string;
  const pubs: Publisher[] = [];
  let carolToken: string;
  let daveToken: string;
  /** Every credential used in these tests: none may reach a log line or an onStatus description. */
  const secrets: string[] = [];

  before(async () => {
    s = await startTestServer();
    dir = mkdtempSync(path.join(tmpdir(), 'onair-rtmp-play-'));
    const alice = await newStreamer(s.base, 'alice');
    const carol = await newStreamer(s.base, 'carol');
    const dave = await newStreamer(s.base, 'dave');
    carolToken = carol.token;
    daveToken = dave.token;
    for (const who of [carol, dave]) assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, who.token)).status, 200);
    secrets.push(alice.channel.streamKey, carol.channel.streamKey, carol.token, dave.token);
    for (const who of [alice, carol]) pubs.push(publish(`${s.rtmpBase}/${who.channel.streamKey}`, { seconds: 120 }));
    await waitFor('alice and carol live', () => ['alice', 'carol'].every((c) => s.rtmp.liveChannels().includes(c)), 20_000);
  });
  after(async () => {
    for (const p of pubs) p.proc.kill('SIGKILL');
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A guest's media token for carol, the way the web app gets one: an invite, redeemed. */
  async function redeemCarolInvite(): Promise<{ inviteId: number; mediaToken: string }> {
    const inv = await api(s.base, 'POST', '/api/me/invites', {}, carolToken);
    assert.equal(inv.status, 201);
    const red = await api(s.base, 'POST', `/api/invites/${inv.body.token}/redeem`, {});
    assert.equal(red.status, 200, JSON.stringify(red.body));
    secrets.push(inv.body.token, red.body.mediaToken);
    return { inviteId: inv.body.id, mediaToken: red.body.mediaToken };
  }

  test('a public channel plays without a token, under the live application only', async () => {
    const out = path.join(dir, 'alice.flv');
    const r = await ffPlay(`${s.rtmpBase}/alice`, out, 2);
    assert.equal(r.code, 0, r.stderr);
    const probe = await ffprobe(out);
    assert.deepEqual(probe.streams.map((x: any) => x.codec_name).sort(), ['aac', 'h264']);

    assert.deepEqual((await rawPlay(s, 'live', 'alice')).code, 'NetStream.Play.Reset');
    for (const app of ['other', 'live/extra', ''])
      assert.equal((await rawPlay(s, app, 'alice')).code, 'NetStream.Play.StreamNotFound', `app ${JSON.stringify(app)}`);
    const other = await run(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-i', `rtmp://127.0.0.1:${s.rtmpPort}/other/alice`, '-t', '1', '-f', 'null', '-'],
      15_000,
    );
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /"live" application/);
  });

  test("an invite-only channel is refused without a valid token for it: none, forged, random, another channel's", async () => {
    const { mediaToken } = await redeemCarolInvite();
    const daveMedia = await api(s.base, 'GET', '/api/channels/dave/media-token', undefined, daveToken);
    assert.equal(daveMedia.status, 200);
    secrets.push(daveMedia.body.token);
    const refused: Status[] = [];
    for (const name of [
      'carol',
      `carol?t=${forged(mediaToken)}`,
      'carol?t=not-a-token',
      `carol?t=${daveMedia.body.token}`,
      `carol?x=${mediaToken}`,
    ]) {
      const st = await rawPlay(s, 'live', name);
      assert.equal(st.code, 'NetStream.Play.Failed', name.replace(/\?.*/, '?…'));
      refused.push(st);
    }
    assert.match(refused[0].description, /carol is a private channel/);
    // An offline private channel answers the same: whether it is live is private too. Unknown: not found.
    assert.equal((await rawPlay(s, 'live', 'dave')).code, 'NetStream.Play.Failed');
    assert.equal((await rawPlay(s, 'live', `dave?t=${mediaToken}`)).code, 'NetStream.Play.Failed');
    assert.equal((await rawPlay(s, 'live', `dave?t=${daveMedia.body.token}`)).code, 'NetStream.Play.StreamNotFound', 'allowed, but not live');
    assert.equal((await rawPlay(s, 'live', 'nobody')).code, 'NetStream.Play.StreamNotFound');

    const r = await run(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-i', `${s.rtmpBase}/carol?t=${forged(mediaToken)}`, '-t', '1', '-f', 'null', '-'],
      15_000,
    );
    assert.notEqual(r.code, 0, 'ffmpeg cannot pull it either');
    assert.match(r.stderr, /carol is a private channel/);

    for (const st of refused)
      for (const secret of [...secrets, forged(mediaToken)]) assert.ok(!st.description.includes(secret), 'no token in a refusal');
    await waitFor('refusals logged', () => (s.logs().match(/rtmp play refused/g) ?? []).length >= 9, 5000);
    for (const secret of [...secrets, forged(mediaToken)]) assert.ok(!s.logs().includes(secret), 'no token in the logs');
  });

  test('a media token from a redeemed invite plays, with ffmpeg; another application refuses it', async () => {
    const { mediaToken } = await redeemCarolInvite();
    const out = path.join(dir, 'carol.flv');
    const r = await ffPlay(`${s.rtmpBase}/carol?t=${mediaToken}`, out, 2);
    assert.equal(r.code, 0, r.stderr);
    const probe = await ffprobe(out);
    assert.deepEqual(probe.streams.map((x: any) => x.codec_name).sort(), ['aac', 'h264']);
    assert.equal((await rawPlay(s, 'other', `carol?t=${mediaToken}`)).code, 'NetStream.Play.StreamNotFound');
    for (const secret of secrets) assert.ok(!s.logs().includes(secret), 'no token in the logs');
  });

  test('a player whose invite is revoked is dropped at once: the revocation asks every player again', async () => {
    const { inviteId, mediaToken } = await redeemCarolInvite();
    const player = ffPlay(`${s.rtmpBase}/carol?t=${mediaToken}`, path.join(dir, 'revoked.flv'), 25);
    const players = () => s.rtmp.stats().streams.find((c) => c.channel === 'carol')?.players ?? [];
    await waitFor('the player receives media', () => players().some((p) => p.bytesOut > 10_000), 15_000);
    const recheck = async (query: string) => {
      const info = await s.access.channel('carol');
      return !info || !(await s.access.mediaAllowed(info, { mediaToken: new URLSearchParams(query).get('t') ?? undefined }));
    };
    assert.equal(await s.rtmp.dropPlayers('carol', recheck), 0, 'still allowed');
    const t0 = Date.now();
    assert.equal((await api(s.base, 'DELETE', `/api/me/invites/${inviteId}`, undefined, carolToken)).status, 204);
    const r = await player;
    assert.ok(Date.now() - t0 < 5000, 'ffmpeg was cut off at once');
    assert.match(r.stderr, /You may no longer watch carol/);
    assert.equal((await rawPlay(s, 'live', `carol?t=${mediaToken}`)).code, 'NetStream.Play.Failed', 'and cannot come back with it');
  });
});
