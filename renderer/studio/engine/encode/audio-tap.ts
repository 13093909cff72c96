// Takes the mixer's output (AudioMixOutput) into the encoder: an AudioWorklet (pcm-tap.worklet.js) hands over
// planar stereo blocks, each stamped on the session clock from its exact context frame. The context's clock and
// the session clock are tied once, when the tap starts (the context time being rendered is "now").
import type { AudioMixOutput, SessionClock } from '../types.js';

export interface PcmBlock {
  channels: Float32Array[];
  timestampUs: number;
}

/** Frames per block: one AAC frame, so the encoder gets work about 47 times a second. */
export const TAP_BLOCK_FRAMES = 1024;

export class AudioTap {
  private node?: AudioWorkletNode;
  private ctx0 = 0;
  private session0 = 0;

  private constructor(
    private readonly mix: AudioMixOutput,
    private readonly clock: SessionClock,
  ) {}

  static async start(mix: AudioMixOutput, clock: SessionClock, onBlock: (b: PcmBlock) => void): Promise<AudioTap> {
    const tap = new AudioTap(mix, clock);
    const ctx = mix.context;
    await ctx.audioWorklet.addModule(new URL('./pcm-tap.worklet.js', import.meta.url));
    const node = new AudioWorkletNode(ctx, 'onair-pcm-tap', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 2,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      processorOptions: { blockFrames: TAP_BLOCK_FRAMES, channels: 2 },
    });
    tap.ctx0 = ctx.currentTime;
    tap.session0 = clock.nowUs();
    node.port.onmessage = (e: MessageEvent<{ frame: number; channels: Float32Array[] }>) => {
      onBlock({ channels: e.data.channels, timestampUs: tap.sessionUsOf(e.data.frame / ctx.sampleRate) });
    };
    mix.node.connect(node);
    tap.node = node;
    return tap;
  }

  /** The session time (µs) of a context time (s). */
  sessionUsOf(contextTime: number): number {
    return Math.round(this.session0 + (contextTime - this.ctx0) * 1_000_000);
  }

  /** The context time (s) of a session time (µs): where to schedule a sound to land at that moment. */
  contextTimeOf(sessionUs: number): number {
    return this.ctx0 + (sessionUs - this.session0) / 1_000_000;
  }

  stop(): void {
    if (!this.node) return;
    this.mix.node.disconnect(this.node);
    this.node.port.onmessage = null;
    this.node.port.close();
    this.node = undefined;
  }
}
