// Every source opened once, however many layers (in however many scenes and canvases) show it: refcounted, as OBS
// shares one source between its scene items. The compositor syncs it with the scene model; a source nobody shows any
// more is closed (its camera light goes off), a source whose settings changed is reopened.
import type { ScenesDoc, Source, SourceSettings } from '../scene/model.js';
import type { Drawable } from './drawable.js';

export type OpenSource = (settings: SourceSettings) => Drawable;

/** What reopens a source when it changes: its picture's settings (a camera's sound is the mixer's, not the picture's). */
function pictureKey(settings: SourceSettings): string {
  if (settings.kind === 'camera') return JSON.stringify({ kind: settings.kind, deviceId: settings.deviceId });
  return JSON.stringify(settings);
}

interface Entry {
  key: string;
  refs: number;
  drawable: Drawable;
}

export class SourceRegistry {
  private readonly open = new Map<string, Entry>();
  /** How many times a source was opened in this registry's life (tests: "opened once"). */
  opens = 0;

  constructor(private readonly opener: OpenSource) {}

  /** One more user of the source; opens it on the first, reopens it when its settings changed. */
  acquire(source: Source): Drawable {
    const key = pictureKey(source.settings);
    const e = this.open.get(source.id);
    if (e && e.key === key) {
      e.refs++;
      return e.drawable;
    }
    e?.drawable.close();
    this.opens++;
    const fresh: Entry = { key, refs: (e?.refs ?? 0) + 1, drawable: this.opener(source.settings) };
    this.open.set(source.id, fresh);
    return fresh.drawable;
  }

  /** One user fewer; the last one closes it. */
  release(sourceId: string): void {
    const e = this.open.get(sourceId);
    if (!e) return;
    if (--e.refs > 0) return;
    e.drawable.close();
    this.open.delete(sourceId);
  }

  get(sourceId: string): Drawable | undefined {
    return this.open.get(sourceId)?.drawable;
  }

  /** Holds exactly one reference per layer of the document (every scene, every canvas). */
  sync(doc: ScenesDoc): void {
    const uses = new Map<string, number>();
    for (const s of doc.scenes)
      for (const it of [...s.items.horizontal, ...s.items.vertical]) uses.set(it.sourceId, (uses.get(it.sourceId) ?? 0) + 1);
    for (const [id, e] of [...this.open]) {
      const want = uses.get(id) ?? 0;
      const src = doc.sources[id];
      if (!src || want === 0) {
        e.drawable.close();
        this.open.delete(id);
      } else if (pictureKey(src.settings) !== e.key) {
        e.refs = 0;
        this.open.delete(id);
        e.drawable.close();
      }
    }
    for (const [id, want] of uses) {
      const src = doc.sources[id];
      if (!src) continue;
      const e = this.open.get(id);
      if (!e) {
        this.acquire(src);
        this.open.get(id)!.refs = want;
      } else e.refs = want;
    }
  }

  /** Ids of the open sources. */
  openIds(): string[] {
    return [...this.open.keys()];
  }

  closeAll(): void {
    for (const e of this.open.values()) e.drawable.close();
    this.open.clear();
  }
}
