// Settings → Remote control: obs-websocket 5 on a local port, so a Stream Deck, Touch Portal or any obs-websocket tool
// drives the Studio. Off by default; on, it shows what to type into the tool (as OBS's "Show Connect Info" does).
import { useEffect, useState } from 'react';
import type { ControlInfo } from '../../../electron/ipc-contract.js';
import { call } from './onair.js';

const CONTROL_POLL_MS = 2000;

export function RemoteControl() {
  const [info, setInfo] = useState<ControlInfo | null>(null);
  const [port, setPort] = useState('4455');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    void call('control:get', {}).then(
      (i) => {
        setInfo(i);
        setPort(String(i.port));
        setPassword(i.password);
      },
      (e: Error) => setProblem(e.message),
    );
  }, []);

  // While on, the count of connected tools follows (a Stream Deck connecting shows up within seconds).
  const on = !!info?.enabled;
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => void call('control:get', {}).then(setInfo, () => {}), CONTROL_POLL_MS);
    return () => clearInterval(t);
  }, [on]);

  const apply = async (enabled: boolean) => {
    const p = Number(port);
    if (!Number.isInteger(p) || p < 1024 || p > 65535) return setProblem('The port must be a number from 1024 to 65535.');
    try {
      const i = await call('control:set', { enabled, port: p, password });
      setInfo(i);
      setPassword(i.password);
      setProblem(i.error);
    } catch (e) {
      setProblem((e as Error).message);
    }
  };

  return (
    <details className="remote-control">
      <summary>Remote control {info?.listening ? '(on)' : '(off)'}</summary>
      <p className="small">
        Lets tools made for OBS (Stream Deck, Touch Portal, obs-websocket scripts) switch scenes and start or stop the stream. Only this computer can
        connect, with the password.
      </p>
      <label>
        Port <input aria-label="Control port" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
      </label>{' '}
      <label>
        Password <input aria-label="Control password" value={password} onChange={(e) => setPassword(e.target.value)} placeholder="generated" />
      </label>{' '}
      <button type="button" onClick={() => void apply(!info?.enabled)}>
        {info?.enabled ? 'Turn off' : 'Turn on'}
      </button>
      {info?.listening && (
        <p className="small" data-testid="control-connect-info">
          Server IP 127.0.0.1, port {info.boundPort}, password <code>{info.password}</code> · {info.clients} connected
        </p>
      )}
      {problem && (
        <p className="studio__error" role="alert">
          {problem}
        </p>
      )}
    </details>
  );
}
