// The layers of the selected scene on the canvas shown: top first, with visibility, lock, order, opacity and remove;
// and adding a layer, of a new source of any kind or of a source already used elsewhere (opened only once).
import { useState } from 'react';
import { newItem, type ItemPlacement } from '../../engine/scene/commands.js';
import {
  canvasOf,
  newId,
  SOURCE_KINDS,
  type CanvasId,
  type Scene,
  type ScenesDoc,
  type SourceKind,
  type SourceSettings,
} from '../../engine/scene/model.js';
import { isWebPageSize, isWebPageUrl, WEB_PAGE_SIZE } from '../../../../electron/source-feed.js';
import { useStudio } from '../store.js';
import { CameraSound } from './CameraSound.js';
import { CapturePicker } from './CapturePicker.js';
import { LayerCrop } from './LayerCrop.js';
import { SourceState } from './SourceState.js';
import { useScenes } from './store.js';

const KIND_LABEL: Record<SourceKind, string> = {
  color: 'Colour',
  image: 'Image',
  text: 'Text',
  screen: 'Screen',
  camera: 'Camera or capture card',
  phone: 'Phone over USB (Android)',
  web: 'Web page',
  chat: 'Chat overlay',
};

/** Where a new layer goes on a canvas: full for screens, a corner for cameras, the middle for the rest. */
function placementFor(kind: SourceKind, w: number, h: number): ItemPlacement {
  if (kind === 'screen' || kind === 'color') return { x: 0, y: 0, w, h };
  if (kind === 'camera') {
    const cw = Math.round(w / 3);
    return { x: w - cw - 24, y: h - Math.round((cw * 9) / 16) - 24, w: cw, h: Math.round((cw * 9) / 16) };
  }
  // A phone's screen is recorded portrait (9:16): the full height, at the right.
  if (kind === 'phone') {
    const ph = h - 48;
    const pw = Math.min(w - 48, Math.round((ph * 9) / 16));
    return { x: w - pw - 24, y: 24, w: pw, h: ph };
  }
  // A web page at the page's own shape (16:9 from the panel), as large as the canvas allows, centred.
  if (kind === 'web') {
    const pw = Math.min(w, Math.round((h * 16) / 9));
    const ph = Math.round((pw * 9) / 16);
    return { x: Math.round((w - pw) / 2), y: Math.round((h - ph) / 2), w: pw, h: ph };
  }
  if (kind === 'chat') return { x: 24, y: h - 24 - Math.round(h / 3), w: Math.round(Math.min(w - 48, 640)), h: Math.round(h / 3) };
  return { x: Math.round(w / 4), y: Math.round(h / 4), w: Math.round(w / 2), h: Math.round(h / 2) };
}

export function LayersPanel() {
  const doc = useScenes((s) => s.history?.present);
  const sceneId = useScenes((s) => s.selectedScene);
  const view = useScenes((s) => s.view);
  const error = useScenes((s) => s.error);
  const selectedItem = useScenes((s) => s.selectedItem);
  const scene = doc?.scenes.find((s) => s.id === sceneId);
  if (!doc || !scene) return null;
  const items = [...scene.items[view]].reverse();
  const selected = items.find((i) => i.id === selectedItem);
  const selectedSource = selected ? doc.sources[selected.sourceId] : undefined;
  return (
    <section className="card layers-panel" aria-label="Layers">
      <h3>
        Layers of {scene.name} ({view})
      </h3>
      {items.length === 0 && <p className="muted small">No layers yet.</p>}
      <ol className="layers-panel__list">
        {items.map((it) => (
          <LayerRow key={it.id} doc={doc} scene={scene} view={view} itemId={it.id} />
        ))}
      </ol>
      {selected && <LayerCrop sceneId={scene.id} canvas={view} item={selected} />}
      {selectedSource?.settings.kind === 'screen' && <CapturePicker sourceId={selectedSource.id} target={selectedSource.settings.target} />}
      {selectedSource?.settings.kind === 'camera' && <CameraSound source={{ ...selectedSource, settings: selectedSource.settings }} />}
      <AddLayer doc={doc} scene={scene} />
      {error && (
        <p className="studio__error" role="alert" data-testid="scenes-error">
          {error}
        </p>
      )}
    </section>
  );
}

function LayerRow({ doc, scene, view, itemId }: { doc: ScenesDoc; scene: Scene; view: CanvasId; itemId: string }) {
  const { exec, selectItem } = useScenes.getState();
  const selected = useScenes((s) => s.selectedItem === itemId);
  const list = scene.items[view];
  const index = list.findIndex((i) => i.id === itemId);
  const it = list[index]!;
  const name = doc.sources[it.sourceId]?.name ?? '?';
  const base = { sceneId: scene.id, canvas: view, itemId };
  return (
    <li className={selected ? 'layers-panel__row layers-panel__row--selected' : 'layers-panel__row'} data-layer-item={itemId}>
      <button type="button" className="layers-panel__name" onClick={() => selectItem(itemId)}>
        {name}
      </button>
      <SourceState sourceId={it.sourceId} canRetry={doc.sources[it.sourceId]?.settings.kind === 'screen'} />
      <label className="check" title="Visible">
        <input type="checkbox" checked={it.visible} onChange={(e) => exec({ type: 'setItemVisible', ...base, visible: e.target.checked })} />
        Visible
      </label>
      <label className="check" title="Locked in the preview">
        <input type="checkbox" checked={it.locked} onChange={(e) => exec({ type: 'setItemLocked', ...base, locked: e.target.checked })} />
        Locked
      </label>
      <label className="layers-panel__opacity">
        Opacity
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={it.opacity}
          onChange={(e) => exec({ type: 'setItemOpacity', ...base, opacity: Number(e.target.value) }, `opacity-${itemId}`)}
        />
      </label>
      <button
        type="button"
        aria-label={`Move ${name} up`}
        disabled={index === list.length - 1}
        onClick={() => exec({ type: 'reorderItem', ...base, to: index + 1 })}
      >
        ↑
      </button>
      <button
        type="button"
        aria-label={`Move ${name} down`}
        disabled={index === 0}
        onClick={() => exec({ type: 'reorderItem', ...base, to: index - 1 })}
      >
        ↓
      </button>
      <button type="button" aria-label={`Remove ${name}`} onClick={() => exec({ type: 'removeItem', ...base })}>
        ×
      </button>
    </li>
  );
}

function AddLayer({ doc, scene }: { doc: ScenesDoc; scene: Scene }) {
  const exec = useScenes((s) => s.exec);
  const [kind, setKind] = useState<SourceKind>('color');
  const [color, setColor] = useState('#3366ff');
  const [text, setText] = useState('');
  const [url, setUrl] = useState('');
  const [existing, setExisting] = useState('');
  const [serial, setSerial] = useState('');
  const [pageSize, setPageSize] = useState({ width: 1280, height: 720 });
  // The phones adb lists (main's source list, the broadcast pipeline's Android entries); refreshed with the devices.
  const phones = (useStudio((st) => st.sources)?.sources ?? []).flatMap((o) => (o.spec.kind === 'android' && o.spec.serial ? [o.spec.serial] : []));

  /** The layer goes onto both canvases, each placed for its own shape. */
  const place = (sourceId: string, kindOf: SourceKind) => {
    for (const canvas of ['horizontal', 'vertical'] as const) {
      const c = canvasOf(useScenes.getState().history!.present, canvas);
      if (!exec({ type: 'addItem', sceneId: scene.id, canvas, item: newItem(newId('item'), sourceId, placementFor(kindOf, c.width, c.height)) }))
        return;
    }
  };
  const addNew = () => {
    const settings: SourceSettings = (() => {
      switch (kind) {
        case 'color':
          return { kind, color };
        case 'image':
          return { kind, url: url.trim() };
        case 'text':
          return { kind, text: text || 'Text', color: '#ffffff', size: 64 };
        case 'screen':
          return { kind };
        case 'camera':
          return { kind };
        case 'chat':
          return { kind, lines: 8 };
        case 'phone':
          return { kind, serial: phones.includes(serial) ? serial : '' };
        case 'web':
          return { kind, url: url.trim(), ...pageSize };
      }
    })();
    const n = Object.values(doc.sources).filter((s) => s.settings.kind === kind).length + 1;
    const id = newId('source');
    const name = kind === 'text' && text ? text.slice(0, 40) : `${KIND_LABEL[kind]} ${n}`;
    if (exec({ type: 'addSource', source: { id, name, settings } })) place(id, kind);
  };
  const addExisting = () => {
    const src = doc.sources[existing];
    if (src) place(src.id, src.settings.kind);
  };
  return (
    <div className="add-layer">
      <div className="row">
        <label>
          New source
          <select value={kind} onChange={(e) => setKind(e.target.value as SourceKind)} data-testid="new-source-kind">
            {SOURCE_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        {kind === 'color' && (
          <label>
            Colour
            <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
          </label>
        )}
        {kind === 'text' && (
          <label>
            Text
            <input value={text} maxLength={500} onChange={(e) => setText(e.target.value)} />
          </label>
        )}
        {kind === 'image' && (
          <label>
            Image URL
            <input value={url} placeholder="https://…" onChange={(e) => setUrl(e.target.value)} />
          </label>
        )}
        {kind === 'web' && (
          <>
            <label>
              Page URL
              <input value={url} placeholder="https://…" onChange={(e) => setUrl(e.target.value)} />
            </label>
            {(['width', 'height'] as const).map((d) => (
              <label key={d}>
                {d === 'width' ? 'Width' : 'Height'}
                <input
                  type="number"
                  min={WEB_PAGE_SIZE.min}
                  max={WEB_PAGE_SIZE.max}
                  value={pageSize[d]}
                  onChange={(e) => setPageSize((p) => ({ ...p, [d]: Number(e.target.value) }))}
                />
              </label>
            ))}
          </>
        )}
        {kind === 'phone' && (
          <label>
            Phone
            <select value={serial} onChange={(e) => setSerial(e.target.value)} data-testid="new-source-phone">
              <option value="">{phones.length ? 'The one connected' : 'None found: connect one with USB debugging on'}</option>
              {phones.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
        )}
        <button
          type="button"
          onClick={addNew}
          disabled={
            (kind === 'image' && !/^https?:\/\//.test(url.trim())) ||
            (kind === 'web' && !(isWebPageUrl(url.trim()) && isWebPageSize(pageSize.width) && isWebPageSize(pageSize.height)))
          }
        >
          Add layer
        </button>
      </div>
      {Object.keys(doc.sources).length > 0 && (
        <div className="row">
          <label>
            Existing source
            <select value={existing} onChange={(e) => setExisting(e.target.value)}>
              <option value="">Choose…</option>
              {Object.values(doc.sources).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={addExisting} disabled={!existing}>
            Add existing
          </button>
        </div>
      )}
    </div>
  );
}
