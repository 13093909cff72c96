// The scene model without a browser: commands, undo/redo, the versioned JSON and the first-run scenes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyCommand, newItem, SceneError, type SceneCommand } from './studio/engine/scene/commands.js';
import { coverCrop, firstRunScenes } from './studio/engine/scene/defaults.js';
import { execute, redo, startHistory, undo } from './studio/engine/scene/history.js';
import { MAX_SCENES_JSON, parseScenes, serializeScenes } from './studio/engine/scene/json.js';
import { emptyDoc, FRAME_RATES, type ScenesDoc } from './studio/engine/scene/model.js';
import { frameRateFraction, frameRateLabel, isStudioFrameRate } from '../electron/broadcast/types.js';
import { moveBox, resizeBox } from './studio/src/scenes/snap.js';

let n = 0;
const ids = (p: string) => `${p}-${++n}`;

function twoScenes(): ScenesDoc {
  let d = emptyDoc();
  d = applyCommand(d, { type: 'addSource', source: { id: 'red', name: 'Red', settings: { kind: 'color', color: '#ff0000' } } });
  d = applyCommand(d, { type: 'createScene', scene: { id: 'b', name: 'B', items: { horizontal: [], vertical: [] } } });
  const a = d.scenes[0]!.id;
  d = applyCommand(d, { type: 'addItem', sceneId: a, canvas: 'horizontal', item: newItem('i1', 'red', { x: 0, y: 0, w: 100, h: 100 }) });
  d = applyCommand(d, { type: 'addItem', sceneId: a, canvas: 'horizontal', item: newItem('i2', 'red', { x: 10, y: 10, w: 50, h: 50 }) });
  d = applyCommand(d, { type: 'addItem', sceneId: 'b', canvas: 'vertical', item: newItem('i3', 'red', { x: 5, y: 5, w: 50, h: 50 }) });
  return d;
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SceneError, String(e));
    return e.code;
  }
  assert.fail('did not throw');
};

describe('scene commands', () => {
  test('one source in two scenes; removing it removes its layers everywhere; input is never mutated', () => {
    const d = twoScenes();
    const frozen = JSON.stringify(d);
    const gone = applyCommand(d, { type: 'removeSource', sourceId: 'red' });
    assert.equal(JSON.stringify(d), frozen);
    assert.deepEqual(
      gone.scenes.map((s) => s.items.horizontal.length + s.items.vertical.length),
      [0, 0],
    );
  });

  test('reorder, transform, visibility, lock, opacity', () => {
    const d = twoScenes();
    const a = d.scenes[0]!.id;
    const at = (doc: ScenesDoc) => doc.scenes[0]!.items.horizontal;
    const c = (cmd: { type: SceneCommand['type']; itemId: string } & Record<string, unknown>) =>
      applyCommand(d, { ...cmd, sceneId: a, canvas: 'horizontal' } as SceneCommand);
    assert.deepEqual(
      at(c({ type: 'reorderItem', itemId: 'i2', to: 0 })).map((i) => i.id),
      ['i2', 'i1'],
    );
    assert.deepEqual(
      at(c({ type: 'reorderItem', itemId: 'i1', to: 99 })).map((i) => i.id),
      ['i2', 'i1'],
    );
    const moved = at(
      c({ type: 'transformItem', itemId: 'i1', placement: { x: 40, w: 300 }, crop: { top: 0.1, right: 0, bottom: 0, left: 0.2 } }),
    )[0]!;
    assert.deepEqual([moved.x, moved.y, moved.w, moved.h, moved.crop.left], [40, 0, 300, 100, 0.2]);
    assert.equal(at(c({ type: 'setItemVisible', itemId: 'i1', visible: false }))[0]!.visible, false);
    assert.equal(at(c({ type: 'setItemLocked', itemId: 'i1', locked: true }))[0]!.locked, true);
    assert.equal(at(c({ type: 'setItemOpacity', itemId: 'i1', opacity: 7 }))[0]!.opacity, 1);
  });

  test('bad commands say why', () => {
    const d = twoScenes();
    const a = d.scenes[0]!.id;
    assert.equal(
      code(() => applyCommand(d, { type: 'transformItem', sceneId: a, canvas: 'horizontal', itemId: 'i1', placement: { w: 0 } })),
      'bad_value',
    );
    assert.equal(
      code(() => applyCommand(d, { type: 'transformItem', sceneId: a, canvas: 'horizontal', itemId: 'nope', placement: {} })),
      'no_item',
    );
    assert.equal(
      code(() =>
        applyCommand(d, {
          type: 'transformItem',
          sceneId: a,
          canvas: 'horizontal',
          itemId: 'i1',
          crop: { top: 0.5, bottom: 0.5, left: 0, right: 0 },
        }),
      ),
      'bad_value',
    );
    assert.equal(
      code(() => applyCommand(d, { type: 'addItem', sceneId: a, canvas: 'vertical', item: newItem('x', 'ghost', { x: 0, y: 0, w: 1, h: 1 }) })),
      'no_source',
    );
    assert.equal(
      code(() => applyCommand(d, { type: 'renameScene', sceneId: a, name: '  ' })),
      'bad_value',
    );
    assert.equal(
      code(() => applyCommand(d, { type: 'setProgramScene', sceneId: 'zz' })),
      'no_scene',
    );
    const one = applyCommand(d, { type: 'removeScene', sceneId: 'b' });
    assert.equal(
      code(() => applyCommand(one, { type: 'removeScene', sceneId: a })),
      'last_scene',
    );
  });

  test('removing the program scene puts another on air', () => {
    const d = applyCommand(twoScenes(), { type: 'setProgramScene', sceneId: 'b' });
    assert.equal(applyCommand(d, { type: 'removeScene', sceneId: 'b' }).program, d.scenes[0]!.id);
  });
});

describe('canvas sizes', () => {
  test('the vertical canvas at 1080x1920: its layers scale with it, the horizontal ones stay; other sizes refused', () => {
    const d = twoScenes();
    const big = applyCommand(d, { type: 'setCanvasSize', canvas: 'vertical', width: 1080, height: 1920 });
    assert.deepEqual(
      big.canvases.find((c) => c.id === 'vertical'),
      { id: 'vertical', width: 1080, height: 1920, fps: 30 },
    );
    const it = big.scenes[1]!.items.vertical[0]!;
    assert.deepEqual([it.x, it.y, it.w, it.h], [8, 8, 75, 75]);
    assert.deepEqual(big.scenes[0]!.items.horizontal, d.scenes[0]!.items.horizontal);
    assert.equal(
      code(() => applyCommand(d, { type: 'setCanvasSize', canvas: 'vertical', width: 1000, height: 1000 })),
      'bad_value',
    );
  });
});

describe('frame rate', () => {
  test("one rate for both canvases, one of OBS's common values (NTSC's exact); anything else refused", () => {
    const d = twoScenes();
    const at60 = applyCommand(d, { type: 'setFrameRate', fps: 60 });
    assert.deepEqual(
      at60.canvases.map((c) => [c.id, c.fps]),
      [
        ['horizontal', 60],
        ['vertical', 60],
      ],
    );
    assert.deepEqual(at60.scenes, d.scenes, 'the layout is untouched');
    assert.deepEqual(
      applyCommand(d, { type: 'setFrameRate', fps: 60000 / 1001 }).canvases.map((c) => c.fps),
      [60000 / 1001, 60000 / 1001],
    );
    // 29.97 written as a decimal is not NTSC's rate (30000 / 1001), whose frames it would drift from.
    for (const fps of [0, 29.97, 15, 120, Number.NaN])
      assert.equal(
        code(() => applyCommand(d, { type: 'setFrameRate', fps })),
        'bad_value',
        String(fps),
      );
  });

  test('as OBS writes and lists them: 30000/1001 and 29.97, 24000/1001 and 23.976, 60/1 and 60', () => {
    assert.deepEqual(
      FRAME_RATES.map((fps) => [frameRateFraction(fps).join('/'), frameRateLabel(fps)]),
      [
        ['10/1', '10'],
        ['20/1', '20'],
        ['24000/1001', '23.976'],
        ['24/1', '24'],
        ['25/1', '25'],
        ['30000/1001', '29.97'],
        ['30/1', '30'],
        ['48/1', '48'],
        ['50/1', '50'],
        ['60000/1001', '59.94'],
        ['60/1', '60'],
      ],
    );
    assert.deepEqual(
      [isStudioFrameRate(30000 / 1001), isStudioFrameRate(29.97), isStudioFrameRate(7), isStudioFrameRate(0)],
      [true, false, true, false],
    );
  });

  test('a setting, not an edit: no undo step, and undo or redo of an edit keeps the rate', () => {
    const d = twoScenes();
    let h = execute(startHistory(d), { type: 'renameScene', sceneId: 'b', name: 'Bee' });
    h = execute(h, { type: 'setFrameRate', fps: 24 });
    assert.equal(h.past.length, 1);
    h = undo(h);
    assert.equal(h.present.scenes[1]!.name, 'B');
    assert.deepEqual(
      h.present.canvases.map((c) => c.fps),
      [24, 24],
    );
    h = redo(h);
    assert.equal(h.present.scenes[1]!.name, 'Bee');
    assert.deepEqual(
      h.present.canvases.map((c) => c.fps),
      [24, 24],
    );
  });

  test('saved with the scenes; a file with a rate the Studio does not offer is refused', () => {
    const d = applyCommand(twoScenes(), { type: 'setFrameRate', fps: 50 });
    assert.deepEqual(parseScenes(serializeScenes(d)).canvases, d.canvases);
    const ntsc = applyCommand(twoScenes(), { type: 'setFrameRate', fps: 30000 / 1001 });
    assert.deepEqual(parseScenes(serializeScenes(ntsc)).canvases, ntsc.canvases, 'JSON keeps the exact quotient');
    const odd = JSON.stringify({ ...d, canvases: d.canvases.map((c) => ({ ...c, fps: 1000 })) });
    assert.throws(() => parseScenes(odd), /canvas horizontal has a bad frame rate/);
  });
});

describe('undo and redo', () => {
  test('steps back and forth; a drag is one step; a new edit drops the redo steps', () => {
    const d = twoScenes();
    const a = d.scenes[0]!.id;
    const move = (x: number): SceneCommand => ({ type: 'transformItem', sceneId: a, canvas: 'horizontal', itemId: 'i1', placement: { x } });
    let h = startHistory(d);
    for (const x of [1, 2, 3, 4]) h = execute(h, move(x), 'drag-1');
    h = execute(h, { type: 'renameScene', sceneId: a, name: 'Main' });
    const x = (hh: typeof h) => hh.present.scenes[0]!.items.horizontal[0]!.x;
    assert.equal(h.past.length, 2);
    h = undo(h);
    assert.equal(h.present.scenes[0]!.name, 'Scene');
    assert.equal(x(h), 4);
    h = undo(h);
    assert.equal(x(h), 0, 'the whole drag undone at once');
    assert.equal(undo(h), h, 'nothing more to undo');
    h = redo(h);
    assert.equal(x(h), 4);
    h = execute(h, move(9));
    assert.equal(h.future.length, 0);
    assert.equal(redo(h), h);
  });

  test('switching the program is not an undo step, and undo does not switch scenes on air', () => {
    const d = twoScenes();
    let h = execute(startHistory(d), { type: 'renameScene', sceneId: 'b', name: 'Bee' });
    h = execute(h, { type: 'setProgramScene', sceneId: 'b' });
    assert.equal(h.past.length, 1);
    h = undo(h);
    assert.equal(h.present.scenes[1]!.name, 'B');
    assert.equal(h.present.program, 'b');
  });
});

describe('versioned JSON', () => {
  test('round trip', () => {
    const d = firstRunScenes({ screen: true, cameras: [{ deviceId: 'cam1', label: 'USB camera' }], phones: [] }, ids);
    assert.deepEqual(parseScenes(serializeScenes(d)), d);
  });

  test('a newer format is refused in plain words; damage is named', () => {
    const d = twoScenes();
    const text = (patch: object) => JSON.stringify({ ...d, ...patch });
    assert.throws(
      () => parseScenes(text({ version: 2 })),
      (e: SceneError) => e.code === 'scenes_too_new' && /newer Onair Studio/.test(e.message),
    );
    assert.throws(
      () => parseScenes(text({ version: undefined })),
      (e: SceneError) => e.code === 'bad_scenes_file' && /version/.test(e.message),
    );
    assert.throws(
      () => parseScenes('{"version":1'),
      (e: SceneError) => e.code === 'bad_scenes_file' && /not valid JSON/.test(e.message),
    );
    assert.throws(() => parseScenes(text({ program: 'nope' })), /program scene/);
    assert.throws(() => parseScenes(text({ sources: {} })), /shows a source that does not exist/);
    const screen = (target: unknown) => ({ red: { id: 'red', name: 'Red', settings: { kind: 'screen', target } } });
    const window = { type: 'window', id: 'window:77:0', name: 'Notes' };
    assert.deepEqual(parseScenes(text({ sources: screen(window) })).sources.red!.settings, { kind: 'screen', target: window });
    assert.throws(() => parseScenes(text({ sources: screen({ ...window, type: 'tab' }) })), /not valid for a screen source/);
    const web = (url: string, width = 800) => ({ red: { id: 'red', name: 'Red', settings: { kind: 'web', url, width, height: 600 } } });
    assert.equal(parseScenes(text({ sources: web('https://alerts.example/overlay') })).sources.red!.settings.kind, 'web');
    assert.throws(() => parseScenes(text({ sources: web('file:///etc/passwd') })), /not valid for a web source/);
    assert.throws(() => parseScenes(text({ sources: web('https://alerts.example/', 99999) })), /not valid for a web source/);
    const badColor = { red: { id: 'red', name: 'Red', settings: { kind: 'color', color: 'red; evil' } } };
    assert.throws(() => parseScenes(text({ sources: badColor })), /not valid for a color source/);
    assert.throws(
      () => parseScenes(' '.repeat(MAX_SCENES_JSON + 1)),
      (e: SceneError) => e.code === 'too_large',
    );
  });
});

describe('first-run scenes', () => {
  test('screen + camera: camera bottom-right horizontally; vertically camera on top, screen below, nothing stretched', () => {
    const d = firstRunScenes({ screen: true, cameras: [{ deviceId: 'cam1', label: 'USB camera' }], phones: [] }, ids);
    assert.deepEqual(
      d.scenes.map((s) => s.name),
      ['Screen + camera', 'Camera', 'Be right back'],
    );
    assert.equal(d.program, d.scenes[0]!.id);
    const kind = (id: string) => d.sources[id]!.settings.kind;
    const [, screenH, camH] = d.scenes[0]!.items.horizontal;
    assert.equal(kind(screenH!.sourceId), 'screen');
    assert.deepEqual([kind(camH!.sourceId), camH!.x + camH!.w, camH!.y + camH!.h], ['camera', 1256, 696]);
    const [, camV, screenV] = d.scenes[0]!.items.vertical;
    assert.deepEqual([kind(camV!.sourceId), camV!.y, camV!.h], ['camera', 0, 640]);
    assert.equal(kind(screenV!.sourceId), 'screen');
    assert.ok(screenV!.y >= 640 && screenV!.w === 720, `screen below: ${JSON.stringify(screenV)}`);
    assert.ok(Math.abs(screenV!.w / screenV!.h - 16 / 9) < 0.01);
    // The camera's 16:9 picture cropped to the 720x640 box: what is left has the box's shape.
    const visible = (1 - camV!.crop.left - camV!.crop.right) * (16 / 9);
    assert.ok(Math.abs(visible - 720 / 640) < 0.001);
    assert.equal((d.sources[camV!.sourceId]!.settings as { deviceId: string }).deviceId, 'cam1');
  });

  test('no camera: the layouts leave it out; be right back still ready', () => {
    const d = firstRunScenes({ screen: true, cameras: [], phones: [] }, ids);
    assert.ok(!Object.values(d.sources).some((s) => s.settings.kind === 'camera'));
    assert.equal(d.scenes[2]!.items.horizontal.length, 2);
    assert.deepEqual(coverCrop(1600, 900), { top: 0, bottom: 0, left: 0, right: 0 });
  });
});

describe('first-run scenes with a phone', () => {
  test('a Phone scene: upright in the middle horizontally with the camera in its corner, filling the vertical canvas', () => {
    const d = firstRunScenes({ screen: true, cameras: [{ deviceId: 'cam1', label: 'USB camera' }], phones: ['R58M123'] }, ids);
    assert.deepEqual(
      d.scenes.map((s) => s.name),
      ['Screen + camera', 'Camera', 'Phone', 'Be right back'],
    );
    assert.equal(d.program, d.scenes[0]!.id, 'the screen and camera stay on air first');
    const kind = (id: string) => d.sources[id]!.settings.kind;
    const phones = Object.values(d.sources).filter((s) => s.settings.kind === 'phone');
    assert.deepEqual(
      phones.map((s) => s.settings),
      [{ kind: 'phone', serial: 'R58M123' }],
      'one phone source, however many layers show it',
    );
    const [, phoneH, camH] = d.scenes[2]!.items.horizontal;
    assert.equal(kind(phoneH!.sourceId), 'phone');
    assert.deepEqual([phoneH!.y, phoneH!.h], [0, 720], 'full height');
    assert.ok(Math.abs(phoneH!.x + phoneH!.w / 2 - 640) <= 1, `centred: ${JSON.stringify(phoneH)}`);
    assert.ok(Math.abs(phoneH!.w / phoneH!.h - 9 / 16) < 0.01, `upright: ${JSON.stringify(phoneH)}`);
    assert.equal(kind(camH!.sourceId), 'camera');
    const [, phoneV] = d.scenes[2]!.items.vertical;
    assert.deepEqual([kind(phoneV!.sourceId), phoneV!.x, phoneV!.y, phoneV!.w, phoneV!.h], ['phone', 0, 0, 720, 1280]);
    assert.deepEqual(phoneV!.crop, { top: 0, bottom: 0, left: 0, right: 0 }, 'a 9:16 picture fills 720x1280 uncut');
    assert.deepEqual(parseScenes(serializeScenes(d)), d);
  });

  test('only a phone: its scene goes on air first', () => {
    const d = firstRunScenes({ screen: false, cameras: [], phones: ['R58M123'] }, ids);
    assert.equal(d.scenes.find((s) => s.id === d.program)!.name, 'Phone');
    assert.equal(d.scenes.find((s) => s.name === 'Phone')!.items.horizontal.length, 2, 'no camera in its corner');
  });
});

describe('direct manipulation geometry', () => {
  const box = { x: 100, y: 100, w: 200, h: 100 };
  test('a move snaps edges and centre to the canvas edges and centre lines within 12 px, else moves freely', () => {
    assert.deepEqual(moveBox(box, 50, 30, 1280, 720), { x: 150, y: 130, w: 200, h: 100 });
    assert.deepEqual(moveBox(box, -95, 0, 1280, 720), { x: 0, y: 100, w: 200, h: 100 }, 'left edge to 0');
    assert.deepEqual(moveBox(box, 975, 0, 1280, 720), { x: 1080, y: 100, w: 200, h: 100 }, 'right edge to 1280');
    assert.deepEqual(moveBox(box, 435, 205, 1280, 720), { x: 540, y: 310, w: 200, h: 100 }, 'centre to the centre lines');
    assert.deepEqual(moveBox(box, -80, 0, 1280, 720).x, 20, 'too far to snap');
  });
  test('a resize moves only the dragged corner, snaps it, and keeps a minimum size', () => {
    assert.deepEqual(resizeBox(box, 'se', 40, 20, 1280, 720), { x: 100, y: 100, w: 240, h: 120 });
    assert.deepEqual(resizeBox(box, 'nw', -95, -93, 1280, 720), { x: 0, y: 0, w: 300, h: 200 });
    assert.deepEqual(resizeBox(box, 'ne', -500, 0, 1280, 720), { x: 100, y: 100, w: 8, h: 100 });
  });
});
