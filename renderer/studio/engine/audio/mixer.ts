// The Studio's audio mixer: one AudioContext at 48 kHz, a strip per source and the mix.
//
//   source -> upmix to stereo -> delay (sync offset) -> fader (dB) -> mute -> meter (and its input peak from delay)
//                                                                         \-> bus -> limiter (-1 dBFS) -> output -> meter
//                                                                             \-> meter (before the limiter: clip warning)
//
// `context` and `node` (the limiter's output) are the AudioMixOutput the encoder connects to. Nothing is connected
// to the speakers: a microphone played back would feed back. Meters report through onMeter about 25 times a second.
import type { AudioMixOutput } from '../types.js';
import { clampGainDb, clampOffsetMs, dbToGain, DEFAULT_STRIP, MIX_CHANNELS, MIX_SAMPLE_RATE, type StripSettings } from './levels.js';
import type { MeterReading } from './meter-math.js';
import workletUrl from './mix-worklets.ts?worker&url';
import { delaysFor, MAX_DELAY_SECONDS } from './sync-offsets.js';
import { MixerWarnings, type MixerWarning, type StripKind } from './warnings.js';

export interface StripInfo {
  id: string;
  name: string;
  kind: StripKind;
}

/** Meters: a strip's id, or MIX_METER (the output, after the limiter). */
export const MIX_METER = 'mix';
const MIX_IN_METER = 'mix-in';

type MeterListener = (reading: MeterReading) => void;

interface Strip {
  info: StripInfo;
  settings: StripSettings;
  source: AudioNode;
  ownsSource: boolean;
  nodes: AudioNode[];
  delay: DelayNode;
  fader: GainNode;
  mute: GainNode;
}

/** Gain changes glide over this long, so a fader move or a mute does not click. */
const RAMP_SECONDS = 0.01;

function stereo(ctx: BaseAudioContext, gain = 1): GainNode {
  return new GainNode(ctx, { gain, channelCount: MIX_CHANNELS, channelCountMode: 'explicit', channelInterpretation: 'speakers' });
}

function rampTo(param: AudioParam, value: number, ctx: BaseAudioContext): void {
  const t = ctx.currentTime;
  param.cancelScheduledValues(t);
  param.setValueAtTime(param.value, t);
  param.linearRampToValueAtTime(value, t + RAMP_SECONDS);
}

export class AudioMixer implements AudioMixOutput {
  readonly node: AudioNode;
  private readonly strips = new Map<string, Strip>();
  private readonly listeners = new Map<string, Set<MeterListener>>();
  private readonly latestReadings = new Map<string, MeterReading>();
  private readonly warnings = new MixerWarnings();
  private readonly bus: GainNode;
  private limiterReductionDb = 0;
  private closed = false;

  /** Loads the worklets into `context` (a new 48 kHz one by default) and builds the mix. */
  static async create(context: AudioContext = new AudioContext({ sampleRate: MIX_SAMPLE_RATE, latencyHint: 'interactive' })): Promise<AudioMixer> {
    if (context.sampleRate !== MIX_SAMPLE_RATE) throw new Error(`the mixer runs at ${MIX_SAMPLE_RATE} Hz, not ${context.sampleRate} Hz`);
    await context.audioWorklet.addModule(workletUrl);
    return new AudioMixer(context);
  }

  private constructor(readonly context: AudioContext) {
    this.bus = stereo(context);
    const limiter = new AudioWorkletNode(context, 'onair-limiter', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [MIX_CHANNELS],
      channelCount: MIX_CHANNELS,
      channelCountMode: 'explicit',
    });
    limiter.port.onmessage = (e: MessageEvent<{ reductionDb: number }>) => (this.limiterReductionDb = e.data.reductionDb);
    const output = stereo(context);
    this.bus.connect(limiter).connect(output);
    this.bus.connect(this.meter(MIX_IN_METER));
    output.connect(this.meter(MIX_METER));
    this.node = output;
  }

  /**
   * A meter node reporting under `id`. Meters have no output: Chromium pulls them (and what feeds them) anyway.
   * A strip's meter also takes the strip before its fader on input 1 (`preFader`), for OBS's input peak.
   */
  private meter(id: string, preFader = false): AudioWorkletNode {
    const node = new AudioWorkletNode(this.context, 'onair-meter', {
      numberOfInputs: preFader ? 2 : 1,
      numberOfOutputs: 0,
      channelCount: MIX_CHANNELS,
      channelCountMode: 'explicit',
      processorOptions: { preFader },
    });
    node.port.onmessage = (e: MessageEvent<MeterReading>) => this.report(id, e.data);
    return node;
  }

  private report(id: string, reading: MeterReading): void {
    const now = performance.now() / 1000;
    if (id === MIX_IN_METER) return this.warnings.reading('mix', Math.max(...reading.peakDb), reading.clip, now);
    this.latestReadings.set(id, reading);
    if (id !== MIX_METER) this.warnings.reading(id, Math.max(...reading.peakDb), reading.clip, now);
    for (const l of this.listeners.get(id) ?? []) l(reading);
  }

  /**
   * Adds a strip for a source: a MediaStream (a microphone, desktop audio, a camera's sound; its tracks are not
   * stopped by the mixer) or any AudioNode of this context (a layer's own audio). Replaces a strip with the same id.
   */
  addStrip(info: StripInfo, source: MediaStream | AudioNode, settings: StripSettings = DEFAULT_STRIP): void {
    if (this.closed) throw new Error('the mixer is closed');
    if (source instanceof AudioNode && source.context !== this.context) throw new Error(`${info.name}: the node belongs to another AudioContext`);
    this.removeStrip(info.id);
    const ctx = this.context;
    const node = source instanceof MediaStream ? new MediaStreamAudioSourceNode(ctx, { mediaStream: source }) : source;
    const upmix = stereo(ctx);
    const delay = new DelayNode(ctx, { maxDelayTime: MAX_DELAY_SECONDS, channelCount: MIX_CHANNELS, channelCountMode: 'explicit' });
    // Start at the strip's settings: a strip added muted lets nothing through, not even a 10 ms glide.
    const fader = stereo(ctx, dbToGain(clampGainDb(settings.gainDb)));
    const mute = stereo(ctx, settings.muted ? 0 : 1);
    const meter = this.meter(info.id, true);
    node.connect(upmix).connect(delay).connect(fader).connect(mute);
    mute.connect(meter);
    delay.connect(meter, 0, 1);
    mute.connect(this.bus);
    const strip: Strip = {
      info,
      settings: { ...DEFAULT_STRIP },
      source: node,
      ownsSource: node !== source,
      nodes: [upmix, delay, fader, mute, meter],
      delay,
      fader,
      mute,
    };
    this.strips.set(info.id, strip);
    this.warnings.watch(info.id, info.name, info.kind, performance.now() / 1000);
    this.update(info.id, settings);
    this.applyOffsets();
  }

  removeStrip(id: string): void {
    const s = this.strips.get(id);
    if (!s) return;
    if (s.ownsSource) s.source.disconnect();
    else s.source.disconnect(s.nodes[0]);
    for (const n of s.nodes) {
      n.disconnect();
      if (n instanceof AudioWorkletNode) {
        n.port.onmessage = null;
        n.port.postMessage('stop');
      }
    }
    this.strips.delete(id);
    this.latestReadings.delete(id);
    this.warnings.unwatch(id);
    this.applyOffsets();
  }

  /** Changes a strip's fader, mute or offset (values outside the ranges are brought inside). */
  update(id: string, patch: Partial<StripSettings>): void {
    const s = this.strips.get(id);
    if (!s) throw new Error(`no strip "${id}"`);
    const next: StripSettings = {
      gainDb: clampGainDb(patch.gainDb ?? s.settings.gainDb),
      muted: patch.muted ?? s.settings.muted,
      offsetMs: clampOffsetMs(patch.offsetMs ?? s.settings.offsetMs),
    };
    const prev = s.settings;
    s.settings = next;
    rampTo(s.fader.gain, dbToGain(next.gainDb), this.context);
    rampTo(s.mute.gain, next.muted ? 0 : 1, this.context);
    this.warnings.muted(id, next.muted || next.gainDb === -Infinity, performance.now() / 1000);
    if (next.offsetMs !== prev.offsetMs) this.applyOffsets();
  }

  private applyOffsets(): void {
    const delays = delaysFor(new Map([...this.strips].map(([id, s]) => [id, s.settings.offsetMs])));
    for (const [id, seconds] of delays) this.strips.get(id)!.delay.delayTime.setValueAtTime(seconds, this.context.currentTime);
  }

  settings(id: string): StripSettings | undefined {
    const s = this.strips.get(id);
    return s && { ...s.settings };
  }

  stripIds(): string[] {
    return [...this.strips.keys()];
  }

  /** A strip's id, name and kind (for the panel to name strips other parts added). */
  info(id: string): StripInfo | undefined {
    return this.strips.get(id)?.info;
  }

  /** Every meter reading of a strip (or MIX_METER) as it comes; returns the unsubscribe. */
  onMeter(id: string, listener: MeterListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  latest(id: string): MeterReading | undefined {
    return this.latestReadings.get(id);
  }

  /** How much the limiter is turning the mix down right now, in dB (0 = not at all). */
  get limiterReduction(): number {
    return this.limiterReductionDb;
  }

  /** Desktop audio could not be had, and why (null when it works or is not wanted). */
  setDesktopUnavailable(reason: string | null): void {
    this.warnings.desktopUnavailable(reason);
  }

  /** A source could not be opened, and why (null when it works again or is not wanted). */
  setSourceUnavailable(id: string, name: string, reason: string | null): void {
    this.warnings.sourceUnavailable(id, name, reason);
  }

  currentWarnings(): MixerWarning[] {
    return this.warnings.list(performance.now() / 1000);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.strips.keys()]) this.removeStrip(id);
    this.listeners.clear();
    await this.context.close();
  }
}
