import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccountsService } from './accounts.js';
import { ChannelsRepo } from './channels.js';
import { DbError, ValidationError } from './errors.js';
import type { Channel, User } from './models.js';
import { InvitesRepo } from './invites.js';
import { FollowsRepo, SettingsRepo } from './social.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';
import { hashToken } from './tokens.js';
import { inviteTokenSeal } from '../access/invite-seal.js';
import { normalizeTags } from './validation.js';

describe('normalizeTags', () => {
  it('trims, lowercases, keeps a several-word tag whole (one space inside), drops duplicates', () => {
    assert.deepEqual(normalizeTags(['  Music ', 'music', 'Chill  Vibes', '#a-1', 'chill vibes']), ['music', 'chill vibes', 'a-1']);
    assert.deepEqual(normalizeTags([]), []);
  });
  it('refuses bad tags with plain words', () => {
    const cases: [unknown, RegExp][] = [
      ['music', /list/],
      [['x'], /2 to 25 characters/],
      [['y'.repeat(26)], /2 to 25 characters/],
      [['c++'], /letters a–z, digits, spaces and "-"/],
      [['-dash'], /start and end with a letter or a digit/],
      [['émoji'], /letters a–z/],
      [[42], /text/],
      [['a1', 'b2', 'c3', 'd4', 'e5', 'f6'], /at most 5 tags; you gave 6/],
    ];
    for (const [input, message] of cases) {
      assert.throws(
        () => normalizeTags(input),
        (e: unknown) => e instanceof ValidationError && e.code === 'invalid_tags' && message.test(e.message),
        JSON.stringify(input),
      );
    }
    // Six given, five after duplicates are removed: accepted.
    assert.equal(normalizeTags(['a1', 'b2', 'c3', 'd4', 'e5', 'A1']).length, 5);
  });
});

for (const kind of DB_KINDS) {
  describe(`social repos (${kind.name})`, () => {
    let db: TestDb;
    let t = 1_700_000_000_000;
    let channels: ChannelsRepo;
    let follows: FollowsRepo;
    let invites: InvitesRepo;
    let alice: { user: User; channel: Channel };
    let bob: { user: User; channel: Channel };
    let carol: { user: User; channel: Channel };
    before(async () => {
      db = await kind.open();
      const accounts = new AccountsService(db, { now: () => t });
      alice = await accounts.createUserWithChannel('Alice', 'password123');
      bob = await accounts.createUserWithChannel('bob', 'password123');
      carol = await accounts.createUserWithChannel('carol', 'password123');
      channels = new ChannelsRepo(db, { now: () => t });
      follows = new FollowsRepo(db, { now: () => t });
      invites = new InvitesRepo(db, { now: () => t });
    });
    after(() => db?.cleanup());

    it('follow is idempotent, counted and listed; unfollow too; not oneself', async () => {
      assert.equal(await follows.follow(bob.user.id, alice.channel.id), true);
      assert.equal(await follows.follow(bob.user.id, alice.channel.id), false);
      t += 1000;
      assert.equal(await follows.follow(carol.user.id, alice.channel.id), true);
      assert.equal(await follows.countFollowers(alice.channel.id), 2);
      assert.equal(await follows.countFollowing(bob.user.id), 1);
      assert.equal(await follows.isFollowing(bob.user.id, alice.channel.id), true);
      assert.equal(await follows.isFollowing(alice.user.id, bob.channel.id), false);
      assert.deepEqual(
        await follows.followersOf(alice.channel.id),
        [bob.user.id, carol.user.id].sort((a, b) => a - b),
      );
      const list = await follows.listFollowers(alice.channel.id);
      assert.deepEqual(
        list.map((f) => [f.username, f.channelName]),
        [
          ['carol', 'carol'],
          ['bob', 'bob'],
        ],
      );
      const following = await follows.listFollowing(bob.user.id);
      assert.deepEqual(
        following.map((f) => [f.name, f.visibility, f.ownerId]),
        [['alice', 'public', alice.user.id]],
      );
      await assert.rejects(follows.follow(alice.user.id, alice.channel.id), (e: unknown) => e instanceof DbError && e.code === 'cannot_follow_self');
      await assert.rejects(follows.follow(alice.user.id, 999_999), (e: unknown) => e instanceof DbError && e.code === 'not_found');
      assert.equal(await follows.unfollow(carol.user.id, alice.channel.id), true);
      assert.equal(await follows.unfollow(carol.user.id, alice.channel.id), false);
      assert.equal(await follows.countFollowers(alice.channel.id), 1);
    });

    it('settings: tags normalised and ordered, visibility, title; a bad field changes nothing', async () => {
      const { channel, tags } = await channels.updateSettings(alice.user.id, {
        title: ' Night ',
        tags: ['Chill', 'music', 'chill'],
        visibility: 'followers',
      });
      assert.deepEqual(tags, ['chill', 'music']);
      assert.equal(channel.title, 'Night');
      assert.equal(channel.visibility, 'followers');
      assert.deepEqual(await channels.tagsOf(alice.channel.id), ['chill', 'music']);
      await assert.rejects(
        channels.updateSettings(alice.user.id, { title: 'Changed', tags: ['no way!'] }),
        (e: unknown) => e instanceof ValidationError && e.code === 'invalid_tags',
      );
      await assert.rejects(
        channels.updateSettings(alice.user.id, { visibility: 'secret' as never }),
        (e: unknown) => e instanceof ValidationError && e.code === 'invalid_visibility',
      );
      assert.equal((await channels.byId(alice.channel.id))?.title, 'Night');
      await channels.updateSettings(alice.user.id, { tags: ['music', 'art'] });
      await channels.updateSettings(bob.user.id, { tags: ['art'] });
      const map = await channels.tagsFor([alice.channel.id, bob.channel.id, carol.channel.id]);
      assert.deepEqual(map.get(alice.channel.id), ['music', 'art']);
      assert.deepEqual(map.get(bob.channel.id), ['art']);
      assert.equal(map.has(carol.channel.id), false);
      assert.deepEqual((await channels.byNames(['ALICE', 'bob', 'nobody'])).map((c) => c.name).sort(), ['alice', 'bob']);
      await channels.updateSettings(alice.user.id, { tags: [], visibility: 'public' });
      assert.deepEqual(await channels.tagsOf(alice.channel.id), []);
    });

    it('invites: hashed storage, expiry, max uses, revoke, grants', async () => {
      const { invite, token } = await invites.create(alice.channel.id, { expiresInSeconds: 60, maxUses: 2 });
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      const stored = await db.kysely.selectFrom('invites').selectAll().where('id', '=', invite.id).executeTakeFirstOrThrow();
      assert.equal(stored.token_hash, hashToken(token));
      assert.ok(!JSON.stringify(stored).includes(token), 'the raw token is not stored');
      assert.equal(invite.expiresAt, t + 60_000);
      assert.equal((await invites.byToken(token))?.id, invite.id);
      assert.equal(await invites.byToken(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')), null);

      const r1 = await invites.redeem(token, { userId: bob.user.id });
      assert.ok(r1?.ok);
      assert.equal(r1.invite.uses, 1);
      assert.equal(await invites.hasGrant(bob.user.id, alice.channel.id), true);
      assert.equal(await invites.hasGrant(carol.user.id, alice.channel.id), false);
      assert.ok((await invites.redeem(token))?.ok);
      const r3 = await invites.redeem(token);
      assert.deepEqual(r3 && !r3.ok ? r3.state : r3, 'used_up');
      assert.equal((await invites.list(alice.channel.id))[0].uses, 2);

      const timed = await invites.create(alice.channel.id, { expiresInSeconds: 10 });
      t += 10_000;
      const expired = await invites.redeem(timed.token);
      assert.deepEqual(expired && !expired.ok ? expired.state : expired, 'expired');
      assert.equal(await invites.redeem('not-a-token'), null);
      assert.equal(await invites.redeem('x'.repeat(500)), null);

      // Revoking stops redemption and removes the grants it gave.
      assert.equal(await invites.revoke(alice.channel.id, invite.id), true);
      assert.equal(await invites.hasGrant(bob.user.id, alice.channel.id), false);
      assert.equal(await invites.revoke(bob.channel.id, timed.invite.id), false, 'another channel cannot revoke it');
      const open = await invites.create(alice.channel.id);
      assert.equal(open.invite.expiresAt, null);
      assert.equal(open.invite.maxUses, null);
      await invites.revoke(alice.channel.id, open.invite.id);
      const revoked = await invites.redeem(open.token);
      assert.deepEqual(revoked && !revoked.ok ? revoked.state : revoked, 'revoked');
      assert.deepEqual((await invites.revokedSince(t - 1)).sort(), [invite.id, open.invite.id].sort());

      for (const bad of [{ expiresInSeconds: 0 }, { expiresInSeconds: 1.5 }, { maxUses: 0 }, { maxUses: -3 }]) {
        await assert.rejects(invites.create(alice.channel.id, bad), (e: unknown) => e instanceof DbError && e.code === 'invalid_invite');
      }
    });

    it('invites: the token is kept sealed for its owner, bound to its row, and forgotten on revoke', async () => {
      const seal = inviteTokenSeal('server-secret-for-the-social-repo-test');
      const sealed = new InvitesRepo(db, { now: () => t, seal });
      const { invite, token } = await sealed.create(alice.channel.id);
      assert.equal(invite.linkKept, true);
      const row = await db.kysely.selectFrom('invites').selectAll().where('id', '=', invite.id).executeTakeFirstOrThrow();
      assert.equal(row.token_hash, hashToken(token));
      assert.ok(row.token_sealed && !JSON.stringify(row).includes(token), 'the raw token is not stored');
      assert.equal((await sealed.linkToken(alice.channel.id, invite.id))?.token, token);
      assert.equal(await sealed.linkToken(bob.channel.id, invite.id), null, "another channel's owner gets nothing");
      assert.equal((await sealed.byToken(token))?.id, invite.id, 'lookups still go by the hash');

      // Another secret, or a sealed token moved to another row, gives no link; the invite itself still works.
      const rotated = new InvitesRepo(db, { now: () => t, seal: inviteTokenSeal('another-server-secret-for-this-test') });
      assert.equal((await rotated.linkToken(alice.channel.id, invite.id))?.token, null);
      const other = await sealed.create(alice.channel.id);
      await db.kysely.updateTable('invites').set({ token_sealed: row.token_sealed }).where('id', '=', other.invite.id).execute();
      assert.equal((await sealed.linkToken(alice.channel.id, other.invite.id))?.token, null);
      assert.ok((await rotated.redeem(token))?.ok);

      // Without a seal (invites made before links were kept) there is nothing to give back.
      const plain = await invites.create(alice.channel.id);
      assert.equal(plain.invite.linkKept, false);
      assert.equal((await sealed.linkToken(alice.channel.id, plain.invite.id))?.token, null);

      assert.equal(await sealed.revoke(alice.channel.id, invite.id), true);
      const after = await sealed.linkToken(alice.channel.id, invite.id);
      assert.equal(after?.token, null);
      assert.equal(after?.invite.linkKept, false);
      for (const id of [other.invite.id, plain.invite.id]) await sealed.revoke(alice.channel.id, id);
    });

    it('settings repo: getOrCreate keeps the first value', async () => {
      const settings = new SettingsRepo(db);
      assert.equal(await settings.get('k'), null);
      assert.equal(await settings.getOrCreate('k', () => 'first'), 'first');
      assert.equal(await settings.getOrCreate('k', () => 'second'), 'first');
    });
  });
}
