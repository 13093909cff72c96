// The preview: the compositor's canvas itself (what is encoded), horizontal or vertical, with the program scene's
// layers as boxes over it to drag, and corner handles to resize the selected one (snapping to the canvas's edges and
// centre). Each drag or resize is one undo step. It can be switched off (preview-setting.ts): the canvases are then
// hidden from the page, still drawn and encoded.
import { useEffect, useLayoutEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { CANVAS_SIZES, canvasOf, sceneById, type Item } from '../../engine/scene/model.js';
import { studioEngine } from './engine-host.js';
import { usePreviewSetting } from './preview-setting.js';
import { moveBox, resizeBox, type Corner } from './snap.js';
import { useScenes } from './store.js';

const CORNERS: Corner[] = ['nw', 'ne', 'sw', 'se'];

export function ScenePreview() {
  const doc = useScenes((s) => s.history?.present);
  const view = useScenes((s) => s.view);
  const previewOn = usePreviewSetting((s) => s.shown);
  const showPreview = usePreviewSetting((s) => s.setShown);
  const holder = useRef<HTMLDivElement>(null);
  const [scale, setScale] = useState(0);
  const loaded = doc !== undefined;
  const spec = doc ? canvasOf(doc, view) : null;
  // A new canvas size changes the scale of the layer boxes even when the canvas takes the same room on the page.
  const size = spec ? `${spec.width}x${spec.height}` : '';

  useLayoutEffect(() => {
    const engine = studioEngine();
    const el = holder.current;
    if (!el) return;
    const shown = previewOn ? engine.canvas(view) : null;
    for (const id of ['horizontal', 'vertical'] as const) {
      const c = engine.canvas(id);
      if (!c) continue;
      c.dataset.testid = `canvas-${id}`;
      c.className = 'scene-canvas';
      // Both stay in the page (and drawn): a hidden one is still a canvas being encoded.
      c.hidden = c !== shown;
      if (c.parentElement !== el) el.prepend(c);
    }
    if (!shown) return;
    const measure = () => setScale(shown.clientWidth / shown.width);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(shown);
    return () => ro.disconnect();
  }, [view, loaded, size, previewOn]);

  const scene = doc ? sceneById(doc, doc.program) : undefined;
  return (
    <div className="scene-preview">
      <div className={`scene-preview__stage scene-preview__stage--${view}`} ref={holder}>
        {!previewOn && (
          <p className="scene-preview__off" role="status">
            Preview off: the scenes are still composed, and sent while you are live.{' '}
            <button type="button" onClick={() => showPreview(true)}>
              Show preview
            </button>
          </p>
        )}
        {previewOn && spec && scene && scale > 0 && (
          <div className="scene-preview__overlay" style={{ width: spec.width * scale, height: spec.height * scale }}>
            {scene.items[view].map(
              (it) => it.visible && <LayerBox key={it.id} item={it} sceneId={scene.id} scale={scale} cw={spec.width} ch={spec.height} />,
            )}
          </div>
        )}
      </div>
      <PreviewBar />
    </div>
  );
}

function LayerBox({ item, sceneId, scale, cw, ch }: { item: Item; sceneId: string; scale: number; cw: number; ch: number }) {
  const view = useScenes((s) => s.view);
  const selected = useScenes((s) => s.selectedItem === item.id);
  const name = useScenes((s) => s.history?.present.sources[item.sourceId]?.name ?? '');
  const exec = useScenes((s) => s.exec);
  const selectItem = useScenes((s) => s.selectItem);

  const gesture = (e: ReactPointerEvent, corner: Corner | null) => {
    if (item.locked || e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    selectItem(item.id);
    const el = e.currentTarget as HTMLElement;
    el.setPointerCapture(e.pointerId);
    const start = { x: item.x, y: item.y, w: item.w, h: item.h };
    const from = { x: e.clientX, y: e.clientY };
    const id = `${corner ?? 'move'}-${item.id}-${e.timeStamp}`;
    let last = start;
    const move = (ev: PointerEvent) => {
      const dx = (ev.clientX - from.x) / scale;
      const dy = (ev.clientY - from.y) / scale;
      const placement = corner ? resizeBox(start, corner, dx, dy, cw, ch) : moveBox(start, dx, dy, cw, ch);
      if (placement.x === last.x && placement.y === last.y && placement.w === last.w && placement.h === last.h) return;
      last = placement;
      exec({ type: 'transformItem', sceneId, canvas: view, itemId: item.id, placement }, id);
    };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
  };

  return (
    <div
      className={`layer-box${selected ? ' layer-box--selected' : ''}${item.locked ? ' layer-box--locked' : ''}`}
      style={{ left: item.x * scale, top: item.y * scale, width: item.w * scale, height: item.h * scale }}
      data-item={item.id}
      aria-label={`Layer ${name}`}
      onPointerDown={(e) => gesture(e, null)}
    >
      {selected &&
        !item.locked &&
        CORNERS.map((c) => (
          <span key={c} className={`layer-box__handle layer-box__handle--${c}`} data-handle={c} onPointerDown={(e) => gesture(e, c)} />
        ))}
    </div>
  );
}

function PreviewBar() {
  const view = useScenes((s) => s.view);
  const spec = useScenes((s) => (s.history ? canvasOf(s.history.present, s.view) : null));
  const exec = useScenes((s) => s.exec);
  const setView = useScenes((s) => s.setView);
  const canUndo = useScenes((s) => !!s.history?.past.length);
  const canRedo = useScenes((s) => !!s.history?.future.length);
  const undo = useScenes((s) => s.undo);
  const redo = useScenes((s) => s.redo);
  const previewOn = usePreviewSetting((s) => s.shown);
  const showPreview = usePreviewSetting((s) => s.setShown);
  const [compose, setCompose] = useState('');
  useEffect(() => {
    const t = setInterval(() => {
      const st = studioEngine().stats();
      setCompose(`compose ${st.p50Ms.toFixed(1)} ms (p95 ${st.p95Ms.toFixed(1)} ms)`);
    }, 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="scene-preview__bar">
      <div className="tabs" role="tablist" aria-label="Canvas">
        <button role="tab" aria-selected={view === 'horizontal'} onClick={() => setView('horizontal')}>
          Horizontal
        </button>
        <button role="tab" aria-selected={view === 'vertical'} onClick={() => setView('vertical')}>
          Vertical
        </button>
      </div>
      {spec && (
        <label className="scene-preview__size">
          Canvas size
          <select
            value={`${spec.width}x${spec.height}`}
            onChange={(e) => {
              const [width, height] = e.target.value.split('x').map(Number) as [number, number];
              exec({ type: 'setCanvasSize', canvas: view, width, height });
            }}
          >
            {CANVAS_SIZES[view].map(([w, h]) => (
              <option key={`${w}x${h}`} value={`${w}x${h}`}>
                {w}x{h}
              </option>
            ))}
          </select>
        </label>
      )}
      <button type="button" onClick={undo} disabled={!canUndo} title="Ctrl/Cmd+Z">
        Undo
      </button>
      <button type="button" onClick={redo} disabled={!canRedo} title="Shift+Ctrl/Cmd+Z">
        Redo
      </button>
      <label title="Showing the preview costs about a sixth of a core at 720p; the stream is the same either way">
        <input type="checkbox" checked={previewOn} onChange={(e) => showPreview(e.target.checked)} /> Show preview
      </label>
      <span className="muted small" data-testid="compose-time">
        {compose}
      </span>
    </div>
  );
}
