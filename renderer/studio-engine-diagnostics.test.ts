// renderer/studio/engine/diagnostics.ts: the engine's figures read from outside its modules through one global.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STATS_GLOBAL, engineStats, exposeStats } from './studio/engine/diagnostics.js';

const viaGlobal = () => (globalThis as unknown as Record<string, () => Record<string, unknown>>)[STATS_GLOBAL]!();

test('registered figures are read when asked, through the global, and removed by their own remover only', () => {
  let frames = 0;
  const removeCompose = exposeStats('compose', () => ({ frames }));
  const removeEncode = exposeStats('encode', () => ({ encoded: 7 }));
  frames = 3;
  assert.deepEqual(viaGlobal(), { compose: { frames: 3 }, encode: { encoded: 7 } }, 'read at the moment of asking');
  assert.deepEqual(engineStats(), viaGlobal());

  // A newer session under the same name replaces the older; the older's remover then leaves the newer in place.
  const removeNewer = exposeStats('encode', () => ({ encoded: 1 }));
  removeEncode();
  assert.deepEqual(viaGlobal().encode, { encoded: 1 });
  removeNewer();
  removeCompose();
  removeCompose();
  assert.deepEqual(viaGlobal(), {});
});
