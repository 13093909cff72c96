// The seams between the parts of the Studio's engine (renderer, no React inside): the compositor draws each canvas
// and hands every drawn frame to an encoder; the audio mixer hands its mix to the same encoder. Each part is built
// and tested on its own against these shapes; the Studio wires them.

/** The session clock: every video frame and audio block is stamped from it, so sound and picture stay together. */
export interface SessionClock {
  /** Microseconds since the session began (monotonic). */
  nowUs(): number;
}

/** A canvas the compositor draws: the horizontal program, or the vertical one. */
export interface CanvasSpec {
  id: 'horizontal' | 'vertical';
  width: number;
  height: number;
  fps: number;
}

/** Where the compositor puts each frame once drawn: an encoder, or nothing while offline. */
export interface FrameSink {
  frame(canvas: HTMLCanvasElement | OffscreenCanvas, timestampUs: number): void;
}

/** The audio mix (48 kHz stereo) as the mixer exposes it; the encoder connects to `node`. */
export interface AudioMixOutput {
  context: AudioContext;
  node: AudioNode;
}
