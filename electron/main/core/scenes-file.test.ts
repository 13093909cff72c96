// The scenes file with a real folder: nothing on a first run, saved whole, saves in order, junk refused.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ScenesFile, ScenesFileError } from './scenes-file.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-scenes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('first run, save, saves in order, refusal of what is not versioned JSON', async () => {
  const f = new ScenesFile(path.join(dir, 'sub', 'studio-scenes.json'));
  assert.equal(await f.load(), null);
  await Promise.all([1, 2, 3].map((n) => f.save(JSON.stringify({ version: 1, n }))));
  assert.deepEqual(JSON.parse((await f.load())!), { version: 1, n: 3 });
  for (const junk of ['not json', '[1]', '{"n":1}', '{"version":"1"}'])
    await assert.rejects(f.save(junk), (e: ScenesFileError) => e.code === 'scenes_not_json');
  assert.deepEqual(JSON.parse((await f.load())!), { version: 1, n: 3 });
  assert.deepEqual(readdirSync(path.join(dir, 'sub')), ['studio-scenes.json'], 'no temporary file left');
});
