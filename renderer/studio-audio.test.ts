// The Studio mixer's pure parts (renderer/studio/engine/audio): levels in dB, the meter's arithmetic, the look-ahead
// limiter, sync offsets, the warnings and the desktop-audio plan per system.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  desktopAudioPlan,
  endedAtOnceReason,
  findMonitorDevice,
  microphoneFailure,
  noMonitorReason,
  platformOf,
  versionAtLeast,
} from './studio/engine/audio/desktop-audio.js';
import { clampGainDb, clampOffsetMs, dbToGain, formatDb, gainToDb, LIMITER_CEILING_DB, METER_WINDOW_FRAMES } from './studio/engine/audio/levels.js';
import { layerAudioWishes, soundDeviceFailure, sourceOfStrip } from './studio/engine/audio/layer-audio.js';
import { LookaheadLimiter } from './studio/engine/audio/limiter-dsp.js';
import { SCENES_VERSION, type ScenesDoc } from './studio/engine/scene/model.js';
import { MeterAccumulator } from './studio/engine/audio/meter-math.js';
import { delaysFor } from './studio/engine/audio/sync-offsets.js';
import { MixerWarnings } from './studio/engine/audio/warnings.js';
import { DEFAULT_MIXER_SETTINGS, mixerSettingsFrom } from './studio/src/mixer-settings.js';

const RATE = 48_000;
const sine = (frames: number, amp: number, freq = 1000, rate = RATE, phase = 0) =>
  Float32Array.from({ length: frames }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate + phase));
const blocks = (data: Float32Array, size = 128) =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, k) => data.subarray(k * size, (k + 1) * size));
const near = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} not within ${tol} of ${expected}`);

describe('levels', () => {
  it('converts dB and linear both ways, silence being -inf', () => {
    near(dbToGain(-6), 0.501, 0.001, '-6 dB');
    assert.equal(dbToGain(-Infinity), 0);
    near(gainToDb(0.5), -6.02, 0.01, 'half');
    assert.equal(gainToDb(0), -Infinity);
    assert.equal(gainToDb(1e-9), -Infinity, 'under the meter floor');
    near(gainToDb(dbToGain(13.5)), 13.5, 1e-9, 'round trip');
  });
  it('keeps faders and offsets in range, and says bad input plainly', () => {
    assert.equal(clampGainDb(30), 20);
    assert.equal(clampGainDb(-60), -Infinity);
    assert.equal(clampGainDb(-Infinity), -Infinity);
    assert.equal(clampGainDb(-12.5), -12.5);
    assert.throws(() => clampGainDb(NaN), /gain must be a number/);
    assert.equal(clampOffsetMs(900), 500);
    assert.equal(clampOffsetMs(-700.4), -500);
    assert.equal(clampOffsetMs(12.6), 13);
    assert.throws(() => clampOffsetMs(Infinity), /sync offset/);
    assert.equal(formatDb(-Infinity), '-inf');
    assert.equal(formatDb(6), '+6.0 dB');
  });
});

describe('MeterAccumulator', () => {
  it('reads a sine: peak at its amplitude, RMS 3.01 dB under, per channel, once per window', () => {
    const m = new MeterAccumulator(2, METER_WINDOW_FRAMES, RATE);
    const left = sine(METER_WINDOW_FRAMES * 2, 0.5);
    const right = sine(METER_WINDOW_FRAMES * 2, 0.125);
    const readings = blocks(left)
      .map((b, k) => m.push([b, blocks(right)[k]]))
      .filter((r) => r !== null);
    assert.equal(readings.length, 2, 'one reading per 40 ms window');
    near(readings[0].peakDb[0], -6.02, 0.01, 'left peak');
    near(readings[0].rmsDb[0], -9.03, 0.01, 'left RMS');
    near(readings[0].peakDb[1], -18.06, 0.01, 'right peak');
    near(readings[0].rmsDb[1], -21.07, 0.01, 'right RMS');
    assert.equal(readings[0].clip, false);
  });
  it('reports at least 20 times a second', () => assert.ok(RATE / METER_WINDOW_FRAMES >= 20));
  it('reads silence (and a missing channel) as -inf', () => {
    const m = new MeterAccumulator(2, 256, RATE);
    m.push([new Float32Array(128)]);
    const r = m.push([new Float32Array(128)]);
    assert.deepEqual(r, { peakDb: [-Infinity, -Infinity], rmsDb: [-Infinity, -Infinity], clip: false });
  });
  it('holds the clip light for 1 s after the last clipped sample, then lets it go', () => {
    const m = new MeterAccumulator(1, 128, RATE);
    const loud = Float32Array.from({ length: 128 }, (_, i) => (i === 5 ? 1 : 0));
    assert.equal(m.push([loud])?.clip, true);
    const quiet = new Float32Array(128);
    let lastLit = 0;
    for (let k = 1; k <= 400; k++) if (m.push([quiet])?.clip) lastLit = k;
    near((lastLit * 128) / RATE, 1, (2 * 128) / RATE, 'held for 1 s (to a block)');
  });
});

describe('LookaheadLimiter', () => {
  const ceiling = dbToGain(LIMITER_CEILING_DB);
  const run = (signal: Float32Array, lim = new LookaheadLimiter({ sampleRate: RATE, channels: 2, ceiling })) => {
    const out = new Float32Array(signal.length);
    for (const b of blocks(signal)) {
      const o = [new Float32Array(b.length), new Float32Array(b.length)];
      lim.process([b, b], o);
      out.set(o[0], b.byteOffset / 4);
    }
    return { out, lim };
  };
  it('keeps a tone boosted 12 dB over full scale under -1 dBFS, from the first sample', () => {
    const { out } = run(sine(RATE, dbToGain(12)));
    const peak = out.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    assert.ok(gainToDb(peak) <= LIMITER_CEILING_DB + 1e-4, `peak ${gainToDb(peak)} dBFS`);
    // Not crushed either: after the attack the tone sits at the ceiling.
    const tailPeak = out.subarray(RATE / 2).reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    near(gainToDb(tailPeak), LIMITER_CEILING_DB, 0.1, 'tone at the ceiling');
  });
  it('passes a quiet signal untouched, delayed by the look-ahead', () => {
    const input = sine(4800, 0.25, 440);
    const { out, lim } = run(input);
    assert.equal(lim.delayFrames, 240, '5 ms at 48 kHz');
    for (let i = 0; i < 4800 - lim.delayFrames; i += 37) near(out[i + lim.delayFrames], input[i], 1e-6, `sample ${i}`);
  });
  it('holds the ceiling on a single spike and recovers after it', () => {
    const input = new Float32Array(RATE).fill(0.1);
    input[10_000] = 4;
    const { out, lim } = run(input);
    assert.ok(out.every((v) => Math.abs(v) <= ceiling + 1e-6));
    near(out[10_000 + lim.delayFrames], ceiling, 1e-5, 'the spike at the ceiling');
    near(out[RATE - 1], 0.1, 1e-3, 'gain back to 1 after the release');
  });
  it('refuses a ceiling that is no level', () => assert.throws(() => new LookaheadLimiter({ sampleRate: RATE, channels: 2, ceiling: 0 }), /ceiling/));
});

describe('sync offsets', () => {
  it('delays a strip with a positive offset, and every other strip for a negative one', () => {
    assert.deepEqual(
      Object.fromEntries(
        delaysFor(
          new Map([
            ['mic', 120],
            ['desk', 0],
          ]),
        ),
      ),
      { mic: 0.12, desk: 0 },
    );
    assert.deepEqual(
      Object.fromEntries(
        delaysFor(
          new Map([
            ['cam', -200],
            ['mic', 0],
            ['desk', 100],
          ]),
        ),
      ),
      { cam: 0, mic: 0.2, desk: 0.3 },
    );
    assert.deepEqual(
      Object.fromEntries(
        delaysFor(
          new Map([
            ['a', -500],
            ['b', 500],
          ]),
        ),
      ),
      { a: 0, b: 1 },
    );
    assert.deepEqual(Object.fromEntries(delaysFor(new Map())), {});
  });
});

describe('MixerWarnings', () => {
  it('says a microphone has been silent once it is for 10 s, not while muted, and forgets it when sound comes', () => {
    const w = new MixerWarnings();
    w.watch('mic', 'Microphone', 'microphone', 0);
    w.watch('desk', 'Desktop audio', 'desktop', 0);
    for (let t = 0; t < 9.9; t += 0.04) w.reading('mic', -80, false, t);
    assert.deepEqual(w.list(9.9), []);
    assert.deepEqual(
      w.list(10).map((x) => [x.code, x.stripId]),
      [['mic-silent', 'mic']],
      'desktop audio may be silent',
    );
    assert.match(w.list(12).find((x) => x.code === 'mic-silent')!.message, /Microphone has been silent for 12 s/);
    w.muted('mic', true, 12);
    assert.deepEqual(w.list(30), [], 'muted on purpose');
    w.muted('mic', false, 30);
    w.muted('mic', false, 35);
    assert.equal(w.list(39.9).length, 0, 'silence counts from the unmute, once');
    w.reading('mic', -20, false, 39.95);
    assert.equal(w.list(45).length, 0);
  });
  it('warns of clipping on a strip and on the mix for 3 s', () => {
    const w = new MixerWarnings();
    w.watch('desk', 'Desktop audio', 'desktop', 0);
    w.reading('desk', 0, true, 1);
    w.reading('mix', 0, true, 2);
    assert.deepEqual(
      w.list(2).map((x) => [x.code, x.stripId]),
      [
        ['clipping', 'desk'],
        ['clipping', 'mix'],
      ],
    );
    assert.match(w.list(2)[1].message, /limiter holds it at -1 dBFS/);
    assert.deepEqual(
      w.list(4.5).map((x) => x.stripId),
      ['mix'],
    );
    assert.deepEqual(w.list(5), []);
  });
  it('says why a microphone could not be opened', () => {
    const w = new MixerWarnings();
    w.sourceUnavailable('mic', 'Microphone', microphoneFailure({ name: 'NotAllowedError' }));
    assert.deepEqual(
      w.list(0).map((x) => x.code),
      ['source-unavailable'],
    );
    assert.match(w.list(0)[0].message, /^Microphone is unavailable: access to the microphone was refused/);
    assert.match(microphoneFailure({ name: 'NotFoundError' }), /the chosen microphone was not found/);
    assert.match(microphoneFailure({ name: 'NotFoundError' }, false), /^no microphone was found/);
    assert.match(microphoneFailure({ name: 'NotReadableError' }), /in use by another program/);
    assert.match(microphoneFailure({ message: 'boom' }), /could not be opened \(boom\)/);
    w.sourceUnavailable('mic', 'Microphone', null);
    assert.deepEqual(w.list(0), []);
  });
  it('says why desktop audio is unavailable until it is not', () => {
    const w = new MixerWarnings();
    w.desktopUnavailable('no monitor.');
    assert.deepEqual(w.list(0), [{ code: 'desktop-unavailable', stripId: 'desktop', message: 'Desktop audio is unavailable: no monitor.' }]);
    w.desktopUnavailable(null);
    assert.deepEqual(w.list(0), []);
  });
});

describe('desktop audio per system', () => {
  it('plans loopback on Windows, system audio on macOS 14.2+, the monitor on Linux', () => {
    assert.deepEqual(desktopAudioPlan(platformOf('Windows')), { method: 'display-media', platform: 'windows' });
    assert.deepEqual(desktopAudioPlan(platformOf('macOS'), '14.2.0'), { method: 'display-media', platform: 'macos' });
    assert.deepEqual(desktopAudioPlan(platformOf('MacIntel'), '15'), { method: 'display-media', platform: 'macos' });
    const old = desktopAudioPlan('macos', '14.1.2');
    assert.equal(old.method, 'unavailable');
    assert.match(old.method === 'unavailable' ? old.reason : '', /before macOS 14\.2.*BlackHole/);
    assert.deepEqual(desktopAudioPlan(platformOf('Linux x86_64')), { method: 'monitor-device' });
    assert.equal(desktopAudioPlan(platformOf('Android')).method, 'unavailable');
  });
  it('compares versions by number', () => {
    assert.ok(versionAtLeast('14.10', '14.2'));
    assert.ok(!versionAtLeast('14.1.9', '14.2'));
    assert.ok(versionAtLeast('14.2', '14.2.0'));
  });
  it('finds the PulseAudio/PipeWire monitor by its label, and says why when there is none', () => {
    const inputs = [
      { deviceId: 'a', label: 'Built-in Audio Analog Stereo' },
      { deviceId: 'b', label: 'Monitor of Built-in Audio Analog Stereo' },
    ];
    assert.equal(findMonitorDevice(inputs)?.deviceId, 'b');
    assert.equal(findMonitorDevice(inputs.slice(0, 1)), null);
    assert.match(noMonitorReason(inputs.slice(0, 1)), /no PulseAudio\/PipeWire monitor/);
    assert.match(noMonitorReason([{ deviceId: 'x', label: '' }]), /microphone access is needed/);
  });
  it('reads a track that ends at once on macOS as refused permission', () => {
    assert.match(endedAtOnceReason('macos'), /refused permission.*Privacy & Security/);
  });
});

describe('saved mixer settings', () => {
  it('reads back what was saved', () => {
    const saved = {
      strips: { mic: { gainDb: -6, muted: true, offsetMs: 120 } },
      microphone: { enabled: false, deviceId: 'abc', noiseSuppression: false },
      desktopAudio: true,
    };
    assert.deepEqual(mixerSettingsFrom(JSON.parse(JSON.stringify(saved))), saved);
  });
  it('makes bad or missing values the defaults, and brings numbers into range', () => {
    assert.deepEqual(mixerSettingsFrom(null), DEFAULT_MIXER_SETTINGS);
    assert.deepEqual(mixerSettingsFrom('nonsense'), DEFAULT_MIXER_SETTINGS);
    const got = mixerSettingsFrom({
      strips: { mic: { gainDb: 99, muted: 'yes', offsetMs: -9000 }, desktop: { gainDb: null }, cam: 5 },
      microphone: { enabled: 'no', deviceId: 42 },
      desktopAudio: 1,
    });
    assert.deepEqual(got.strips, {
      mic: { gainDb: 20, muted: false, offsetMs: -500 },
      desktop: { gainDb: 0, muted: false, offsetMs: 0 },
      cam: { gainDb: 0, muted: false, offsetMs: 0 },
    });
    assert.deepEqual(got.microphone, DEFAULT_MIXER_SETTINGS.microphone);
    assert.equal(got.desktopAudio, false);
    assert.equal(mixerSettingsFrom({ strips: { mic: { gainDb: -Infinity } } }).strips.mic.gainDb, -60, "off is kept as the fader's bottom");
  });
});

describe("a scene source's own sound", () => {
  it('is wanted for each camera with a sound device that a layer shows, by the source id and name', () => {
    const item = (id: string, sourceId: string) => ({
      id,
      sourceId,
      x: 0,
      y: 0,
      w: 10,
      h: 10,
      crop: { top: 0, bottom: 0, left: 0, right: 0 },
      opacity: 1,
      visible: true,
      locked: false,
    });
    const doc: ScenesDoc = {
      version: SCENES_VERSION,
      canvases: [],
      sources: {
        card: { id: 'card', name: 'Capture card', settings: { kind: 'camera' as const, deviceId: 'v1', audioDeviceId: 'a1' } },
        cam: { id: 'cam', name: 'Webcam', settings: { kind: 'camera' as const, deviceId: 'v2' } },
        unused: { id: 'unused', name: 'Spare card', settings: { kind: 'camera' as const, audioDeviceId: 'a2' } },
      },
      scenes: [{ id: 's', name: 'S', items: { horizontal: [item('1', 'cam')], vertical: [item('2', 'card')] } }],
      program: 's',
    };
    assert.deepEqual(layerAudioWishes(doc), [{ stripId: 'source:card', name: 'Capture card', deviceId: 'a1' }]);
    assert.equal(sourceOfStrip('source:card'), 'card');
    assert.equal(sourceOfStrip('mic'), null);
    assert.deepEqual(layerAudioWishes(null), []);
    assert.match(soundDeviceFailure({ name: 'NotFoundError' }), /sound device was not found/);
    assert.match(soundDeviceFailure({ name: 'NotReadableError' }), /in use by another program/);
  });
});
