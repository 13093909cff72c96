// The Studio's own audio sources in the mixer: the microphone strip ('mic') and the desktop audio strip ('desktop'),
// opened, re-opened (another device, noise suppression switched: a getUserMedia constraint) and closed as the
// settings say, with the reason on the mixer's warnings when a source cannot be had. Other strips (a camera's
// sound, a layer's own audio) are added to the mixer directly by their owners.
import { openDesktopAudio, localDesktopAudioPlan, openMicrophone } from './capture.js';
import { microphoneFailure } from './desktop-audio.js';
import type { StripSettings } from './levels.js';
import type { AudioMixer } from './mixer.js';

export const MIC_STRIP = { id: 'mic', name: 'Microphone', kind: 'microphone' } as const;
export const DESKTOP_STRIP = { id: 'desktop', name: 'Desktop audio', kind: 'desktop' } as const;

export interface MicrophoneWish {
  enabled: boolean;
  deviceId: string | null;
  noiseSuppression: boolean;
}

const stop = (s: MediaStream | null | undefined) => s?.getTracks().forEach((t) => t.stop());

export class MixerSources {
  private mic: { stream: MediaStream; key: string } | null = null;
  private desktop: MediaStream | null = null;
  /** Bumped by every request, so an open that finishes after a newer request is dropped. */
  private micTurn = 0;
  private desktopTurn = 0;
  private disposed = false;

  constructor(private readonly mixer: AudioMixer) {}

  /** What the microphone strip is, as the page's track reports it (device label, noise suppression applied). */
  microphoneTrack(): MediaStreamTrack | null {
    return this.mic?.stream.getAudioTracks()[0] ?? null;
  }

  async microphone(wish: MicrophoneWish, strip: StripSettings): Promise<void> {
    const key = JSON.stringify([wish.deviceId, wish.noiseSuppression]);
    if (wish.enabled && this.mic?.key === key) return;
    const turn = ++this.micTurn;
    this.closeMic();
    if (!wish.enabled || this.disposed) return;
    try {
      const stream = await openMicrophone(wish.deviceId, wish.noiseSuppression);
      if (turn !== this.micTurn || this.disposed) return stop(stream);
      this.mic = { stream, key };
      this.mixer.addStrip(MIC_STRIP, stream, strip);
      this.mixer.setSourceUnavailable(MIC_STRIP.id, MIC_STRIP.name, null);
      stream.getAudioTracks()[0]?.addEventListener('ended', () => {
        if (this.mic?.stream === stream) this.mixer.setSourceUnavailable(MIC_STRIP.id, MIC_STRIP.name, 'it was unplugged or turned off.');
      });
    } catch (err) {
      if (turn === this.micTurn)
        this.mixer.setSourceUnavailable(MIC_STRIP.id, MIC_STRIP.name, microphoneFailure(err as Error, wish.deviceId !== null));
    }
  }

  async desktopAudio(on: boolean, strip: StripSettings): Promise<void> {
    if (on && this.desktop) return;
    const turn = ++this.desktopTurn;
    this.closeDesktop();
    if (!on || this.disposed) return;
    const lost = (reason: string) => {
      if (turn === this.desktopTurn) this.mixer.setDesktopUnavailable(reason);
    };
    try {
      const got = await openDesktopAudio(await localDesktopAudioPlan(), lost);
      if (turn !== this.desktopTurn || this.disposed) return got.ok ? stop(got.stream) : undefined;
      if (!got.ok) return this.mixer.setDesktopUnavailable(got.reason);
      this.desktop = got.stream;
      this.mixer.addStrip(DESKTOP_STRIP, got.stream, strip);
      this.mixer.setDesktopUnavailable(null);
    } catch (err) {
      lost(`it could not be opened (${(err as Error).message}).`);
    }
  }

  private closeMic(): void {
    stop(this.mic?.stream);
    this.mic = null;
    this.mixer.removeStrip(MIC_STRIP.id);
    this.mixer.setSourceUnavailable(MIC_STRIP.id, MIC_STRIP.name, null);
  }

  private closeDesktop(): void {
    stop(this.desktop);
    this.desktop = null;
    this.mixer.removeStrip(DESKTOP_STRIP.id);
    this.mixer.setDesktopUnavailable(null);
  }

  /** Closes both sources (their tracks stopped); the mixer itself stays. */
  dispose(): void {
    this.disposed = true;
    this.micTurn++;
    this.desktopTurn++;
    this.closeMic();
    this.closeDesktop();
  }
}
