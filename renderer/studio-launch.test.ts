// The Studio window's launch options (renderer/studio/src/launch.ts): what the headless Studio puts in the query.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchOptions } from './studio/src/launch.js';

test('launch options: encode and screen from the query; anything else ignored', () => {
  assert.deepEqual(launchOptions(''), { mode: null, screenDirect: false });
  assert.deepEqual(launchOptions('?encode=engine&screen=direct'), { mode: 'engine', screenDirect: true });
  assert.deepEqual(launchOptions('?encode=pipeline'), { mode: 'pipeline', screenDirect: false });
  assert.deepEqual(launchOptions('?encode=gpu&screen=yes'), { mode: null, screenDirect: false });
});
