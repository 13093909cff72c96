// The Studio's one audio mixer (engine/audio), made on first use and kept for the window's life: the Mixer panel
// shows it, and the encoder takes the mix from it (an AudioMixOutput: its `context` and `node`).
import { AudioMixer } from '../engine/audio/mixer.js';

let made: Promise<AudioMixer> | null = null;
let ready: AudioMixer | null = null;

export function studioMixer(): Promise<AudioMixer> {
  made ??= AudioMixer.create().then(
    (m) => (ready = m),
    (err: unknown) => {
      made = null; // a later call tries again
      throw err;
    },
  );
  return made;
}

/** The mixer once made, else null: the remote control's meters read it and must not make one (it has no strips then). */
export function madeStudioMixer(): AudioMixer | null {
  return ready;
}
