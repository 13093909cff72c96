// Strips for the sound of scene sources: a camera or capture card's audio input (OBS's "use custom audio device" of a
// video capture device: a capture card's sound is an input of its own in the browser, as on Linux and macOS), opened
// once per source however many layers show it, with the source's name on its strip. Follows a list of wishes (from the
// scenes: every camera source with a sound device) and opens, re-opens and closes to match; a device that cannot be
// opened or goes away is said on the mixer's warnings in plain words.
import { openMicrophone } from './capture.js';
import type { ScenesDoc } from '../scene/model.js';
import type { StripSettings } from './levels.js';
import type { StripKind } from './warnings.js';

/** What LayerAudio needs of the mixer (AudioMixer is one), so its pure parts load without the mixer's worklets. */
export interface StripHost {
  addStrip(info: { id: string; name: string; kind: StripKind }, source: MediaStream, settings: StripSettings): void;
  removeStrip(id: string): void;
  setSourceUnavailable(id: string, name: string, reason: string | null): void;
}

export interface LayerAudioWish {
  /** The strip's id: `source:` and the scene source's id (the mixer's settings are kept by it). */
  stripId: string;
  /** The source's name, on the strip and in warnings. */
  name: string;
  /** The audio input's deviceId. */
  deviceId: string;
}

/** The strip id of a scene source's sound. */
export const sourceStripId = (sourceId: string) => `source:${sourceId}`;
/** The scene source a strip is the sound of, or null for the mixer's own strips. */
export const sourceOfStrip = (stripId: string) => (stripId.startsWith('source:') ? stripId.slice('source:'.length) : null);

/** The sound strips the scenes want: each camera source with a sound device that some layer shows. */
export function layerAudioWishes(doc: ScenesDoc | null | undefined): LayerAudioWish[] {
  if (!doc) return [];
  const shown = new Set(doc.scenes.flatMap((s) => [...s.items.horizontal, ...s.items.vertical].map((i) => i.sourceId)));
  return Object.values(doc.sources).flatMap((src) =>
    src.settings.kind === 'camera' && src.settings.audioDeviceId && shown.has(src.id)
      ? [{ stripId: sourceStripId(src.id), name: src.name, deviceId: src.settings.audioDeviceId }]
      : [],
  );
}

interface Open {
  deviceId: string;
  name: string;
  stream: MediaStream | null;
  /** Bumped by every (re)open, so an open that finishes after a newer one (or a close) is dropped. */
  turn: number;
}

export class LayerAudio {
  private readonly open = new Map<string, Open>();
  private turns = 0;
  private disposed = false;

  constructor(
    private readonly mixer: StripHost,
    private readonly settingsOf: (stripId: string) => StripSettings,
  ) {}

  /** Makes the open strips match `wishes`. */
  follow(wishes: readonly LayerAudioWish[]): void {
    if (this.disposed) return;
    const wanted = new Map(wishes.map((w) => [w.stripId, w]));
    for (const [id, o] of this.open) {
      const w = wanted.get(id);
      if (!w || w.deviceId !== o.deviceId) this.close(id);
      else if (w.name !== o.name) {
        // A rename: the same stream, its strip under the new name.
        o.name = w.name;
        if (o.stream) this.mixer.addStrip({ id, name: w.name, kind: 'camera' }, o.stream, this.settingsOf(id));
      }
    }
    for (const w of wishes) if (!this.open.has(w.stripId)) void this.start(w);
  }

  dispose(): void {
    this.disposed = true;
    for (const id of [...this.open.keys()]) this.close(id);
  }

  private async start(w: LayerAudioWish): Promise<void> {
    const entry: Open = { deviceId: w.deviceId, name: w.name, stream: null, turn: ++this.turns };
    this.open.set(w.stripId, entry);
    const current = () => this.open.get(w.stripId) === entry && !this.disposed;
    try {
      // No processing: a capture card's sound is programme audio, not a voice.
      const stream = await openMicrophone(w.deviceId, false);
      if (!current()) return stream.getTracks().forEach((t) => t.stop());
      entry.stream = stream;
      this.mixer.addStrip({ id: w.stripId, name: entry.name, kind: 'camera' }, stream, this.settingsOf(w.stripId));
      this.mixer.setSourceUnavailable(w.stripId, entry.name, null);
      stream.getAudioTracks()[0]?.addEventListener('ended', () => {
        if (current()) this.mixer.setSourceUnavailable(w.stripId, entry.name, 'its sound device was unplugged or turned off.');
      });
    } catch (err) {
      if (current()) this.mixer.setSourceUnavailable(w.stripId, entry.name, soundDeviceFailure(err as Error));
    }
  }

  private close(id: string): void {
    const o = this.open.get(id);
    if (!o) return;
    this.open.delete(id);
    o.stream?.getTracks().forEach((t) => t.stop());
    this.mixer.removeStrip(id);
    this.mixer.setSourceUnavailable(id, o.name, null);
  }
}

/** Why a source's sound device could not be opened, in the words of the mixer's warnings ("<name>'s sound: …"). */
export function soundDeviceFailure(err: { name?: string; message?: string }): string {
  switch (err.name) {
    case 'NotAllowedError':
      return 'access to audio inputs was refused. Allow the microphone in the system privacy settings, then choose the device again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'its sound device was not found. Plug it in, or choose another under the layer.';
    case 'NotReadableError':
      return 'its sound device is in use by another program, or could not be started.';
    default:
      return `its sound device could not be opened (${err.message || err.name || 'unknown error'}).`;
  }
}
