// The mixer's AudioWorklet processors, in one module the mixer loads with audioWorklet.addModule:
//   onair-meter    peak and RMS per channel over METER_WINDOW_FRAMES (25 reports a second), clip held 1 s; with
//                  processorOptions.preFader, a second input (the strip before its fader) whose peak comes along
//   onair-limiter  the look-ahead limiter on the mix (limiter-dsp.ts), reporting its gain reduction
// Loaded through vite's `?worker&url`, so imports are bundled in a build and served as modules by the dev server.
import { LookaheadLimiter } from './limiter-dsp.js';
import { dbToGain, gainToDb, LIMITER_CEILING_DB, METER_WINDOW_FRAMES, MIX_CHANNELS } from './levels.js';
import { MeterAccumulator } from './meter-math.js';

// The AudioWorkletGlobalScope, which the DOM library does not describe.
declare const sampleRate: number;
declare function registerProcessor(name: string, processor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}

const SILENT_BLOCK = [new Float32Array(128)];

/** An input's block as the meters take it: stereo, and silence when nothing is connected (it has no channels then). */
function stereoBlock(input: Float32Array[] | undefined): Float32Array[] {
  const block = input?.length ? input : SILENT_BLOCK;
  return block.length === 1 ? [block[0], block[0]] : block;
}

class MeterProcessor extends AudioWorkletProcessor {
  private meter = new MeterAccumulator(MIX_CHANNELS, METER_WINDOW_FRAMES, sampleRate);
  /** The strip before its fader (input 1): fed the same blocks, so its window fills with the main one's. */
  private readonly preFader: MeterAccumulator | null;
  /** Until the mixer says 'stop' (its strip removed): a meter with no output would otherwise run for ever. */
  private running = true;

  constructor(options?: { processorOptions?: { preFader?: boolean } }) {
    super();
    this.preFader = options?.processorOptions?.preFader ? new MeterAccumulator(MIX_CHANNELS, METER_WINDOW_FRAMES, sampleRate) : null;
    this.port.onmessage = () => (this.running = false);
  }

  process(inputs: Float32Array[][]): boolean {
    if (!this.running) return false;
    const pre = this.preFader?.push(stereoBlock(inputs[1]));
    const reading = this.meter.push(stereoBlock(inputs[0]));
    if (reading) this.port.postMessage(pre ? { ...reading, inputPeakDb: pre.peakDb } : reading);
    return true;
  }
}

class LimiterProcessor extends AudioWorkletProcessor {
  private limiter = new LookaheadLimiter({ sampleRate, channels: MIX_CHANNELS, ceiling: dbToGain(LIMITER_CEILING_DB) });
  private frames = 0;

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0] ?? [];
    this.limiter.process(input.length === 1 ? [input[0], input[0]] : input, outputs[0]);
    this.frames += outputs[0][0]?.length ?? 0;
    if (this.frames >= METER_WINDOW_FRAMES) {
      this.frames = 0;
      this.port.postMessage({ reductionDb: -gainToDb(this.limiter.takeMinGain()) || 0 });
    }
    return true;
  }
}

registerProcessor('onair-meter', MeterProcessor);
registerProcessor('onair-limiter', LimiterProcessor);
