// The audio mixer panel: a strip per source (name, meter with peak, RMS and clip light, fader in dB, mute, sync
// offset; the microphone's device and noise suppression; desktop audio on or off), the mix's meter after the
// limiter, and the mixer's warnings in plain words. Settings live in the mixer store; the engine follows them.
// Meters are drawn straight into the DOM from the worklet's reports (25 a second), never through React state.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { formatDb, GAIN_MAX_DB, GAIN_OFF_DB, OFFSET_MAX_MS } from '../engine/audio/levels.js';
import { MIX_METER, type AudioMixer } from '../engine/audio/mixer.js';
import { LayerAudio, layerAudioWishes } from '../engine/audio/layer-audio.js';
import { DESKTOP_STRIP, MIC_STRIP, MixerSources } from '../engine/audio/sources.js';
import type { MixerWarning } from '../engine/audio/warnings.js';
import { useMixer } from './mixer-store.js';
import { useScenes } from './scenes/store.js';
import { studioMixer } from './studio-mixer.js';
import './Mixer.css';

/** The meter's scale: -60 dBFS at the left end, 0 dBFS at the right. */
const METER_FLOOR = -60;
const fraction = (db: number) => Math.max(0, Math.min(1, (db - METER_FLOOR) / -METER_FLOOR));
/** Warnings and the strip list are read this often (the meters have their own, faster path). */
const POLL_MS = 500;

export function Mixer() {
  const [mixer, setMixer] = useState<AudioMixer | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [sources, setSources] = useState<MixerSources | null>(null);
  const [warnings, setWarnings] = useState<MixerWarning[]>([]);
  const [stripIds, setStripIds] = useState<string[]>([]);
  const [suspended, setSuspended] = useState(false);
  /** The limiter's gain reduction, to the half dB (so it re-renders only when it moves). */
  const [limiting, setLimiting] = useState(0);
  const settings = useMixer();

  useEffect(() => {
    let live = true;
    let own: MixerSources | null = null;
    studioMixer().then(
      (m) => {
        if (!live) return;
        own = new MixerSources(m);
        setMixer(m);
        setSources(own);
      },
      (err: Error) => live && setFailure(`The audio mixer could not start: ${err.message}`),
    );
    return () => {
      live = false;
      own?.dispose();
    };
  }, []);

  // The engine follows the settings: sources opened or closed, then every strip's fader, mute and offset.
  const { microphone, desktopAudio, strips } = settings;
  useEffect(() => {
    if (sources) void sources.microphone(microphone, useMixer.getState().strip(MIC_STRIP.id));
  }, [sources, microphone]);
  useEffect(() => {
    if (sources) void sources.desktopAudio(desktopAudio, useMixer.getState().strip(DESKTOP_STRIP.id));
  }, [sources, desktopAudio]);
  useEffect(() => {
    if (!mixer) return;
    for (const id of mixer.stripIds()) mixer.update(id, useMixer.getState().strip(id));
  }, [mixer, strips, stripIds]);

  // The scenes' sources with a sound of their own (a capture card's): a strip each, while a layer shows the source.
  const [layerAudio, setLayerAudio] = useState<LayerAudio | null>(null);
  useEffect(() => {
    if (!mixer) return;
    const own = new LayerAudio(mixer, (id) => useMixer.getState().strip(id));
    setLayerAudio(own);
    return () => own.dispose();
  }, [mixer]);
  const doc = useScenes((st) => st.history?.present);
  const wishes = JSON.stringify(layerAudioWishes(doc));
  useEffect(() => {
    layerAudio?.follow(JSON.parse(wishes) as ReturnType<typeof layerAudioWishes>);
  }, [layerAudio, wishes]);

  useEffect(() => {
    if (!mixer) return;
    const poll = () => {
      setWarnings((prev) => {
        const next = mixer.currentWarnings();
        return JSON.stringify(next) === JSON.stringify(prev) ? prev : next;
      });
      setStripIds((prev) => {
        const next = mixer.stripIds();
        return next.join('\n') === prev.join('\n') ? prev : next;
      });
      setSuspended(mixer.context.state === 'suspended');
      setLimiting(Math.round(mixer.limiterReduction * 2) / 2);
    };
    poll();
    const t = setInterval(poll, POLL_MS);
    return () => clearInterval(t);
  }, [mixer]);

  const others = stripIds.filter((id) => id !== MIC_STRIP.id && id !== DESKTOP_STRIP.id);
  return (
    <section className="mixer" aria-label="Audio mixer" data-testid="mixer">
      <h2 className="mixer__title">Audio mixer</h2>
      {failure && (
        <p className="studio__error" role="alert">
          {failure}
        </p>
      )}
      {suspended && mixer && (
        <button type="button" onClick={() => void mixer.context.resume().then(() => setSuspended(false))}>
          Start audio (the browser waits for a click)
        </button>
      )}
      {warnings.length > 0 && (
        <ul className="mixer__warnings" data-testid="mixer-warnings" role="status">
          {warnings.map((w) => (
            <li key={`${w.code}:${w.stripId}`} data-code={w.code}>
              {w.message}
            </li>
          ))}
        </ul>
      )}
      <div className="mixer__strips">
        <Strip id={MIC_STRIP.id} name={MIC_STRIP.name} mixer={mixer} present={stripIds.includes(MIC_STRIP.id)}>
          <MicrophoneControls sources={sources} />
        </Strip>
        <Strip id={DESKTOP_STRIP.id} name={DESKTOP_STRIP.name} mixer={mixer} present={stripIds.includes(DESKTOP_STRIP.id)}>
          <label className="check">
            <input type="checkbox" checked={desktopAudio} onChange={(e) => settings.setDesktopAudio(e.target.checked)} />
            Capture desktop audio
          </label>
        </Strip>
        {others.map((id) => (
          <Strip key={id} id={id} name={mixer?.info(id)?.name ?? id} mixer={mixer} present />
        ))}
        <div className="strip strip--mix" data-testid="strip-mix">
          <span className="strip__name">
            Mix (limiter at -1 dBFS)
            {limiting >= 0.5 && (
              <span className="strip__limiting" data-testid="limiting">
                {' '}
                limiting {limiting.toFixed(1)} dB
              </span>
            )}
          </span>
          <Meter mixer={mixer} id={MIX_METER} label="Mix" />
        </div>
      </div>
    </section>
  );
}

function Strip({
  id,
  name,
  mixer,
  present,
  children,
}: {
  id: string;
  name: string;
  mixer: AudioMixer | null;
  present: boolean;
  children?: ReactNode;
}) {
  const s = useMixer((st) => st.strips[id]) ?? useMixer.getState().strip(id);
  const setStrip = useMixer((st) => st.setStrip);
  const off = s.gainDb <= GAIN_OFF_DB;
  return (
    <div className="strip" data-testid={`strip-${id}`} data-present={present}>
      <span className="strip__name">{name}</span>
      {children}
      {present && (
        <>
          <Meter mixer={mixer} id={id} label={name} />
          <label className="strip__fader">
            <span>
              Gain <output data-testid={`gain-${id}`}>{off ? '-inf' : formatDb(s.gainDb)}</output>
            </span>
            <input
              type="range"
              aria-label={`${name} gain (dB)`}
              min={GAIN_OFF_DB}
              max={GAIN_MAX_DB}
              step={0.5}
              value={s.gainDb}
              onChange={(e) => setStrip(id, { gainDb: Number(e.target.value) })}
            />
          </label>
          <div className="strip__row">
            <button type="button" className="strip__mute" aria-pressed={s.muted} onClick={() => setStrip(id, { muted: !s.muted })}>
              {s.muted ? 'Muted' : 'Mute'}
            </button>
            <label className="strip__offset">
              Sync (ms)
              <input
                type="number"
                aria-label={`${name} sync offset (ms)`}
                min={-OFFSET_MAX_MS}
                max={OFFSET_MAX_MS}
                step={10}
                value={s.offsetMs}
                onChange={(e) => e.target.value !== '' && setStrip(id, { offsetMs: Number(e.target.value) })}
              />
            </label>
          </div>
        </>
      )}
    </div>
  );
}

function MicrophoneControls({ sources }: { sources: MixerSources | null }) {
  const mic = useMixer((s) => s.microphone);
  const setMicrophone = useMixer((s) => s.setMicrophone);
  const [devices, setDevices] = useState<{ deviceId: string; label: string }[]>([]);
  const [suppression, setSuppression] = useState<boolean | null>(null);

  useEffect(() => {
    if (!navigator.mediaDevices) return;
    const list = () =>
      void navigator.mediaDevices
        .enumerateDevices()
        .then((all) => setDevices(all.filter((d) => d.kind === 'audioinput' && d.deviceId && d.deviceId !== 'default')))
        .catch(() => setDevices([]));
    list();
    navigator.mediaDevices.addEventListener('devicechange', list);
    return () => navigator.mediaDevices.removeEventListener('devicechange', list);
  }, [sources, mic]);

  // What the device actually applies (a device may not offer noise suppression), read after each (re)open.
  useEffect(() => {
    const t = setInterval(() => {
      const track = sources?.microphoneTrack();
      setSuppression(track ? (track.getSettings().noiseSuppression ?? null) : null);
    }, POLL_MS);
    return () => clearInterval(t);
  }, [sources]);

  return (
    <div className="strip__mic">
      <label className="check">
        <input type="checkbox" checked={mic.enabled} onChange={(e) => setMicrophone({ enabled: e.target.checked })} />
        On
      </label>
      <label>
        Device
        <select
          aria-label="Microphone device"
          value={mic.deviceId ?? ''}
          disabled={!mic.enabled}
          onChange={(e) => setMicrophone({ deviceId: e.target.value || null })}
        >
          <option value="">System default</option>
          {devices.map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `Microphone ${i + 1}`}
            </option>
          ))}
        </select>
      </label>
      <label className="check" title="Opens the microphone again with the new setting">
        <input
          type="checkbox"
          checked={mic.noiseSuppression}
          disabled={!mic.enabled}
          onChange={(e) => setMicrophone({ noiseSuppression: e.target.checked })}
        />
        Noise suppression
        {mic.enabled && suppression !== null && suppression !== mic.noiseSuppression && (
          <span className="muted small"> (this device ignores it)</span>
        )}
      </label>
      <span hidden data-testid="mic-noise-suppression-applied">
        {String(suppression)}
      </span>
    </div>
  );
}

/** Peak (a line) and RMS (a bar) per channel, and the clip light: written from the meter's reports, not by React. */
function Meter({ mixer, id, label }: { mixer: AudioMixer | null; id: string; label: string }) {
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = root.current;
    if (!mixer || !el) return;
    const rms = [...el.querySelectorAll<HTMLElement>('.meter__rms')];
    const peak = [...el.querySelectorAll<HTMLElement>('.meter__peak')];
    const clip = el.querySelector<HTMLElement>('.meter__clip')!;
    const text = el.querySelector<HTMLElement>('.meter__value')!;
    let reports = 0;
    return mixer.onMeter(id, (r) => {
      for (let c = 0; c < rms.length; c++) {
        // The bar's colours stay where they are on the scale: the bar is uncovered, not stretched.
        rms[c].style.clipPath = `inset(0 ${(100 - fraction(r.rmsDb[c] ?? -Infinity) * 100).toFixed(1)}% 0 0)`;
        peak[c].style.left = `${fraction(r.peakDb[c] ?? -Infinity) * 100}%`;
      }
      const loudest = Math.max(...r.peakDb);
      el.dataset.peakDb = String(loudest);
      el.setAttribute('aria-valuenow', String(Math.max(METER_FLOOR, loudest)));
      el.dataset.rmsDb = String(Math.max(...r.rmsDb));
      el.dataset.reports = String(++reports);
      el.dataset.clip = String(r.clip);
      clip.classList.toggle('meter__clip--on', r.clip);
      text.textContent = loudest === -Infinity ? '-inf' : loudest.toFixed(1);
    });
  }, [mixer, id]);
  return (
    <div
      className="meter"
      ref={root}
      data-testid={`meter-${id}`}
      role="meter"
      aria-label={`${label} level`}
      aria-valuemin={METER_FLOOR}
      aria-valuemax={0}
      aria-valuenow={METER_FLOOR}
    >
      {[0, 1].map((c) => (
        <div key={c} className="meter__bar">
          <div className="meter__rms" />
          <div className="meter__peak" />
        </div>
      ))}
      <span className="meter__clip" title="Clip: a sample reached full scale in the last second" />
      <span className="meter__value">-inf</span>
    </div>
  );
}
