import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccountsService } from './accounts.js';
import { ChannelsRepo } from './channels.js';
import { DbError, ValidationError } from './errors.js';
import type { Channel, User } from './models.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';

for (const kind of DB_KINDS) {
  describe(`ChannelsRepo (${kind.name})`, () => {
    let db: TestDb;
    let t = 1_700_000_000_000;
    let channels: ChannelsRepo;
    let user: User;
    let channel: Channel;
    let other: { user: User; channel: Channel };
    before(async () => {
      db = await kind.open();
      const accounts = new AccountsService(db, { now: () => t });
      ({ user, channel } = await accounts.createUserWithChannel('Zoe_Streams', 'password123'));
      other = await accounts.createUserWithChannel('other-one', 'password123');
      channels = new ChannelsRepo(db, { now: () => t });
    });
    after(() => db?.cleanup());

    it('the channel exists with its user: name = lowercased username, fresh key', async () => {
      assert.deepEqual(channel, {
        id: channel.id,
        userId: user.id,
        name: 'zoe_streams',
        streamKey: channel.streamKey,
        title: '',
        createdAt: t,
        keyUpdatedAt: t,
        visibility: 'public',
      });
      assert.deepEqual(await channels.byUserId(user.id), channel);
      assert.deepEqual(await channels.byId(channel.id), channel);
      assert.notEqual(channel.streamKey, other.channel.streamKey);
    });

    it('byName is case-insensitive', async () => {
      assert.deepEqual(await channels.byName('zoe_streams'), channel);
      assert.deepEqual(await channels.byName('ZOE_STREAMS'), channel);
      assert.equal(await channels.byName('zoe'), null);
    });

    it('byStreamKey finds the channel; wrong, partial or odd keys find nothing', async () => {
      assert.deepEqual(await channels.byStreamKey(channel.streamKey), channel);
      assert.equal(await channels.byStreamKey(channel.streamKey.slice(0, -1)), null);
      assert.equal(await channels.byStreamKey(channel.streamKey.toUpperCase()), null);
      assert.equal(await channels.byStreamKey(channel.streamKey + 'x'), null);
      assert.equal(await channels.byStreamKey(''), null);
      assert.equal(await channels.byStreamKey('%'), null);
      assert.equal(await channels.byStreamKey('x'.repeat(5000)), null);
      assert.equal(await channels.byStreamKey(null as unknown as string), null);
    });

    it('regenerateKey invalidates the old key', async () => {
      const old = (await channels.byUserId(user.id))!.streamKey;
      t += 5_000;
      const fresh = await channels.regenerateKey(user.id);
      assert.notEqual(fresh, old);
      assert.match(fresh, /^live_[A-Za-z0-9_-]{24}$/);
      assert.equal(await channels.byStreamKey(old), null);
      const found = await channels.byStreamKey(fresh);
      assert.equal(found?.id, channel.id);
      assert.equal(found?.keyUpdatedAt, t);
      // The other channel is untouched.
      assert.deepEqual(await channels.byStreamKey(other.channel.streamKey), other.channel);
      await assert.rejects(channels.regenerateKey(999_999), (e: unknown) => e instanceof DbError && e.code === 'not_found');
    });

    it('setTitle trims and validates', async () => {
      const updated = await channels.setTitle(user.id, '  Speedrun night  ');
      assert.equal(updated.title, 'Speedrun night');
      assert.equal((await channels.byName('zoe_streams'))?.title, 'Speedrun night');
      await channels.setTitle(user.id, 'Ünïcödé 🎮 ok');
      assert.equal((await channels.byUserId(user.id))?.title, 'Ünïcödé 🎮 ok');
      for (const bad of ['x'.repeat(141), 'line\nbreak', 'bell\u0007']) {
        await assert.rejects(channels.setTitle(user.id, bad), (e: unknown) => e instanceof ValidationError && e.code === 'invalid_title');
      }
      assert.equal((await channels.byUserId(user.id))?.title, 'Ünïcödé 🎮 ok');
      await assert.rejects(channels.setTitle(999_999, 'x'), (e: unknown) => e instanceof DbError && e.code === 'not_found');
    });

    it('list returns all channels', async () => {
      const all = await channels.list();
      assert.deepEqual(
        all.map((c) => c.name),
        ['zoe_streams', 'other-one'],
      );
    });
  });
}
