// The registry without a browser: one open per source however many layers show it; closed when the last goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyCommand, newItem } from './studio/engine/scene/commands.js';
import { emptyDoc, type ScenesDoc, type SourceSettings } from './studio/engine/scene/model.js';
import type { Drawable } from './studio/engine/sources/drawable.js';
import { SourceRegistry } from './studio/engine/sources/registry.js';

test('a source in two scenes and both canvases is opened once; reopened on new settings; closed when unused', () => {
  const opened: SourceSettings[] = [];
  const closed: SourceSettings[] = [];
  const reg = new SourceRegistry((s) => {
    opened.push(s);
    return { status: { state: 'ready' }, draw() {}, close: () => closed.push(s) } satisfies Drawable;
  });
  let d: ScenesDoc = emptyDoc();
  const a = d.scenes[0]!.id;
  d = applyCommand(d, { type: 'addSource', source: { id: 'cam', name: 'Cam', settings: { kind: 'camera', deviceId: 'x' } } });
  d = applyCommand(d, { type: 'createScene', scene: { id: 'b', name: 'B', items: { horizontal: [], vertical: [] } } });
  const place = { x: 0, y: 0, w: 10, h: 10 };
  d = applyCommand(d, { type: 'addItem', sceneId: a, canvas: 'horizontal', item: newItem('1', 'cam', place) });
  d = applyCommand(d, { type: 'addItem', sceneId: a, canvas: 'vertical', item: newItem('2', 'cam', place) });
  d = applyCommand(d, { type: 'addItem', sceneId: 'b', canvas: 'horizontal', item: newItem('3', 'cam', place) });
  reg.sync(d);
  reg.sync(d);
  assert.equal(opened.length, 1);
  assert.ok(reg.get('cam'));
  d = applyCommand(d, { type: 'removeItem', sceneId: a, canvas: 'horizontal', itemId: '1' });
  reg.sync(d);
  assert.equal(closed.length, 0, 'still shown elsewhere');
  d = applyCommand(d, { type: 'updateSource', sourceId: 'cam', settings: { kind: 'camera', deviceId: 'y' } });
  reg.sync(d);
  assert.deepEqual([opened.length, closed.length], [2, 1]);
  d = applyCommand(d, { type: 'removeSource', sourceId: 'cam' });
  reg.sync(d);
  assert.deepEqual([opened.length, closed.length, reg.openIds().length], [2, 2, 0]);
  // acquire/release by hand count the same way.
  const src = { id: 'c', name: 'C', settings: { kind: 'color', color: '#000000' } as const };
  reg.acquire(src);
  reg.acquire(src);
  reg.release('c');
  assert.equal(closed.length, 2);
  reg.release('c');
  assert.equal(closed.length, 3);
});
