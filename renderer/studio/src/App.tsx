// Onair Studio's window: sign-in (Onair server or custom RTMP), then the studio — source, preview, settings,
// Go Live, the always-visible state line, health, viewers, chat, invite link and phone setup.
import { useEffect, useState, type FormEvent } from 'react';
import { Chat } from '../../shared/Chat.js';
import { reconnectChat } from '../../shared/chat-socket.js';
import { PRESETS, type PresetName } from '../../../electron/broadcast/types.js';
import type { BroadcastState, PictureInPicture, SessionInfo } from '../../../electron/ipc-contract.js';
import { clock, stateLine } from '../../../electron/state-line.js';
import { LiveMonitor } from './LiveMonitor.js';
import { call } from './onair.js';
import { ServerView } from './ServerView.js';
import { useStudio } from './store.js';

function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

const ACTIVE: BroadcastState['kind'][] = ['connecting', 'live', 'reconnecting'];

export function App() {
  const session = useStudio((s) => s.session);
  const init = useStudio((s) => s.init);
  const error = useStudio((s) => s.error);
  useEffect(() => void init(), [init]);

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
  const live = ACTIVE.includes(useStudio((s) => s.broadcast.kind));
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
  return (
    <main className="workspace">
      <section className="col col--main">
        <Preview onair={session.mode === 'onair'} />
        <GoLive />
        {session.mode === 'onair' && <ServerView />}
        <Health />
      </section>
      <section className="col col--settings">
        <Settings />
      </section>
      <section className="col col--side">
        {session.mode === 'onair' ? <Audience /> : <p className="muted">Chat, viewers and invites need an Onair server account.</p>}
        <Phone />
      </section>
    </main>
  );
}

function Preview({ onair }: { onair: boolean }) {
  const sourceId = useStudio((s) => s.sourceId);
  const sources = useStudio((s) => s.sources);
  const kind = useStudio((s) => s.broadcast.kind);
  const live = ACTIVE.includes(kind);
  // The monitor plays the channel from the server: only on an Onair server, and only once the stream is on air.
  const [watching, setWatching] = useState(false);
  const monitor = watching && onair && kind === 'live';
  const [img, setImg] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const spec = sources?.sources.find((x) => x.id === sourceId)?.spec;

  useEffect(() => {
    if (!spec) return;
    let stop = false;
    const grab = async () => {
      try {
        const { dataUrl } = await call('preview:snapshot', { source: spec });
        if (!stop) {
          setImg(dataUrl);
          setErr(null);
        }
      } catch (e) {
        if (!stop) setErr((e as Error).message);
      }
    };
    void grab();
    // A fresh frame every 5 s while not live (while live, ffmpeg is busy with the stream).
    const t = setInterval(() => !live && void grab(), 5000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [spec, live]);

  return (
    <>
      <div className="preview" data-testid="preview">
        {monitor ? (
          <LiveMonitor />
        ) : (
          <>
            {img ? <img src={img} alt="Preview of the source" /> : <div className="preview__empty">{err ?? 'Taking a preview…'}</div>}
            {img && err && <p className="preview__err">{err}</p>}
          </>
        )}
      </div>
      {onair && kind === 'live' && (
        <button type="button" className="preview__toggle" aria-pressed={watching} onClick={() => setWatching(!watching)}>
          {watching ? 'Show the source preview' : 'Watch as viewers do'}
        </button>
      )}
    </>
  );
}

function GoLive() {
  const st = useStudio((s) => s.broadcast);
  const goLive = useStudio((s) => s.goLive);
  const stop = useStudio((s) => s.stop);
  const session = useStudio((s) => s.session);
  const active = ACTIVE.includes(st.kind);
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

function Health() {
  const h = useStudio((s) => s.health);
  const history = useStudio((s) => s.history);
  const fig = (id: string, label: string, value: string) => (
    <div className="fig">
      <span className="fig__label">{label}</span>
      <span className="fig__value" data-testid={`health-${id}`}>
        {value}
      </span>
    </div>
  );
  const max = Math.max(1, ...history);
  return (
    <div className="health" data-testid="health">
      {fig('bitrate', 'Bitrate', h ? `${h.bitrateKbps} kb/s` : '–')}
      {fig('fps', 'FPS', h ? h.fps.toFixed(1) : '–')}
      {fig('dropped', 'Dropped', h ? String(h.droppedFrames) : '–')}
      {fig('duplicated', 'Duplicated', h ? String(h.duplicatedFrames) : '–')}
      {fig('speed', 'Speed', h ? `${h.speed.toFixed(2)}×` : '–')}
      {fig('cpu', 'CPU', h ? `${h.cpuPercent}%` : '–')}
      {fig('uptime', 'Uptime', h ? clock(h.uptimeSeconds) : '–')}
      <svg className="spark" viewBox="0 0 60 20" preserveAspectRatio="none" aria-hidden="true">
        <polyline fill="none" stroke="currentColor" strokeWidth="1" points={history.map((b, i) => `${i},${20 - (b / max) * 18}`).join(' ')} />
      </svg>
    </div>
  );
}

function Settings() {
  const s = useStudio();
  const live = ACTIVE.includes(s.broadcast.kind);
  const cameras = s.sources?.cameras ?? [];
  const setPip = (p: Partial<PictureInPicture> | null) =>
    s.set({ pip: p === null ? null : { camera: cameras[0] ?? '', position: 'bottom-right', size: 0.25, ...s.pip, ...p } });
  return (
    <fieldset className="settings" disabled={live}>
      <legend>Source and quality</legend>
      <label>
        Source
        <select value={s.sourceId} onChange={(e) => s.set({ sourceId: e.target.value })} data-testid="source">
          {s.sources?.sources.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      {s.sources?.notes.length ? <p className="muted small">{s.sources.notes.join(' ')}</p> : null}
      <label>
        Preset
        <select value={s.preset} onChange={(e) => s.setPreset(e.target.value as PresetName)} data-testid="preset">
          {Object.keys(PRESETS).map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </label>
      <label>
        Encoder
        <select value={s.encoder} onChange={(e) => s.set({ encoder: e.target.value })} data-testid="encoder">
          {s.encoders.map((e) => (
            <option key={e}>{e}</option>
          ))}
        </select>
      </label>
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
        <label>
          FPS
          <input type="number" min={1} max={120} value={s.fps} onChange={(e) => s.set({ fps: Math.round(Number(e.target.value)) })} />
        </label>
        <label>
          Keyframe (s)
          <input type="number" min={1} max={10} value={s.keyframeSeconds} onChange={(e) => s.set({ keyframeSeconds: Number(e.target.value) })} />
        </label>
      </div>
      <label className="check">
        <input type="checkbox" checked={!!s.pip} disabled={!cameras.length} onChange={(e) => setPip(e.target.checked ? {} : null)} />
        Camera picture-in-picture {cameras.length ? '' : '(no camera found)'}
      </label>
      {s.pip && (
        <div className="row3">
          <label>
            Camera
            <select value={s.pip.camera} onChange={(e) => setPip({ camera: e.target.value })}>
              {cameras.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
          <label>
            Position
            <select value={s.pip.position} onChange={(e) => setPip({ position: e.target.value as PictureInPicture['position'] })}>
              {(['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const).map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
          <label>
            Size
            <input type="range" min={0.1} max={0.5} step={0.05} value={s.pip.size} onChange={(e) => setPip({ size: Number(e.target.value) })} />
          </label>
        </div>
      )}
      <label>
        Microphone (device name; empty for none)
        <input value={s.microphone} placeholder="default" onChange={(e) => s.set({ microphone: e.target.value })} />
      </label>
      <label className="check">
        <input type="checkbox" checked={s.systemAudio} onChange={(e) => s.set({ systemAudio: e.target.checked })} />
        Include system audio (Linux: PulseAudio/PipeWire monitor; Windows: loopback device; macOS needs a virtual device such as BlackHole)
      </label>
      <label>
        Also record to (optional, .mp4 or .mkv)
        <input value={s.recordPath} placeholder="/home/me/Videos/stream.mkv" onChange={(e) => s.set({ recordPath: e.target.value })} />
      </label>
    </fieldset>
  );
}

function Audience() {
  const [endpoint, setEndpoint] = useState<{ channel: string; viewerUrl: string } | null>(null);
  const [viewers, setViewers] = useState(0);
  const [invite, setInvite] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    call('chat:endpoint', {}).then(
      (ep) => {
        if (stop) return;
        reconnectChat({ baseUrl: ep.baseUrl }); // main adds the bearer; the renderer never holds it
        setEndpoint(ep);
      },
      (e: Error) => setErr(e.message),
    );
    return () => {
      stop = true;
    };
  }, []);
  const copyInvite = async () => {
    setErr(null);
    try {
      const { url } = await call('invite:create', { expiresInSeconds: 7 * 24 * 3600 });
      setInvite(url);
      await navigator.clipboard?.writeText(url).catch(() => undefined);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <div className="audience">
      <div className="audience__bar">
        <span data-testid="viewers">
          {viewers} {viewers === 1 ? 'viewer' : 'viewers'}
        </span>
        <button type="button" onClick={() => void copyInvite()}>
          Copy invite link
        </button>
      </div>
      {invite && (
        <p className="small">
          Copied: <code data-testid="invite-url">{invite}</code>
        </p>
      )}
      {endpoint && (
        <p className="small muted">
          Your channel: <code>{endpoint.viewerUrl}</code>
        </p>
      )}
      {err && <p className="studio__error">{err}</p>}
      {endpoint && <Chat channel={endpoint.channel} onViewers={setViewers} className="studio__chat" />}
    </div>
  );
}

function Phone() {
  const [setup, setSetup] = useState<{ rtmpUrl: string; larixLink: string; qrSvgDataUrl: string } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const toggle = async () => {
    if (setup) return setSetup(null);
    try {
      setSetup(await call('phone:setup', {}));
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <details className="phone">
      <summary>Stream from a phone</summary>
      <p className="small">
        Install Larix Broadcaster (Android, iOS), then scan this code with the phone's camera (or open the link on the phone): it adds your server and
        key. The code and the link contain your stream key: share them with no one.
      </p>
      <button type="button" onClick={() => void toggle()}>
        {setup ? 'Hide phone setup' : 'Show phone setup'}
      </button>
      {setup && (
        <>
          <p className="small">
            Server: <code>{setup.rtmpUrl}</code>
          </p>
          <img
            className="phone__qr"
            src={setup.qrSvgDataUrl}
            alt="QR code that sets up Larix Broadcaster with your server and key"
            width={220}
            height={220}
          />
          <textarea readOnly className="phone__link" value={setup.larixLink} data-testid="larix-link" rows={4} />
        </>
      )}
      {err && <p className="studio__error">{err}</p>}
    </details>
  );
}
