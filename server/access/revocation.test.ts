// Taking access back, on one server over real sockets: a media token (?t=) dies with the invite, follow or
// visibility it came from, a ban closes a private channel's media, chat connections that lost access are removed,
// and went-live notices tell followers who may not watch nothing but the channel's name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChatClient, connectChat, nextEvent, request } from '../test-support/chat-client.js';
import { api, newStreamer, publish, startTestServer, type TestServer } from '../test-support/server.js';
import { waitFor } from '../test-support/process.js';

/**
 * The status of a channel's live playlist with these credentials: 403 refused; anything else let through (200 live
 * or in its grace period, 404 offline: access is decided before liveness).
 */
async function playlistStatus(s: TestServer, channel: string, creds: { t?: string; cookie?: string; token?: string } = {}): Promise<number> {
  const q = creds.t ? `?t=${encodeURIComponent(creds.t)}` : '';
  const headers: Record<string, string> = {};
  if (creds.cookie) headers.cookie = creds.cookie;
  if (creds.token) headers.authorization = `Bearer ${creds.token}`;
  const r = await fetch(`${s.base}/hls/${channel}/index.m3u8${q}`, { headers });
  await r.arrayBuffer();
  return r.status;
}

async function redeem(s: TestServer, inviteToken: string, bearer?: string): Promise<{ mediaToken: string; cookie?: string; guestId?: string }> {
  const r = await fetch(`${s.base}/api/invites/${inviteToken}/redeem`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ displayName: 'Guest' }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  const cookie = r.headers
    .getSetCookie()
    .find((c) => c.startsWith('onair_guest='))
    ?.split(';')[0];
  return { mediaToken: body.mediaToken, cookie, guestId: body.guest?.id };
}

describe('access taken back, on one server', () => {
  let s: TestServer;
  let owner: Awaited<ReturnType<typeof newStreamer>>;
  let viewer: Awaited<ReturnType<typeof newStreamer>>;
  const clients: ChatClient[] = [];
  const chat = async (auth: { token?: string; guestToken?: string } = {}, cookie?: string) => {
    const c = cookie ? await connectWithCookie(s.base, cookie) : await connectChat(s.base, auth);
    clients.push(c);
    return c;
  };

  before(async () => {
    s = await startTestServer();
    owner = await newStreamer(s.base, 'olga');
    viewer = await newStreamer(s.base, 'victor');
  });
  after(async () => {
    for (const c of clients) c.close();
    await s?.stop();
  });

  const setVisibility = async (visibility: string) =>
    assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { visibility }, owner.token)).status, 200);
  const newInvite = async () => (await api(s.base, 'POST', '/api/me/invites', {}, owner.token)).body as { id: number; token: string };

  test('a media token of a user let in by an invite dies with the invite, down to the segments of a live stream', async () => {
    await setVisibility('invite');
    const invite = await newInvite();
    const { mediaToken } = await redeem(s, invite.token, viewer.token);
    const pub = publish(`${s.rtmpBase}/${owner.channel.streamKey}`, { seconds: 20 });
    try {
      await waitFor('olga live with segments', () => (s.streams.get('olga')?.segments ?? 0) >= 2);
      const t = encodeURIComponent(mediaToken);
      const master = await fetch(`${s.base}/hls/olga/index.m3u8?t=${t}`);
      assert.equal(master.status, 200);
      const video = /^(\/vod\/[^\n]*video\.m3u8[^\n]*)$/m.exec(await master.text())![1];
      const track = await (await fetch(s.base + video)).text();
      const segment = /^(v-seg-[^\n]+)$/m.exec(track)![1];
      const segUrl = `${s.base}${video.slice(0, video.lastIndexOf('/') + 1)}${segment}`;
      assert.equal((await fetch(segUrl)).status, 200, 'the segment with the token');

      assert.equal((await api(s.base, 'DELETE', `/api/me/invites/${invite.id}`, undefined, owner.token)).status, 204);
      assert.equal(await playlistStatus(s, 'olga', { t: mediaToken }), 403, 'the playlist refuses the token at once');
      assert.equal((await fetch(segUrl)).status, 403, 'so does every segment');
      assert.equal(await playlistStatus(s, 'olga', { token: viewer.token }), 403, 'and the user’s own sign-in');
      assert.equal(await playlistStatus(s, 'olga', { token: owner.token }), 200, 'the owner still watches');
    } finally {
      pub.proc.kill('SIGKILL');
      await pub.exit;
    }
    await waitFor('olga ended', () => !s.streams.isPublishing('olga'));
  });

  test("a guest's media token and cookie die with the invite; a ban closes a guest's and a user's media", async () => {
    await setVisibility('invite');
    const first = await redeem(s, (await newInvite()).token);
    const second = await redeem(s, (await newInvite()).token);
    assert.notEqual(await playlistStatus(s, 'olga', { t: first.mediaToken }), 403);
    assert.notEqual(await playlistStatus(s, 'olga', { cookie: first.cookie }), 403);
    const invites = (await api(s.base, 'GET', '/api/me/invites', undefined, owner.token)).body as { id: number }[];
    // The newest two invites: revoke the first guest's.
    assert.equal((await api(s.base, 'DELETE', `/api/me/invites/${invites[1].id}`, undefined, owner.token)).status, 204);
    assert.equal(await playlistStatus(s, 'olga', { t: first.mediaToken }), 403);
    assert.equal(await playlistStatus(s, 'olga', { cookie: first.cookie }), 403);
    assert.notEqual(await playlistStatus(s, 'olga', { t: second.mediaToken }), 403, 'another invite stands');

    // A ban from the owner's chat: the guest and a user let in by invite lose the media too.
    const user = await newStreamer(s.base, 'uma');
    const userAccess = await redeem(s, (await newInvite()).token, user.token);
    assert.notEqual(await playlistStatus(s, 'olga', { t: userAccess.mediaToken }), 403);
    const mod = await chat({ token: owner.token });
    assert.equal((await request(mod, 'join', { channel: 'olga' })).ok, true);
    assert.equal((await request(mod, 'ban', { channel: 'olga', target: { guestId: second.guestId } })).ok, true);
    assert.equal(
      (await request(mod, 'ban', { channel: 'olga', target: { userId: (await api(s.base, 'GET', '/api/me', undefined, user.token)).body.user.id } }))
        .ok,
      true,
    );
    assert.equal(await playlistStatus(s, 'olga', { t: second.mediaToken }), 403, 'banned guest');
    assert.equal(await playlistStatus(s, 'olga', { cookie: second.cookie }), 403, 'banned guest cookie');
    assert.equal(await playlistStatus(s, 'olga', { t: userAccess.mediaToken }), 403, 'banned user token');
    assert.equal(await playlistStatus(s, 'olga', { token: user.token }), 403, 'banned user sign-in');
  });

  test('a follow removed and a visibility changed end the media tokens they allowed; a public ban stays a chat ban', async () => {
    await setVisibility('followers');
    const fan = await newStreamer(s.base, 'fanny');
    assert.equal((await api(s.base, 'POST', '/api/channels/olga/follow', undefined, fan.token)).status, 200);
    const mt = (await api(s.base, 'GET', '/api/channels/olga/media-token', undefined, fan.token)).body.token as string;
    assert.notEqual(await playlistStatus(s, 'olga', { t: mt }), 403);
    assert.equal((await api(s.base, 'DELETE', '/api/channels/olga/follow', undefined, fan.token)).status, 200);
    assert.equal(await playlistStatus(s, 'olga', { t: mt }), 403, 'unfollowed');

    // Followed again: the same token works, and a switch to invite-only ends it (followers are not invited).
    assert.equal((await api(s.base, 'POST', '/api/channels/olga/follow', undefined, fan.token)).status, 200);
    assert.notEqual(await playlistStatus(s, 'olga', { t: mt }), 403);
    await setVisibility('invite');
    assert.equal(await playlistStatus(s, 'olga', { t: mt }), 403, 'followers-only became invite-only');

    // A public channel: anyone watches, banned or not.
    await setVisibility('public');
    const mod = await chat({ token: owner.token });
    await request(mod, 'join', { channel: 'olga' });
    const fanId = (await api(s.base, 'GET', '/api/me', undefined, fan.token)).body.user.id;
    assert.equal((await request(mod, 'ban', { channel: 'olga', target: { userId: fanId } })).ok, true);
    assert.notEqual(await playlistStatus(s, 'olga', { token: fan.token }), 403, 'a public channel’s media stays open to a chat-banned user');
    assert.equal((await request(mod, 'unban', { channel: 'olga', target: { userId: fanId } })).ok, true);
  });

  test('chat: connections that lost access leave the room when the invite is revoked or the channel turns private; send re-checks', async () => {
    await setVisibility('public');
    const anon = await chat();
    assert.equal((await request(anon, 'join', { channel: 'olga' })).ok, true);
    const invited = await newStreamer(s.base, 'ivan');
    const invite = await newInvite();
    await redeem(s, invite.token, invited.token);
    const ivan = await chat({ token: invited.token });
    assert.equal((await request(ivan, 'join', { channel: 'olga' })).ok, true);
    const ownerSocket = await chat({ token: owner.token });
    assert.equal((await request(ownerSocket, 'join', { channel: 'olga' })).ok, true);

    // Invite-only: the anonymous viewer is removed, the invited user and the owner stay.
    const anonRemoved = nextEvent(anon, 'removed', (e: any) => e.channel === 'olga');
    await setVisibility('invite');
    assert.deepEqual(await anonRemoved, { channel: 'olga', reason: 'access' });
    assert.equal((await request(anon, 'send', { channel: 'olga', text: 'hi' })).error.code, 'not_joined');
    assert.equal((await request(ivan, 'send', { channel: 'olga', text: 'still here' })).ok, true);

    // The invite is withdrawn: the invited user is removed too, and cannot join again.
    const ivanRemoved = nextEvent(ivan, 'removed', (e: any) => e.channel === 'olga');
    assert.equal((await api(s.base, 'DELETE', `/api/me/invites/${invite.id}`, undefined, owner.token)).status, 204);
    assert.deepEqual(await ivanRemoved, { channel: 'olga', reason: 'access' });
    assert.equal((await request(ivan, 'join', { channel: 'olga' })).error.code, 'forbidden');
    assert.equal((await request(ownerSocket, 'send', { channel: 'olga', text: 'owner stays' })).ok, true);
  });

  test('send asks again even when no change was announced (a follow removed straight in the database)', async () => {
    await setVisibility('followers');
    const fan = await newStreamer(s.base, 'frida');
    await api(s.base, 'POST', '/api/channels/olga/follow', undefined, fan.token);
    const c = await chat({ token: fan.token });
    assert.equal((await request(c, 'join', { channel: 'olga' })).ok, true);
    assert.equal((await request(c, 'send', { channel: 'olga', text: 'one' })).ok, true);
    const fanId = (await api(s.base, 'GET', '/api/me', undefined, fan.token)).body.user.id;
    await s.db.kysely.deleteFrom('follows').where('user_id', '=', fanId).execute();
    s.access.applyChange({ kind: 'follow-removed', channelId: (await s.access.channel('olga'))!.id, userId: 0 });
    const r = await request(c, 'send', { channel: 'olga', text: 'two' });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'forbidden');
  });

  test('went-live notices: the title only to followers who may watch', async () => {
    const nora = await newStreamer(s.base, 'nora');
    const setNora = async (body: object) => assert.equal((await api(s.base, 'PATCH', '/api/me/channel', body, nora.token)).status, 200);
    await setNora({ title: 'Secret plans', visibility: 'followers' });
    const insider = await newStreamer(s.base, 'inez');
    const outsider = await newStreamer(s.base, 'otto');
    for (const who of [insider, outsider]) assert.equal((await api(s.base, 'POST', '/api/channels/nora/follow', undefined, who.token)).status, 200);
    const invite = (await api(s.base, 'POST', '/api/me/invites', {}, nora.token)).body as { token: string };
    await redeem(s, invite.token, insider.token);
    await setNora({ visibility: 'invite' });
    const [inSocket, outSocket] = [await chat({ token: insider.token }), await chat({ token: outsider.token })];
    const seenIn = nextEvent(inSocket, 'notice', (n: any) => n.channel === 'nora', 20_000);
    const seenOut = nextEvent(outSocket, 'notice', (n: any) => n.channel === 'nora', 20_000);
    const pub = publish(`${s.rtmpBase}/${nora.channel.streamKey}`, { seconds: 4 });
    try {
      assert.deepEqual(await seenIn, { kind: 'followed-live', channel: 'nora', title: 'Secret plans' });
      assert.deepEqual(await seenOut, { kind: 'followed-live', channel: 'nora' });
    } finally {
      await pub.exit;
    }
  });
});

/** A chat connection that carries a cookie header, as a browser would (socket.io-client sends it on polling). */
async function connectWithCookie(base: string, cookie: string): Promise<ChatClient> {
  const { io } = await import('socket.io-client');
  const socket = io(base, {
    path: '/socket.io',
    transports: ['polling'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { cookie },
  }) as ChatClient;
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (e) => reject(e));
  });
  return socket;
}
