// Multistream: more places the same encode goes besides the Onair channel (Twitch, YouTube, a friend's server). The
// list lives in main, keys encrypted like the account's; the window sees masked keys only. While live, each row
// shows its own connection's state (main's 'broadcast:destinations', once a second); a failing one touches nothing else.
import { useEffect, useState, type FormEvent } from 'react';
import type { DestinationStatus, StudioDestination } from '../../../electron/ipc-contract.js';
import { DESTINATION_PRESETS } from '../../shared/contracts.js';
import { destinationStatusText } from '../../shared/destination-status.js';
import { call, onair } from './onair.js';

export function Destinations({ live }: { live: boolean }) {
  const [list, setList] = useState<StudioDestination[]>([]);
  const [statuses, setStatuses] = useState<DestinationStatus[]>([]);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    void call('destinations:list', {}).then(setList, (e: Error) => setProblem(e.message));
    return onair.on('broadcast:destinations', setStatuses);
  }, []);

  const act = async (f: () => Promise<StudioDestination[]>): Promise<boolean> => {
    try {
      setList(await f());
      setProblem(null);
      return true;
    } catch (e) {
      setProblem((e as Error).message);
      return false;
    }
  };
  // Shown at once, then as main saved it (or back, with the reason, when it could not).
  const toggle = async (d: StudioDestination, enabled: boolean) => {
    setList((l) => l.map((x) => (x.id === d.id ? { ...x, enabled } : x)));
    if (!(await act(() => call('destinations:save', { id: d.id, name: d.name, url: d.url, enabled }))))
      void call('destinations:list', {}).then(setList, () => {});
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await act(() => call('destinations:save', { name: name.trim(), url: url.trim(), key: key.trim(), enabled: true }))) {
      setName('');
      setUrl('');
      setKey('');
    }
  };
  const preset = (value: string) => {
    const p = DESTINATION_PRESETS.find((x) => x.name === value);
    if (!p) return;
    setUrl(p.url);
    if (!name.trim()) setName(p.name);
  };

  return (
    <details className="destinations" open={list.length > 0}>
      <summary>Also stream to… ({list.filter((d) => d.enabled).length})</summary>
      <p className="small">
        One encode, sent on to each enabled destination on its own connection: one that fails or drops retries by itself and never stops the others.
        Changes apply at the next Go Live.
      </p>
      {list.length > 0 && (
        <ul className="destinations__list" data-testid="studio-destinations">
          {list.map((d) => {
            const status = statuses.find((s) => s.id === d.id);
            const trouble = status?.state === 'failed' || status?.state === 'retrying';
            return (
              <li key={d.id}>
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={d.enabled}
                    disabled={live}
                    aria-label={`Send to ${d.name}`}
                    onChange={(e) => void toggle(d, e.target.checked)}
                  />{' '}
                  <strong>{d.name}</strong>
                </label>{' '}
                <code className="small">{d.url}</code> <span className="small muted">key {d.keyMasked}</span>
                <div className={`small${trouble ? ' studio__error' : ''}`} data-testid="studio-destination-status">
                  {status && live ? destinationStatusText(status, d.enabled) : d.enabled ? 'Goes live with you' : 'Off'}
                </div>
                <button type="button" disabled={live} onClick={() => void act(() => call('destinations:remove', { id: d.id }))}>
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <form onSubmit={(e) => void add(e)} aria-label="Add a destination">
        <select aria-label="Service" value={DESTINATION_PRESETS.find((p) => p.url === url)?.name ?? ''} onChange={(e) => preset(e.target.value)}>
          <option value="">Custom</option>
          {DESTINATION_PRESETS.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
        <input aria-label="Name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="Twitch" />
        <input aria-label="Server URL" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="rtmp://live.twitch.tv/app" />
        <input aria-label="Stream key" type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} />
        <button type="submit" disabled={live}>
          Add destination
        </button>
      </form>
      {problem && (
        <p className="studio__error" role="alert">
          {problem}
        </p>
      )}
    </details>
  );
}
