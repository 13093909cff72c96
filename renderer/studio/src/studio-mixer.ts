// The Studio's one audio mixer (engine/audio), made on first use and kept for the window's life: the Mixer panel
// shows it, and the encoder takes the mix from it (an AudioMixOutput: its `context` and `node`).
import { AudioMixer } from '../engine/audio/mixer.js';

let made: Promise<AudioMixer> | null = null;

export function studioMixer(): Promise<AudioMixer> {
  made ??= AudioMixer.create().catch((err: unknown) => {
    made = null; // a later call tries again
    throw err;
  });
  return made;
}
