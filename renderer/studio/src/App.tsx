// Onair Studio's window: sign-in (Onair server or custom RTMP), then the studio — source, preview, settings,
// Go Live, the always-visible state line, health, viewers, chat, invite link and phone setup.
import { useEffect, useState, type FormEvent } from 'react';
import { frameRateLabel, PRESETS, type PresetName } from '../../../electron/broadcast/types.js';
import { broadcastRuns, type BroadcastMode, type SessionInfo } from '../../../electron/ipc-contract.js';
import { clock, stateLine } from '../../../electron/state-line.js';
import { Audience } from './Audience.js';
import { answerControlRequests } from './control.js';
import { Destinations } from './Destinations.js';
import { RemoteControl } from './RemoteControl.js';
import { Health } from './Health.js';
import { Mixer } from './Mixer.js';
import { call } from './onair.js';
import { Phone } from './Phone.js';
import { Preview } from './Preview.js';
import { canvasOf, FRAME_RATES } from '../engine/scene/model.js';
import { SceneEditor } from './scenes/SceneEditor.js';
import { useScenes } from './scenes/store.js';
import { PipelineCapture, PipelineEncoder, PipelineSource } from './PipelineSettings.js';
import { RecordingLine } from './Recording.js';
import { ServerView } from './ServerView.js';
import { LiveDashboard } from './LiveDashboard.js';
import { outputsRun, useStudio } from './store.js';
import { VerticalOutput } from './VerticalOutput.js';

function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function App() {
  const session = useStudio((s) => s.session);
  const init = useStudio((s) => s.init);
  const error = useStudio((s) => s.error);
  useEffect(() => void init(), [init]);
  useEffect(() => answerControlRequests(), []);
  // The scenes load at start, signed in or not, so a remote control can list and switch them from its first request.
  useEffect(() => void useScenes.getState().load(), []);

  return (
    <div className="studio">
      <header className="studio__top">
        <strong className="studio__brand">Onair Studio</strong>
        <StateLine />
        {session && session.mode !== 'signed-out' && <Account session={session} />}
      </header>
      {error && (
        <p className="studio__error" role="alert">
          {error}
        </p>
      )}
      {!session ? <p className="studio__loading">Loading…</p> : session.mode === 'signed-out' ? <SignIn /> : <Workspace session={session} />}
    </div>
  );
}

function StateLine() {
  const st = useStudio((s) => s.broadcast);
  const now = useNow();
  return (
    <div className={`state state--${st.kind}`} data-testid="state" data-state={st.kind} role="status" aria-live="polite">
      <span className="state__dot" />
      {stateLine(st, now)}
    </div>
  );
}

function Account({ session }: { session: Exclude<SessionInfo, { mode: 'signed-out' }> }) {
  const [key, setKey] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const setSession = useStudio((s) => s.setSession);
  const live = broadcastRuns(useStudio((s) => s.broadcast.kind));
  const reveal = async () => {
    if (key) return setKey(null);
    try {
      setKey((await call('session:revealKey', {})).streamKey);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <div className="account">
      <span data-testid="account">
        {session.mode === 'onair' ? `${session.username} on ${new URL(session.serverUrl).host}` : `Custom: ${session.rtmpUrl}`}
      </span>
      <span className="account__key">
        Key: <code data-testid="stream-key">{key ?? session.keyMasked}</code>
        <button type="button" onClick={() => void reveal()}>
          {key ? 'Hide' : 'Reveal'}
        </button>
      </span>
      {!session.persisted && (
        <span className="account__note" title="The OS keychain is not available here">
          not saved
        </span>
      )}
      <button type="button" disabled={live} onClick={() => void call('session:signOut', {}).then(setSession, (e: Error) => setErr(e.message))}>
        Sign out
      </button>
      {err && <span className="studio__error">{err}</span>}
    </div>
  );
}

function SignIn() {
  const setSession = useStudio((s) => s.setSession);
  const [tab, setTab] = useState<'onair' | 'custom'>('onair');
  const [serverUrl, setServerUrl] = useState('http://127.0.0.1:8080');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [rtmpUrl, setRtmpUrl] = useState('rtmp://');
  const [streamKey, setStreamKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);

  const go = async (fn: () => Promise<SessionInfo>) => {
    setBusy(true);
    setErr(null);
    try {
      setSession(await fn());
    } catch (e) {
      setErr((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (register: boolean) => (e?: FormEvent) => {
    e?.preventDefault();
    void go(() => call('session:signIn', { serverUrl: serverUrl.trim(), username: username.trim(), password, register }));
  };

  return (
    <main className="signin">
      <div className="tabs" role="tablist">
        <button role="tab" aria-selected={tab === 'onair'} onClick={() => setTab('onair')}>
          Onair server
        </button>
        <button role="tab" aria-selected={tab === 'custom'} onClick={() => setTab('custom')}>
          Custom RTMP
        </button>
      </div>
      {tab === 'onair' ? (
        <form className="card" onSubmit={submit(false)}>
          <label>
            Server URL
            <input value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} required />
          </label>
          <label>
            Username
            <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
          </label>
          <label>
            Password
            <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
          </label>
          <div className="row">
            <button type="submit" disabled={busy}>
              Sign in
            </button>
            <button type="button" disabled={busy} onClick={() => submit(true)()}>
              Create account
            </button>
          </div>
        </form>
      ) : (
        <form
          className="card"
          onSubmit={(e) => (e.preventDefault(), void go(() => call('session:useCustom', { rtmpUrl: rtmpUrl.trim(), streamKey: streamKey.trim() })))}
        >
          <label>
            RTMP server URL
            <input value={rtmpUrl} onChange={(e) => setRtmpUrl(e.target.value)} required />
          </label>
          <label>
            Stream key
            <input type="password" value={streamKey} onChange={(e) => setStreamKey(e.target.value)} required />
          </label>
          <button type="submit" disabled={busy}>
            Use this server
          </button>
        </form>
      )}
      {err && (
        <p className="studio__error" role="alert">
          {err}
        </p>
      )}
    </main>
  );
}

function Workspace({ session }: { session: Exclude<SessionInfo, { mode: 'signed-out' }> }) {
  const active = broadcastRuns(useStudio((s) => s.broadcast.kind));
  return (
    <main className="workspace">
      <section className="col col--scenes">
        <SceneEditor />
      </section>
      <section className="col col--main">
        <Preview onair={session.mode === 'onair'} />
        <GoLive />
        <RecordingLine />
        <VerticalOutput />
        {session.mode === 'onair' && <ServerView />}
        <Health />
        {session.mode === 'onair' && <LiveDashboard />}
      </section>
      <section className="col col--settings">
        <Settings />
        <Mixer />
      </section>
      <section className="col col--side">
        {session.mode === 'onair' ? <Audience /> : <p className="muted">Chat, viewers and invites need an Onair server account.</p>}
        <Destinations live={active} />
        <Phone />
        <RemoteControl />
      </section>
    </main>
  );
}

function GoLive() {
  const st = useStudio((s) => s.broadcast);
  const goLive = useStudio((s) => s.goLive);
  const stop = useStudio((s) => s.stop);
  const session = useStudio((s) => s.session);
  const active = broadcastRuns(st.kind);
  const now = useNow();
  return (
    <div className="golive">
      {active ? (
        <button type="button" className="btn btn--stop" onClick={() => void stop()}>
          Stop
        </button>
      ) : (
        <button type="button" className="btn btn--live" onClick={() => void goLive()} disabled={session?.mode === 'signed-out'}>
          Go Live
        </button>
      )}
      {st.kind === 'live' && <span className="golive__timer">{clock((now - st.since) / 1000)}</span>}
      {st.kind === 'failed' && <span className="golive__why">{st.reason}</span>}
    </div>
  );
}

/**
 * FPS: with ffmpeg, its output rate; with this app, the canvases' rate (what is drawn, previewed and encoded), one of
 * OBS's common values, kept with the scenes.
 */
function FrameRate() {
  const s = useStudio();
  const canvasFps = useScenes((x) => (x.history ? canvasOf(x.history.present, 'horizontal').fps : null));
  const exec = useScenes((x) => x.exec);
  if (s.mode !== 'engine' || canvasFps === null)
    return (
      <label>
        FPS
        <input type="number" min={1} max={120} value={s.fps} onChange={(e) => s.set({ fps: Math.round(Number(e.target.value)) })} data-testid="fps" />
      </label>
    );
  return (
    <label>
      FPS
      <select value={canvasFps} onChange={(e) => exec({ type: 'setFrameRate', fps: Number(e.target.value) })} data-testid="fps">
        {FRAME_RATES.map((fps) => (
          <option key={fps} value={fps}>
            {frameRateLabel(fps)}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Source and quality. With ffmpeg (the pipeline) its source, encoder, camera picture-in-picture, microphone and
 * system audio; with this app the scenes are the picture and the mixer the sound, so those are not shown (as the FPS
 * field, a setting that does nothing is not offered).
 */
function Settings() {
  const s = useStudio();
  const busy = outputsRun(s);
  const engine = s.mode === 'engine';
  return (
    <fieldset className="settings" disabled={busy}>
      <legend>Source and quality</legend>
      <label>
        Encode with
        <select value={s.mode} onChange={(e) => s.set({ mode: e.target.value as BroadcastMode })} data-testid="mode">
          <option value="pipeline">ffmpeg: the source below</option>
          <option value="engine">This app: the scenes above</option>
        </select>
      </label>
      {engine ? (
        <p className="muted small" data-testid="engine-note">
          The scenes are the picture and the Audio mixer is the sound; this app encodes them (H.264).
        </p>
      ) : (
        <PipelineSource />
      )}
      <label>
        Preset
        <select value={s.preset} onChange={(e) => s.setPreset(e.target.value as PresetName)} data-testid="preset">
          {Object.keys(PRESETS).map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </label>
      {!engine && <PipelineEncoder />}
      <div className="row3">
        <label>
          Bitrate (kb/s)
          <input
            type="number"
            min={200}
            max={50000}
            step={100}
            value={s.bitrateKbps}
            onChange={(e) => s.set({ bitrateKbps: Math.round(Number(e.target.value)) })}
          />
        </label>
        <FrameRate />
        <label>
          Keyframe (s)
          <input type="number" min={1} max={10} value={s.keyframeSeconds} onChange={(e) => s.set({ keyframeSeconds: Number(e.target.value) })} />
        </label>
      </div>
      {!engine && <PipelineCapture />}
      <label>
        Also record to (optional: .mkv, .mp4, .mov or .flv)
        <input value={s.recordPath} placeholder="/home/me/Videos/stream.mkv" onChange={(e) => s.set({ recordPath: e.target.value })} />
      </label>
    </fieldset>
  );
}
