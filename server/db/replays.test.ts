import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccountsService } from './accounts.js';
import { DbError, ValidationError } from './errors.js';
import { ReplaysRepo, type NewReplay } from './replays.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = 1_700_000_000_000;
const GB = 1024 ** 3;

for (const kind of DB_KINDS) {
  describe(`ReplaysRepo (${kind.name})`, () => {
    let db: TestDb;
    const t = T0 + 30 * DAY;
    let replays: ReplaysRepo;
    let chA: number;
    let chB: number;
    const mk = (over: Partial<NewReplay> & Pick<NewReplay, 'id' | 'channelId' | 'startedAt'>): NewReplay => ({
      title: 'a stream',
      endedAt: over.startedAt + HOUR,
      durationSeconds: 3600.5,
      bytes: 1000,
      hasDiscontinuity: false,
      ...over,
    });

    before(async () => {
      db = await kind.open();
      const accounts = new AccountsService(db);
      chA = (await accounts.createUserWithChannel('replay-a', 'password123')).channel.id;
      chB = (await accounts.createUserWithChannel('replay-b', 'password123')).channel.id;
      replays = new ReplaysRepo(db, { now: () => t });
    });
    beforeEach(async () => {
      await db.kysely.deleteFrom('replays').execute();
    });
    after(() => db?.cleanup());

    it('inserts and reads back every field (bytes beyond 2^32, fractional duration, booleans)', async () => {
      const r = mk({
        id: 'str_01HXYZ',
        channelId: chA,
        startedAt: T0,
        title: 'Night ride 🌙',
        bytes: 5 * GB + 7,
        durationSeconds: 1234.567,
        hasDiscontinuity: true,
      });
      const inserted = await replays.insert(r);
      const expected = { ...r, deletedAt: null, nodeUrl: null };
      assert.deepEqual(inserted, expected);
      assert.deepEqual(await replays.byId('str_01HXYZ'), expected);
      assert.equal(await replays.byId('nope'), null);
    });

    it('refuses a duplicate id with replay_exists, and invalid input with invalid_replay', async () => {
      await replays.insert(mk({ id: 'dup', channelId: chA, startedAt: T0 }));
      await assert.rejects(
        replays.insert(mk({ id: 'dup', channelId: chB, startedAt: T0 })),
        (e: unknown) => e instanceof DbError && e.code === 'replay_exists',
      );
      const bad: Array<Partial<NewReplay>> = [
        { id: '' },
        { bytes: -1 },
        { bytes: 1.5 },
        { durationSeconds: Number.NaN },
        { endedAt: T0 - 1 },
        { startedAt: 1.5, endedAt: 2 },
        { hasDiscontinuity: 1 as unknown as boolean },
      ];
      for (const over of bad) {
        await assert.rejects(
          replays.insert({ ...mk({ id: 'bad', channelId: chA, startedAt: T0 }), ...over }),
          (e: unknown) => e instanceof ValidationError && e.code === 'invalid_replay',
          JSON.stringify(over),
        );
      }
    });

    it('lists a channel newest first, with a limit, without deleted ones or other channels', async () => {
      // Inserted out of order on purpose.
      for (const [id, day] of [
        ['r2', 2],
        ['r1', 1],
        ['r4', 4],
        ['r3', 3],
      ] as const) {
        await replays.insert(mk({ id, channelId: chA, startedAt: T0 + day * DAY }));
      }
      await replays.insert(mk({ id: 'b1', channelId: chB, startedAt: T0 + 10 * DAY }));
      assert.deepEqual(
        (await replays.listByChannel(chA, 10)).map((r) => r.id),
        ['r4', 'r3', 'r2', 'r1'],
      );
      assert.deepEqual(
        (await replays.listByChannel(chA, 2)).map((r) => r.id),
        ['r4', 'r3'],
      );
      assert.deepEqual(
        (await replays.listByChannel(chB, 10)).map((r) => r.id),
        ['b1'],
      );

      assert.equal(await replays.markDeleted('r3'), true);
      assert.equal(await replays.markDeleted('r3'), false, 'already deleted');
      assert.equal(await replays.markDeleted('missing'), false);
      assert.deepEqual(
        (await replays.listByChannel(chA, 10)).map((r) => r.id),
        ['r4', 'r2', 'r1'],
      );
      assert.equal(await replays.byId('r3'), null);
      assert.equal((await replays.byId('r3', { includeDeleted: true }))?.deletedAt, t);
    });

    it('retention by age: replays that ended before now - olderThanMs, oldest first', async () => {
      await replays.insert(mk({ id: 'old2', channelId: chA, startedAt: t - 10 * DAY }));
      await replays.insert(mk({ id: 'old1', channelId: chB, startedAt: t - 20 * DAY }));
      await replays.insert(mk({ id: 'fresh', channelId: chA, startedAt: t - 2 * DAY }));
      await replays.insert(mk({ id: 'edge', channelId: chA, startedAt: t - 7 * DAY - HOUR })); // ends exactly at the cutoff: kept
      assert.deepEqual(await replays.expired({ olderThanMs: 7 * DAY }), ['old1', 'old2']);
      assert.deepEqual(await replays.expired({ olderThanMs: 30 * DAY }), []);
      assert.deepEqual(await replays.expired({}), [], 'no policy, nothing expires');
      await replays.markDeleted('old1');
      assert.deepEqual(await replays.expired({ olderThanMs: 7 * DAY }), ['old2'], 'deleted ones are not listed again');
    });

    it('retention by total bytes: keeps the newest that fit, expires the rest oldest first', async () => {
      // Newest first: n4 (4 GB), n3 (3 GB), n2 (2 GB), n1 (1 GB). Budget 8 GB keeps n4+n3 (7 GB); n2 would make 9.
      await replays.insert(mk({ id: 'n1', channelId: chA, startedAt: t - 4 * DAY, bytes: 1 * GB }));
      await replays.insert(mk({ id: 'n2', channelId: chB, startedAt: t - 3 * DAY, bytes: 2 * GB }));
      await replays.insert(mk({ id: 'n3', channelId: chA, startedAt: t - 2 * DAY, bytes: 3 * GB }));
      await replays.insert(mk({ id: 'n4', channelId: chB, startedAt: t - 1 * DAY, bytes: 4 * GB }));
      assert.deepEqual(await replays.expired({ maxTotalBytes: 8 * GB }), ['n1', 'n2']);
      assert.deepEqual(await replays.expired({ maxTotalBytes: 10 * GB }), []);
      assert.deepEqual(await replays.expired({ maxTotalBytes: 7 * GB }), ['n1', 'n2']);
      assert.deepEqual(await replays.expired({ maxTotalBytes: 0 }), ['n1', 'n2', 'n3', 'n4']);
      assert.equal(await replays.totalBytes(), 10 * GB);
      // Both limits: age expires n1 and n2; the remaining n3+n4 fit 7 GB.
      assert.deepEqual(await replays.expired({ olderThanMs: 2.5 * DAY, maxTotalBytes: 7 * GB }), ['n1', 'n2']);
      // Both limits: age expires n1; budget 4 GB keeps only n4.
      assert.deepEqual(await replays.expired({ olderThanMs: 3.5 * DAY, maxTotalBytes: 4 * GB }), ['n1', 'n2', 'n3']);
      // Once a replay does not fit, older ones go too even if they would fit (n1 alone would fit in 8 GB).
      assert.deepEqual(await replays.expired({ maxTotalBytes: 8 * GB }), ['n1', 'n2']);
      // Deleted replays do not count toward the budget: n3+n2 = 5 GB fit, n1 does not.
      await replays.markDeleted('n4');
      assert.deepEqual(await replays.expired({ maxTotalBytes: 5 * GB }), ['n1']);
      assert.deepEqual(await replays.expired({ maxTotalBytes: 6 * GB }), []);
    });

    it('rename: trimmed, 1–140 characters that show something; deleted or unknown replays are not renamed; remove drops the row', async () => {
      await replays.insert(mk({ id: 'r1', channelId: chA, startedAt: T0, title: 'Before' }));
      assert.equal((await replays.rename('r1', '  After 🎉  '))?.title, 'After 🎉');
      assert.equal((await replays.byId('r1'))?.title, 'After 🎉');
      const family = '👨‍👩‍👧‍👦'.repeat(140);
      assert.equal((await replays.rename('r1', family))?.title, family, '140 characters as people see them');
      const refused: [string, RegExp][] = [
        ['', /needs a title/],
        ['   ', /needs a title/],
        ['\u200b\u2060', /needs a title/],
        ['x'.repeat(141), /at most 140/],
        ['two\nlines', /line breaks/],
        ['\u202eevil', /bidirectional/],
      ];
      for (const [title, message] of refused) {
        await assert.rejects(
          replays.rename('r1', title),
          (e: unknown) => e instanceof ValidationError && e.code === 'invalid_title' && message.test(e.message),
          JSON.stringify(title),
        );
      }
      assert.equal((await replays.byId('r1'))?.title, family, 'a refused title changes nothing');
      assert.equal(await replays.rename('nope', 'Title'), null);
      await replays.markDeleted('r1');
      assert.equal(await replays.rename('r1', 'Title'), null, 'a deleted replay is not renamed');
      assert.equal(await replays.remove('r1'), true);
      assert.equal(await replays.byId('r1', { includeDeleted: true }), null);
      assert.equal(await replays.remove('r1'), false);
    });
  });
}
