// The access-change log's cheap look for other processes' writes (AccessChangesRepo.changedElsewhere): on SQLite,
// two handles on one file stand for two server processes; PostgreSQL always answers "maybe", so its rows are read.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AccessChangesRepo } from './access-changes.js';
import { openDatabase, type Db } from './database.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';

for (const kind of DB_KINDS) {
  describe(`access changes written elsewhere (${kind.name})`, () => {
    let db: TestDb;
    let other: Db;
    before(async () => {
      db = await kind.open();
      other = await openDatabase(db.config);
    });
    after(async () => {
      await other?.close();
      await db?.cleanup();
    });

    test(kind.name === 'sqlite' ? 'only a commit by another process is news' : 'always maybe: the rows are read', async () => {
      const here = new AccessChangesRepo(db);
      const there = new AccessChangesRepo(other);
      assert.equal(here.changedElsewhere(), true, 'the first look');
      const quiet = kind.name === 'sqlite' ? false : true;
      assert.equal(here.changedElsewhere(), quiet, 'nothing written since');
      await here.append('{"kind":"banned"}', Date.now());
      assert.equal(here.changedElsewhere(), quiet, "this process's own write is not news (it was dispatched as made)");
      await there.append('{"kind":"banned"}', Date.now());
      assert.equal(here.changedElsewhere(), true, "another process's write");
      assert.equal((await here.since(0, 10)).length, 2);
      assert.equal(here.changedElsewhere(), quiet, 'and once only');
    });
  });
}
