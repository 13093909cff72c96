// A sync test pattern for the engine: the picture changes colour each second with moving blocks around the edges
// (so the encoder has work to do), and a white flash in the centre and a 1 kHz beep mark the same moment each second. The
// tests check sound against picture with it; a person can too. It draws on a fixed frame grid of the session
// clock and hands each frame to a FrameSink, as the compositor does; the beeps are scheduled ahead on the audio
// clock through the engine's tap so they land on the flash frames.
import type { AudioMixOutput, FrameSink, SessionClock } from '../types.js';
import type { AudioTap } from './audio-tap.js';

export const PATTERN_COLOURS: readonly [number, number, number][] = [
  [200, 40, 40],
  [40, 170, 60],
  [50, 80, 210],
];
/** The flash covers frames FLASH_FRAME .. FLASH_FRAME + 2 of each second; the beep starts with the first. */
export const FLASH_FRAME = 15;

export interface SyncPattern {
  /** Where the canvas goes once the engine runs (frames drawn before are not sent). */
  attach(sink: FrameSink, tap: AudioTap | undefined): void;
  /** Session times (µs) of the first flash frame of each second, as stamped. */
  flashes: number[];
  /** Times (µs) the drawing loop came more than two frames late, and by how much: a busy machine's stalls. */
  stalls: { atUs: number; lateUs: number }[];
  mix: AudioMixOutput;
  stop(): Promise<void>;
}

export function startSyncPattern(clock: SessionClock, width: number, height: number, fps: number): SyncPattern {
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d')!;
  const context = new AudioContext({ sampleRate: 48_000 });
  void context.resume();
  const mix = context.createGain();
  const osc = context.createOscillator();
  osc.frequency.value = 1000;
  const beep = context.createGain();
  beep.gain.value = 0;
  osc.connect(beep).connect(mix);
  osc.start();

  const frameUs = 1_000_000 / fps;
  const flashes: number[] = [];
  const stalls: { atUs: number; lateUs: number }[] = [];
  let sink: FrameSink | undefined;
  let tap: AudioTap | undefined;
  let n = Math.ceil(clock.nowUs() / frameUs);
  let scheduledUpTo = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const draw = (second: number, inSecond: number) => {
    const [r, gr, b] = PATTERN_COLOURS[second % PATTERN_COLOURS.length]!;
    g.fillStyle = `rgb(${r},${gr},${b})`;
    g.fillRect(0, 0, width, height);
    // The top and bottom bands move; the centre stays the plain colour.
    const band = Math.round(height * 0.3);
    for (let i = 0; i < 480; i++) {
      const x = (i * 97 + n * (5 + (i % 7))) % width;
      const y = ((i * 53) % (band - 20)) + (i % 2 ? height - band : 0);
      g.fillStyle = `hsl(${(i * 37 + n * 7) % 360},70%,${30 + ((i * 13 + n) % 50)}%)`;
      g.fillRect(x, y, 20, 20);
    }
    // The flash: the centre goes white (not the whole picture, which encoders treat as a scene cut).
    if (inSecond >= FLASH_FRAME && inSecond < FLASH_FRAME + 3) {
      g.fillStyle = '#fff';
      g.fillRect(width / 4, band, width / 2, height - 2 * band);
    }
  };

  /** Frames a late tick draws to catch up (beyond that, frames are skipped: a stalled page must not spiral). */
  const CATCH_UP = 4;

  const drawFrame = () => {
    const second = Math.floor(n / fps);
    const inSecond = n % fps;
    draw(second, inSecond);
    // Stamped with the time it was drawn for (its place on the grid), as a compositor with a frame clock does: a
    // stalled page sends it late, but picture and sound still belong together.
    const stamp = Math.round(n * frameUs);
    if (sink) {
      if (inSecond === FLASH_FRAME) flashes.push(stamp);
      sink.frame(canvas, stamp);
    }
    if (tap) {
      for (let s = Math.max(scheduledUpTo, second + 1); s <= second + 2; s++) {
        const at = tap.contextTimeOf((s * fps + FLASH_FRAME) * frameUs);
        beep.gain.setValueAtTime(0.8, at);
        beep.gain.setValueAtTime(0, at + 0.1);
        scheduledUpTo = s + 1;
      }
    }
    n++;
  };

  const tick = () => {
    const now = clock.nowUs();
    if (sink && now - n * frameUs > 2 * frameUs && stalls.length < 1000) stalls.push({ atUs: now, lateUs: Math.round(now - n * frameUs) });
    while ((n + CATCH_UP) * frameUs <= now) n++;
    do drawFrame();
    while (n * frameUs <= now);
    // Yield every tick (a timer, not a busy loop): the page stays responsive and the encoder gets the CPU.
    timer = setTimeout(tick, Math.max(0, n * frameUs - clock.nowUs()) / 1000);
  };
  tick();

  return {
    attach(s, t) {
      sink = s;
      tap = t;
    },
    flashes,
    stalls,
    mix: { context, node: mix },
    async stop() {
      clearTimeout(timer);
      sink = undefined;
      osc.stop();
      await context.close();
    },
  };
}
