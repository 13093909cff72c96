// The mixer's warnings in plain words: a microphone silent for 10 s, clipping, desktop audio unavailable and why.
// A pure state machine fed meter readings and availability, read as a list; the mixer feeds it, the UI shows it.

export type WarningCode = 'mic-silent' | 'clipping' | 'desktop-unavailable' | 'source-unavailable';

export interface MixerWarning {
  code: WarningCode;
  /** The strip it is about ('mix' for the mix itself). */
  stripId: string;
  message: string;
}

/** A microphone quieter than this (peak, dBFS) counts as silent. */
export const SILENT_BELOW_DB = -60;
/** For this long. */
export const SILENT_AFTER_SECONDS = 10;
/** A clip warning stays this long after the last clip. */
export const CLIP_WARNING_SECONDS = 3;

export type StripKind = 'microphone' | 'desktop' | 'camera' | 'layer' | 'other';

interface StripWatch {
  name: string;
  kind: StripKind;
  /** When the strip last had sound (or when watching began); null while muted (a muted mic is not "silent"). */
  lastSoundAt: number | null;
  lastClipAt: number | null;
}

export class MixerWarnings {
  private strips = new Map<string, StripWatch>();
  private mixClipAt: number | null = null;
  /** Sources that could not be opened: strip id -> the sentence to show. */
  private unavailable = new Map<string, string>();

  /** Starts watching a strip (again): its silence counts from `now`. */
  watch(id: string, name: string, kind: StripKind, now: number): void {
    this.strips.set(id, { name, kind, lastSoundAt: now, lastClipAt: null });
  }

  unwatch(id: string): void {
    this.strips.delete(id);
  }

  /** A strip was muted or its fader set to -inf (its silence is expected), or opened again (silence counts from now). */
  muted(id: string, muted: boolean, now: number): void {
    const s = this.strips.get(id);
    if (!s) return;
    if (muted) s.lastSoundAt = null;
    else if (s.lastSoundAt === null) s.lastSoundAt = now;
  }

  /**
   * A strip's meter reading (after its fader), or the mix's before the limiter ('mix'), at `now` seconds.
   */
  reading(id: string, peakDb: number, clip: boolean, now: number): void {
    if (id === 'mix') {
      if (clip) this.mixClipAt = now;
      return;
    }
    const s = this.strips.get(id);
    if (!s) return;
    if (s.lastSoundAt !== null && peakDb >= SILENT_BELOW_DB) s.lastSoundAt = now;
    if (clip) s.lastClipAt = now;
  }

  /** Desktop audio could not be had, and why (null once it works or is no longer wanted). */
  desktopUnavailable(reason: string | null): void {
    this.sourceUnavailable('desktop', 'Desktop audio', reason);
  }

  /** A source (`id`, called `name`) could not be opened, and why (null once it works or is no longer wanted). */
  sourceUnavailable(id: string, name: string, reason: string | null): void {
    if (reason) this.unavailable.set(id, `${name} is unavailable: ${reason}`);
    else this.unavailable.delete(id);
  }

  /** The warnings that hold at `now` seconds, in a stable order. */
  list(now: number): MixerWarning[] {
    const out: MixerWarning[] = [];
    for (const [id, message] of this.unavailable)
      out.push({ code: id === 'desktop' ? 'desktop-unavailable' : 'source-unavailable', stripId: id, message });
    for (const [id, s] of this.strips) {
      if (s.kind === 'microphone' && s.lastSoundAt !== null && now - s.lastSoundAt >= SILENT_AFTER_SECONDS) {
        const secs = Math.floor(now - s.lastSoundAt);
        out.push({
          code: 'mic-silent',
          stripId: id,
          message: `${s.name} has been silent for ${secs} s: check that it is plugged in, not muted on the device, and allowed in the system's privacy settings.`,
        });
      }
      if (s.lastClipAt !== null && now - s.lastClipAt < CLIP_WARNING_SECONDS) {
        out.push({ code: 'clipping', stripId: id, message: `${s.name} is clipping (over full scale): lower its fader, or its level at the source.` });
      }
    }
    if (this.mixClipAt !== null && now - this.mixClipAt < CLIP_WARNING_SECONDS) {
      out.push({
        code: 'clipping',
        stripId: 'mix',
        message: 'The mix is over full scale: the limiter holds it at -1 dBFS, which flattens the sound. Lower a fader.',
      });
    }
    return out;
  }
}
