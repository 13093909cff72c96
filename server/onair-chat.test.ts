// End to end: chat wired into the real server: sign-in by bearer token and by invite, stream start/end
// messages, a follower's "went live" notice, and a ban that survives a new invite.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectChat, nextEvent, request } from './test-support/chat-client.js';
import { RawRtmpClient } from './test-support/rtmp.js';
import { api, newStreamer, publish, startTestServer, type TestServer } from './test-support/server.js';

describe('chat in the composed server', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ ONAIR_GRACE_SECONDS: '0' });
  });
  after(async () => s.stop());

  test('two users chat, the follower is told the channel went live, and start/end reach the room', async () => {
    const star = await newStreamer(s.base, 'stella');
    const fan = await newStreamer(s.base, 'fanny');
    assert.equal((await api(s.base, 'POST', '/api/channels/stella/follow', undefined, fan.token)).status < 300, true);
    const a = await connectChat(s.base, { token: star.token });
    const b = await connectChat(s.base, { token: fan.token });
    try {
      const ja = await request(a, 'join', { channel: 'stella' });
      assert.equal(ja.ok, true, JSON.stringify(ja));
      assert.equal(ja.you.role, 'owner');
      const jb = await request(b, 'join', { channel: 'stella' });
      assert.equal(jb.ok, true, JSON.stringify(jb));
      const got = nextEvent(a, 'message', (m: any) => m.text === 'hello from fanny');
      const sent = await request(b, 'send', { channel: 'stella', text: 'hello from fanny' });
      assert.equal(sent.ok, true, JSON.stringify(sent));
      assert.equal((await got).author.name, 'fanny');
      const tooLong = await request(b, 'send', { channel: 'stella', text: 'x'.repeat(501) });
      assert.equal(tooLong.ok, false);
      assert.equal(tooLong.error.code, 'too_long');

      const notice = nextEvent(b, 'notice', (n: any) => n.channel === 'stella');
      const started = nextEvent(b, 'system', (e: any) => e.kind === 'live');
      const pub = publish(`${s.rtmpBase}/${star.channel.streamKey}`, { seconds: 3 });
      assert.equal((await notice).kind, 'followed-live');
      await started;
      const ended = nextEvent(b, 'system', (e: any) => e.kind === 'ended', 20_000);
      assert.equal(await pub.exit, 0, pub.stderr());
      await ended;
    } finally {
      a.close();
      b.close();
    }
  });

  test('a publisher that leaves before any media: the room hears "ended" after "live"', async () => {
    const star = await newStreamer(s.base, 'brief');
    const a = await connectChat(s.base, { token: star.token });
    const rtmp = await RawRtmpClient.open(s.rtmpPort);
    try {
      assert.equal((await request(a, 'join', { channel: 'brief' })).ok, true);
      const kinds: string[] = [];
      a.on('system', (e: any) => kinds.push(e.kind));
      const live = nextEvent(a, 'system', (e: any) => e.kind === 'live');
      const ended = nextEvent(a, 'system', (e: any) => e.kind === 'ended', 20_000);
      assert.equal(await rtmp.handshake(), true);
      rtmp.connect('live');
      rtmp.request('publish', star.channel.streamKey);
      assert.ok(await rtmp.status(/^NetStream\.Publish\.Start$/), 'publishing');
      await live;
      rtmp.close();
      await ended;
      assert.deepEqual(kinds, ['live', 'ended']);
    } finally {
      rtmp.close();
      a.close();
    }
  });

  test('a guest from an invite chats on an invite-only channel; once banned, a new invite does not let them back', async () => {
    const owner = await newStreamer(s.base, 'ivy');
    assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, owner.token)).status, 200);
    const inv = await api(s.base, 'POST', '/api/me/invites', {}, owner.token);
    assert.equal(inv.status, 201);
    const redeem = await api(s.base, 'POST', `/api/invites/${inv.body.token}/redeem`, { displayName: 'Guesty' });
    assert.equal(redeem.status, 200, JSON.stringify(redeem.body));
    const cookie = /onair_guest=([^;]+)/.exec(redeem.headers.get('set-cookie') ?? '')?.[1];
    assert.ok(cookie, 'guest cookie set');
    const guest = await connectChat(s.base, { guestToken: decodeURIComponent(cookie!) });
    const mod = await connectChat(s.base, { token: owner.token });
    try {
      assert.equal((await request(guest, 'join', { channel: 'ivy' })).ok, true);
      assert.equal((await request(mod, 'join', { channel: 'ivy' })).ok, true);
      const seen = nextEvent(mod, 'message', (m: any) => m.text === 'hi from a guest');
      assert.equal((await request(guest, 'send', { channel: 'ivy', text: 'hi from a guest' })).ok, true);
      const msg = await seen;
      assert.equal(msg.author.name, 'Guesty');
      const ban = await request(mod, 'ban', { channel: 'ivy', target: { messageId: msg.id } });
      assert.equal(ban.ok, true, JSON.stringify(ban));
      const inv2 = await api(s.base, 'POST', '/api/me/invites', {}, owner.token);
      const again = await api(s.base, 'POST', `/api/invites/${inv2.body.token}/redeem`, { displayName: 'Guesty2' });
      assert.equal(again.status, 403, 'banned guest cannot redeem another invite');
      const anon = await connectChat(s.base, {});
      try {
        const refused = await request(anon, 'join', { channel: 'ivy' });
        assert.equal(refused.ok, false, 'an invite-only chat is closed to anonymous visitors');
      } finally {
        anon.close();
      }
    } finally {
      guest.close();
      mod.close();
    }
  });
});
