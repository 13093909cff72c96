// Follows, tags, directory, invites and private streams, through the real server (startOnair) on SQLite and on
// PostgreSQL, with real ffmpeg publishers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS } from '../test-support/db.js';
import { api, newStreamer, publish, type Publisher, startTestServer, type TestServer } from '../test-support/server.js';
import { sleep, waitFor } from '../test-support/process.js';

interface Fetched {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function get(base: string, url: string, opts: { token?: string; cookie?: string; ua?: string } = {}): Promise<Fetched> {
  const res = await fetch(url.startsWith('http') ? url : base + url, {
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.ua ? { 'user-agent': opts.ua } : {}),
    },
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* media */
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** POST with an optional cookie; returns the answer and the cookies it set. */
async function post(base: string, url: string, body: unknown, opts: { token?: string; cookie?: string } = {}) {
  const res = await fetch(base + url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, cookies: res.headers.getSetCookie(), headers: res.headers };
}

const uriLines = (playlist: string) => playlist.split('\n').filter((l) => l && !l.startsWith('#'));
const stripQuery = (u: string) => u.split('?')[0];
/** URI lines and URI="…" attributes of a playlist. */
const allUris = (playlist: string) => [...uriLines(playlist), ...[...playlist.matchAll(/URI="([^"]+)"/g)].map((m) => m[1])];

/** A live channel's master, then its video playlist: the stream folder's playlist, init and segment URLs. */
async function liveFiles(base: string, channel: string, creds: { token?: string; cookie?: string }) {
  const master = await get(base, `/hls/${channel}/index.m3u8`, creds);
  assert.equal(master.status, 200, master.text);
  const videoUri = uriLines(master.text).find((l) => l.endsWith('/video.m3u8'))!;
  const audioUri = /URI="([^"]+)"/.exec(master.text)![1];
  const video = await get(base, videoUri, creds);
  assert.equal(video.status, 200, video.text);
  const folder = videoUri.slice(0, videoUri.lastIndexOf('/') + 1);
  return {
    videoUri,
    audioUri,
    segUri: folder + uriLines(video.text).find((l) => l.endsWith('.m4s'))!,
    initUri: folder + /URI="([^"]+)"/.exec(video.text)![1],
  };
}

for (const kind of DB_KINDS) {
  describe(`social and private streams over HTTP (${kind.name})`, () => {
    let s: TestServer;
    let alice: Awaited<ReturnType<typeof newStreamer>>;
    let bob: Awaited<ReturnType<typeof newStreamer>>;
    let carol: Awaited<ReturnType<typeof newStreamer>>;
    let dave: Awaited<ReturnType<typeof newStreamer>>;
    let guestCookie = '';
    let carolStreamId = '';
    const pubs: Publisher[] = [];

    before(async () => {
      s = await startTestServer({ ONAIR_GRACE_SECONDS: '1', ONAIR_THUMBNAIL_SECONDS: '10' }, { db: kind.name });
      alice = await newStreamer(s.base, 'alice');
      bob = await newStreamer(s.base, 'bob');
      carol = await newStreamer(s.base, 'carol');
      dave = await newStreamer(s.base, 'dave');
    });
    after(async () => {
      for (const p of pubs) p.proc.kill('SIGKILL');
      await s?.stop();
    });

    test('follow and unfollow: idempotent, counted, listed; not yourself', async () => {
      assert.equal((await api(s.base, 'POST', '/api/channels/alice/follow')).status, 401);
      let r = await api(s.base, 'POST', '/api/channels/alice/follow', undefined, bob.token);
      assert.deepEqual([r.status, r.body], [200, { following: true, followers: 1 }]);
      r = await api(s.base, 'POST', '/api/channels/Alice/follow', undefined, bob.token);
      assert.deepEqual([r.status, r.body], [200, { following: true, followers: 1 }], 'idempotent');
      r = await api(s.base, 'POST', '/api/channels/alice/follow', undefined, dave.token);
      assert.equal(r.body.followers, 2);
      r = await api(s.base, 'POST', '/api/channels/alice/follow', undefined, alice.token);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'bad_request');
      assert.match(r.body.error.message, /own channel/);
      assert.equal((await api(s.base, 'POST', '/api/channels/nobody/follow', undefined, bob.token)).status, 404);

      const asBob = await api(s.base, 'GET', '/api/channels/alice', undefined, bob.token);
      assert.equal(asBob.body.followers, 2);
      assert.equal(asBob.body.following, true);
      assert.equal(asBob.body.visibility, 'public');
      assert.equal(asBob.body.canWatch, true);
      assert.equal((await api(s.base, 'GET', '/api/channels/alice', undefined, carol.token)).body.following, false);
      assert.equal((await api(s.base, 'GET', '/api/channels/alice')).body.following, false);

      const followers = await api(s.base, 'GET', '/api/channels/alice/followers');
      assert.equal(followers.body.count, 2);
      assert.deepEqual(followers.body.followers.map((f: any) => [f.username, f.channel, f.live]).sort(), [
        ['bob', 'bob', false],
        ['dave', 'dave', false],
      ]);
      const following = await api(s.base, 'GET', '/api/me/following', undefined, bob.token);
      assert.equal(following.body.count, 1);
      assert.deepEqual(
        following.body.following.map((f: any) => [f.name, f.live, f.visibility]),
        [['alice', false, 'public']],
      );
      assert.equal((await api(s.base, 'GET', '/api/me/following')).status, 401);

      r = await api(s.base, 'DELETE', '/api/channels/alice/follow', undefined, dave.token);
      assert.deepEqual(r.body, { following: false, followers: 1 });
      r = await api(s.base, 'DELETE', '/api/channels/alice/follow', undefined, dave.token);
      assert.deepEqual([r.status, r.body], [200, { following: false, followers: 1 }], 'idempotent');
      assert.deepEqual(await s.follows.followersOf((await s.access.channel('alice'))!.id), [
        (await api(s.base, 'GET', '/api/me', undefined, bob.token)).body.user.id,
      ]);
      await api(s.base, 'POST', '/api/channels/alice/follow', undefined, dave.token);
    });

    test('PATCH /api/me/channel: tags normalised, bad tags and visibility refused in plain words', async () => {
      assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { title: 'x' })).status, 401);
      let r = await api(s.base, 'PATCH', '/api/me/channel', { tags: ['ok', 'c++'] }, alice.token);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'invalid_tags');
      assert.match(r.body.error.message, /"c\+\+".*letters a–z, digits, spaces and "-"/);
      r = await api(s.base, 'PATCH', '/api/me/channel', { title: 'changed?', tags: ['a1', 'b2', 'c3', 'd4', 'e5', 'f6'] }, alice.token);
      assert.equal(r.body.error.code, 'invalid_tags');
      assert.match(r.body.error.message, /at most 5 tags/);
      r = await api(s.base, 'PATCH', '/api/me/channel', { tags: ['x'] }, alice.token);
      assert.match(r.body.error.message, /2 to 25 characters/);
      r = await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'secret' }, alice.token);
      assert.deepEqual([r.status, r.body.error.code], [400, 'bad_request']);
      assert.match(r.body.error.message, /public.*followers.*invite/);
      assert.equal((await api(s.base, 'GET', '/api/me/channel', undefined, alice.token)).body.title, '', 'a refused PATCH changes nothing');

      r = await api(s.base, 'PATCH', '/api/me/channel', { title: 'Late night Jazz', tags: [' Music ', 'Chill  Vibes', 'music'] }, alice.token);
      assert.equal(r.status, 200);
      assert.deepEqual([r.body.title, r.body.tags, r.body.visibility], ['Late night Jazz', ['music', 'chill vibes'], 'public']);
      assert.ok(r.body.streamKey, 'answers MyChannel');
      const mine = await api(s.base, 'GET', '/api/me/channel', undefined, alice.token);
      assert.deepEqual([mine.body.tags, mine.body.visibility], [['music', 'chill vibes'], 'public']);
      await api(s.base, 'PATCH', '/api/me/channel', { title: 'Speedrun practice', tags: ['games'] }, bob.token);
      r = await api(s.base, 'PATCH', '/api/me/channel', { title: 'Family only', tags: ['music'], visibility: 'invite' }, carol.token);
      assert.equal(r.body.visibility, 'invite');

      // What others see of an invite-only channel.
      const pub = await api(s.base, 'GET', '/api/channels/carol', undefined, dave.token);
      assert.deepEqual(
        { title: pub.body.title, tags: pub.body.tags, canWatch: pub.body.canWatch, visibility: pub.body.visibility, live: pub.body.live },
        { title: '', tags: [], canWatch: false, visibility: 'invite', live: false },
      );
      const own = await api(s.base, 'GET', '/api/channels/carol', undefined, carol.token);
      assert.deepEqual([own.body.title, own.body.tags, own.body.canWatch], ['Family only', ['music'], true]);
      r = await api(s.base, 'POST', '/api/channels/carol/follow', undefined, dave.token);
      assert.deepEqual([r.status, r.body.error.code], [403, 'forbidden'], 'an invite-only channel cannot be followed without an invite');
    });

    test('invites: create, list without tokens, landing, max uses, expiry, revoke, ban hook', async () => {
      assert.equal((await api(s.base, 'POST', '/api/me/invites', {})).status, 401);
      let r = await api(s.base, 'POST', '/api/me/invites', { maxUses: 0 }, carol.token);
      assert.deepEqual([r.status, r.body.error.code], [400, 'bad_request']);
      r = await api(s.base, 'POST', '/api/me/invites', { expiresInSeconds: 'soon' }, carol.token);
      assert.equal(r.status, 400);

      const once = await api(s.base, 'POST', '/api/me/invites', { maxUses: 1, expiresInSeconds: 3600 }, carol.token);
      assert.equal(once.status, 201);
      assert.match(once.body.token, /^[A-Za-z0-9_-]{43}$/, '256-bit base64url token');
      assert.equal(once.body.url, `${s.base}/i/${once.body.token}`);
      const list = await api(s.base, 'GET', '/api/me/invites', undefined, carol.token);
      assert.equal(list.body.length, 1);
      assert.deepEqual(Object.keys(list.body[0]).sort(), ['createdAt', 'expiresAt', 'id', 'linkAvailable', 'maxUses', 'revoked', 'state', 'uses']);
      assert.ok(!JSON.stringify(list.body).includes(once.body.token), 'the list never shows a token');
      assert.ok(!s.logs().includes(once.body.token), 'tokens are not logged');

      const landing = await api(s.base, 'GET', `/api/invites/${once.body.token}`);
      assert.deepEqual(landing.body, { channel: 'carol', title: 'Family only', live: false, valid: true, reason: null });
      assert.equal((await api(s.base, 'GET', '/api/me/invites', undefined, carol.token)).body[0].uses, 0, 'the landing page counts no use');

      // A guest redeems: cookie + media token.
      const red = await post(s.base, `/api/invites/${once.body.token}/redeem`, { displayName: '  Grandma  ' });
      assert.equal(red.status, 200, JSON.stringify(red.json));
      assert.equal(red.json.channel, 'carol');
      assert.equal(red.json.guest.displayName, 'Grandma');
      assert.match(red.json.guest.id, /^g_/);
      assert.ok(red.json.mediaToken);
      const setCookie = red.cookies.find((c) => c.startsWith('onair_guest='))!;
      assert.ok(setCookie, 'guest cookie set');
      assert.match(setCookie, /HttpOnly/i);
      guestCookie = setCookie.split(';')[0];
      const who = await s.access.resolveIdentity({ cookieHeader: `x=1; ${guestCookie}` });
      assert.deepEqual(who, {
        kind: 'guest',
        guestId: red.json.guest.id,
        displayName: 'Grandma',
        channelId: (await s.access.channel('carol'))!.id,
        inviteId: once.body.id,
      });
      assert.equal(await s.access.canWatch(who, 'carol'), true);
      assert.equal(await s.access.canWatch(who, 'alice'), true, 'public');
      await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'followers' }, bob.token);
      assert.equal(await s.access.canWatch(who, 'bob'), false, 'a guest grant is for one channel');
      await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, bob.token);
      const userWho = await s.access.resolveIdentity({ bearer: dave.token });
      assert.deepEqual(userWho, { kind: 'user', userId: userWho && userWho.kind === 'user' ? userWho.userId : -1, username: 'dave' });
      assert.equal(await s.access.canWatch(userWho, 'carol'), false);

      // Used up.
      r = await api(s.base, 'POST', `/api/invites/${once.body.token}/redeem`, {});
      assert.deepEqual([r.status, r.body.error.code], [410, 'invite_used_up']);
      assert.equal((await api(s.base, 'GET', `/api/invites/${once.body.token}`)).body.valid, false);
      assert.equal((await api(s.base, 'GET', '/api/me/invites', undefined, carol.token)).body[0].uses, 1);

      // Expired.
      const short = await api(s.base, 'POST', '/api/me/invites', { expiresInSeconds: 1 }, carol.token);
      await sleep(1100);
      r = await api(s.base, 'POST', `/api/invites/${short.body.token}/redeem`, {});
      assert.deepEqual([r.status, r.body.error.code], [410, 'invite_expired']);
      assert.match(r.body.error.message, /expired/);

      // A signed-in user who redeems gets access on their account (no guest cookie).
      const open = await api(s.base, 'POST', '/api/me/invites', {}, carol.token);
      const du = await post(s.base, `/api/invites/${open.body.token}/redeem`, {}, { token: dave.token });
      assert.equal(du.status, 200);
      assert.equal(du.json.guest, null);
      assert.equal(du.cookies.filter((c) => c.startsWith('onair_guest=')).length, 0);
      assert.equal(await s.access.canWatch(userWho, 'carol'), true);
      assert.equal((await api(s.base, 'GET', '/api/channels/carol', undefined, dave.token)).body.canWatch, true);

      // Ban hook: refused before a use is counted.
      const eveId = (await api(s.base, 'GET', '/api/me', undefined, bob.token)).body.user.id;
      s.access.setBanCheck((channelId, subject) => subject.userId === eveId);
      r = await api(s.base, 'POST', `/api/invites/${open.body.token}/redeem`, {}, bob.token);
      assert.deepEqual([r.status, r.body.error.code], [403, 'forbidden']);
      assert.equal(await s.access.canWatch(await s.access.resolveIdentity({ bearer: bob.token }), 'carol'), false);
      // A banned guest address cannot come back through another invite either.
      s.access.setBanCheck((channelId, subject) => subject.guestIp === '127.0.0.1' || subject.guestIp === '::ffff:127.0.0.1');
      r = await api(s.base, 'POST', `/api/invites/${open.body.token}/redeem`, { displayName: 'Again' });
      assert.deepEqual([r.status, r.body.error.code], [403, 'forbidden']);
      s.access.setBanCheck(() => false);
      const carolId = (await s.access.channel('carol'))!.id;
      assert.deepEqual(await s.access.watchDecision(userWho, 'carol'), {
        ok: true,
        channelId: carolId,
        ownerUserId: (await s.access.channel('carol'))!.ownerId,
      });
      const refused = await s.access.watchDecision(null, 'carol');
      assert.equal(refused.ok, false);
      assert.match(!refused.ok ? refused.reason : '', /invite-only/);
      const uses = (await api(s.base, 'GET', '/api/me/invites', undefined, carol.token)).body.find((i: any) => i.id === open.body.id).uses;
      assert.equal(uses, 1, 'the banned attempt counted no use');

      // Revoke: redeeming stops, the list says so, another owner cannot revoke it.
      const temp = await api(s.base, 'POST', '/api/me/invites', {}, carol.token);
      const tempGuest = await post(s.base, `/api/invites/${temp.body.token}/redeem`, {});
      assert.equal((await api(s.base, 'DELETE', `/api/me/invites/${temp.body.id}`, undefined, alice.token)).status, 404);
      assert.equal((await api(s.base, 'DELETE', `/api/me/invites/${temp.body.id}`, undefined, carol.token)).status, 204);
      r = await api(s.base, 'POST', `/api/invites/${temp.body.token}/redeem`, {});
      assert.deepEqual([r.status, r.body.error.code], [410, 'invite_revoked']);
      const revoked = (await api(s.base, 'GET', '/api/me/invites', undefined, carol.token)).body.find((i: any) => i.id === temp.body.id);
      assert.deepEqual([revoked.revoked, revoked.state], [true, 'revoked']);
      // The guest it let in is out again.
      const tempCookie = tempGuest.cookies.find((c) => c.startsWith('onair_guest='))!.split(';')[0];
      assert.equal(await s.access.resolveIdentity({ cookieHeader: tempCookie }), null);
      assert.equal((await get(s.base, `/api/channels/carol/replays`, { cookie: tempCookie })).status, 403);
      assert.equal((await get(s.base, `/api/channels/carol/replays`, { cookie: guestCookie })).status, 200);
    });

    test('live: directory (filter, search, order), tags, following live, and an invite-only stream down to every segment', async () => {
      for (const who of [alice, bob, carol]) pubs.push(publish(`${s.rtmpBase}/${who.channel.streamKey}`, { seconds: 6 }));
      await waitFor('three live streams with segments', () => ['alice', 'bob', 'carol'].every((c) => (s.streams.get(c)?.segments ?? 0) >= 2));
      carolStreamId = s.streams.get('carol')!.streamId;

      // --- privacy of carol's live stream ---------------------------------------------------------------
      const { videoUri, audioUri, segUri, initUri } = await liveFiles(s.base, 'carol', { token: carol.token });
      assert.match(segUri, new RegExp(`^/vod/${carolStreamId}/v-seg-\\d+\\.m4s$`));
      const noCreds = [
        '/hls/carol/index.m3u8',
        '/dash/carol/index.mpd',
        '/hls/carol/thumb.jpg',
        videoUri,
        audioUri,
        segUri,
        initUri,
        `/vod/${carolStreamId}/index.m3u8`,
        `/vod/${carolStreamId}/index.mpd`,
      ];
      for (const url of noCreds) {
        const r = await get(s.base, url);
        assert.equal(r.status, 403, `${url} without credentials`);
        assert.equal(r.json?.error?.code, 'forbidden', url);
      }
      for (const url of noCreds)
        assert.equal((await get(s.base, url, { token: dave.token.slice(0, -2) + 'xx' })).status, 403, `${url} with a wrong bearer`);
      assert.equal((await get(s.base, '/hls/carol/index.m3u8', { token: bob.token })).status, 403, 'a signed-in user without an invite');

      // The owner's bearer, a user who redeemed an invite, and the guest cookie.
      for (const creds of [{ token: carol.token }, { token: dave.token }, { cookie: guestCookie }]) {
        for (const url of ['/hls/carol/index.m3u8', '/dash/carol/index.mpd', videoUri, audioUri, segUri, initUri]) {
          const r = await get(s.base, url, creds);
          assert.equal(r.status, 200, `${url} with ${Object.keys(creds)[0]}`);
        }
        const seg = await get(s.base, segUri, creds);
        assert.match(seg.headers.get('cache-control') ?? '', /^private/, 'private media is not cached by shared caches');
      }
      await waitFor('carol thumbnail', async () => (await get(s.base, '/hls/carol/thumb.jpg', { token: carol.token })).status === 200, 10_000);
      assert.match((await get(s.base, '/hls/carol/thumb.jpg', { cookie: guestCookie })).headers.get('cache-control') ?? '', /^private/);

      // A media token: from the API (allowed viewers only), in the URL, carried into every URI.
      assert.equal((await api(s.base, 'GET', '/api/channels/carol/media-token', undefined, bob.token)).status, 403);
      assert.equal((await api(s.base, 'GET', '/api/channels/carol/media-token')).status, 403);
      const mt = await api(s.base, 'GET', '/api/channels/carol/media-token', undefined, carol.token);
      assert.equal(mt.status, 200);
      const t = encodeURIComponent(mt.body.token);
      const pl = await get(s.base, `/hls/carol/index.m3u8?t=${t}`);
      assert.equal(pl.status, 200);
      const playlists = allUris(pl.text);
      assert.equal(playlists.length, 2, pl.text);
      // The track playlist, fetched with the token, hands it on to its init and segments.
      const trackPl = playlists.find((u) => u.includes('/video.m3u8'))!;
      const tracked = await get(s.base, trackPl);
      const inner = allUris(tracked.text).map((u) => {
        const abs = new URL(u, s.base + trackPl);
        return abs.pathname + abs.search;
      });
      const uris = [...playlists, ...inner];
      assert.ok(inner.length >= 3, tracked.text);
      for (const u of uris) {
        assert.ok(u.endsWith(`?t=${t}`), `URI carries the token: ${u}`);
        assert.equal((await get(s.base, u)).status, 200, `fetching ${u}`);
        assert.equal((await get(s.base, stripQuery(u))).status, 403, `a copied URL without the token: ${stripQuery(u)}`);
      }
      const mpd = await get(s.base, `/dash/carol/index.mpd?t=${t}`);
      assert.equal(mpd.status, 200);
      const media = /media="([^"]+)"/.exec(mpd.text)![1];
      const init = /initialization="([^"]+)"/.exec(mpd.text)![1];
      assert.ok(media.endsWith(`?t=${t}`) && init.endsWith(`?t=${t}`), `DASH templates carry the token: ${mpd.text}`);
      assert.match(mpd.text, new RegExp(`<BaseURL>/vod/${carolStreamId}/\\?t=`));
      const initUrl = `/vod/${carolStreamId}/${init.replace(/&amp;/g, '&')}`;
      assert.equal((await get(s.base, initUrl)).status, 200);
      assert.equal((await get(s.base, `/hls/carol/thumb.jpg?t=${t}`)).status, 200);
      // A token for another channel, or a tampered one, opens nothing.
      const aliceToken = await api(s.base, 'GET', '/api/channels/alice/media-token', undefined, dave.token);
      assert.equal((await get(s.base, `/hls/carol/index.m3u8?t=${encodeURIComponent(aliceToken.body.token)}`)).status, 403);
      assert.equal((await get(s.base, `/hls/carol/index.m3u8?t=${t.slice(0, -3)}abc`)).status, 403);

      // --- directory --------------------------------------------------------------------------------------
      // Viewers: three distinct clients on alice, one on bob.
      for (const ua of ['a', 'b', 'c']) assert.equal((await get(s.base, '/hls/alice/index.m3u8', { ua })).status, 200);
      assert.equal((await get(s.base, '/hls/bob/index.m3u8', { ua: 'a' })).status, 200);
      // Counts are read as the directory is answered; a loaded machine can take a moment to list both streams.
      let dir = await api(s.base, 'GET', '/api/channels/live');
      await waitFor(
        'the directory counts the players',
        async () => {
          dir = await api(s.base, 'GET', '/api/channels/live');
          return dir.body?.[0]?.viewers === 3;
        },
        5_000,
        100,
      ).catch(() => {});
      assert.equal(dir.status, 200, 'the static route wins over /api/channels/:name');
      assert.deepEqual(
        dir.body.map((c: any) => [c.name, c.viewers, c.tags]),
        [
          ['alice', 3, ['music', 'chill vibes']],
          ['bob', 1, ['games']],
        ],
        'public only, most viewers first',
      );
      assert.deepEqual(Object.keys(dir.body[0]).sort(), ['name', 'tags', 'thumbnailUrl', 'title', 'viewers']);
      assert.equal(dir.body[0].thumbnailUrl, `${s.base}/hls/alice/thumb.jpg`);
      const names = async (qs: string) => (await api(s.base, 'GET', `/api/channels/live${qs}`)).body.map((c: any) => c.name);
      assert.deepEqual(await names('?tag=music'), ['alice'], 'carol has the tag but is private');
      assert.deepEqual(await names('?tag=Games'), ['bob']);
      assert.deepEqual(await names('?tag=none'), []);
      assert.deepEqual(await names('?q=SPEEDRUN'), ['bob'], 'title search');
      assert.deepEqual(await names('?q=lic'), ['alice'], 'name search');
      assert.deepEqual(await names('?q=family'), [], 'private titles are not searchable');
      assert.deepEqual(await names('?q=night&tag=chill%20vibes'), ['alice']);
      assert.deepEqual(await names('?tag=Chill+Vibes'), ['alice'], 'a several-word tag is one filter');
      assert.deepEqual(await names('?tag=chill'), [], 'not split into words');
      assert.deepEqual((await api(s.base, 'GET', '/api/tags')).body, [
        { tag: 'chill vibes', channels: 1 },
        { tag: 'games', channels: 1 },
        { tag: 'music', channels: 1 },
      ]);

      // Following, live now (dave follows alice; carol is invite-only and dave has an invite; bob is not followed).
      await api(s.base, 'POST', '/api/channels/carol/follow', undefined, dave.token);
      const fl = await api(s.base, 'GET', '/api/me/following/live', undefined, dave.token);
      assert.deepEqual(
        fl.body.map((c: any) => c.name),
        ['alice', 'carol'],
      );
      const following = await api(s.base, 'GET', '/api/me/following', undefined, dave.token);
      assert.deepEqual(following.body.following.map((f: any) => [f.name, f.live]).sort(), [
        ['alice', true],
        ['carol', true],
      ]);
      assert.deepEqual(
        (await api(s.base, 'GET', '/api/me/following/live', undefined, bob.token)).body.map((c: any) => c.name),
        ['alice'],
      );
      const followers = await api(s.base, 'GET', '/api/channels/alice/followers');
      assert.deepEqual(followers.body.followers.find((f: any) => f.username === 'bob').live, true);
      assert.equal((await api(s.base, 'GET', '/api/channels/carol/followers')).status, 403);

      // Visibility changes apply at once (the cached visibility is dropped on PATCH).
      const aliceSeg = (await liveFiles(s.base, 'alice', {})).segUri;
      assert.match((await get(s.base, aliceSeg)).headers.get('cache-control') ?? '', /^public/);
      await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'followers' }, alice.token);
      assert.equal((await get(s.base, aliceSeg)).status, 403, 'followers-only: anonymous refused');
      assert.equal((await get(s.base, aliceSeg, { token: carol.token })).status, 403, 'not a follower');
      assert.equal((await get(s.base, aliceSeg, { token: bob.token })).status, 200, 'a follower');
      assert.deepEqual(await names(''), ['bob'], 'no longer in the directory');
      await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, alice.token);
      assert.equal((await get(s.base, aliceSeg)).status, 200);
    });

    test('replays of a private channel: API and files need access; ?t= carries into the replay playlist', async () => {
      await s.replayRecorded(carolStreamId);
      for (const p of pubs) await p.exit;
      assert.equal((await api(s.base, 'GET', '/api/channels/carol/replays')).status, 403);
      assert.equal((await api(s.base, 'GET', `/api/replays/${carolStreamId}`)).status, 403);
      const list = await api(s.base, 'GET', '/api/channels/carol/replays', undefined, carol.token);
      assert.deepEqual(
        list.body.map((r: any) => r.id),
        [carolStreamId],
      );
      assert.equal((await get(s.base, `/api/replays/${carolStreamId}`, { cookie: guestCookie })).status, 200);
      assert.equal((await api(s.base, 'GET', '/api/channels/alice/replays')).status, 200, 'public replays stay open');

      const vod = `/vod/${carolStreamId}/index.m3u8`;
      assert.equal((await get(s.base, vod)).status, 403);
      const own = await get(s.base, vod, { token: carol.token });
      assert.equal(own.status, 200);
      assert.match(own.text, /#EXT-X-STREAM-INF/);
      const mt = (await api(s.base, 'GET', '/api/channels/carol/media-token', undefined, dave.token)).body.token;
      const t = encodeURIComponent(mt);
      const pl = await get(s.base, `${vod}?t=${t}`);
      assert.equal(pl.status, 200);
      assert.ok(
        allUris(pl.text).every((u) => u.endsWith(`?t=${t}`)),
        pl.text,
      );
      const track = await get(s.base, `/vod/${carolStreamId}/video.m3u8?t=${t}`);
      assert.match(track.text, /#EXT-X-ENDLIST/);
      const segs = uriLines(track.text);
      assert.ok(segs.length >= 3 && segs.every((u) => u.endsWith(`?t=${t}`)), track.text);
      const base = `${s.base}/vod/${carolStreamId}/`;
      const first = new URL(segs[0], base).toString();
      assert.equal((await get(s.base, first)).status, 200, 'a segment resolved against the playlist, with the token');
      assert.equal((await get(s.base, stripQuery(first))).status, 403, 'the same URL without the token');
      const thumb = `/vod/${carolStreamId}/thumb.jpg`;
      assert.equal((await get(s.base, thumb)).status, 403);
      assert.equal((await get(s.base, `${thumb}?t=${t}`)).status, 200);
      const mpd = await get(s.base, `/vod/${carolStreamId}/index.mpd?t=${t}`);
      assert.equal(mpd.status, 200);
      assert.match(mpd.text, /media="v-seg-\$Number\$\.m4s\?t=/);
      assert.match(mpd.text, /media="a-seg-\$Number\$\.m4s\?t=/);
    });

    test('guessing invite tokens is rate-limited per address', async () => {
      let last: { status: number; body: any };
      for (let i = 0; i < 20; i++) {
        last = await api(s.base, 'GET', `/api/invites/${'A'.repeat(40)}${String(i).padStart(3, '0')}`);
        assert.equal(last.status, 404);
      }
      last = await api(s.base, 'POST', `/api/invites/${'B'.repeat(43)}/redeem`, {});
      assert.equal(last.status, 429);
      assert.equal(last.body.error.code, 'rate_limited');
      assert.ok(last.body.error.retryAfterSeconds > 0 && last.body.error.retryAfterSeconds <= 600);
    });
  });
}
