// Settings → Restream: while the channel is live the server pushes it on to these RTMP servers (Twitch, YouTube, any
// rtmp:// or rtmps:// ingest). Add (a preset or a custom address), enable or disable, change the key, delete; each
// row shows where its push is, live. The key is write-only: the server never gives it back, so it is only ever typed.
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import { DESTINATION_LIMITS, DESTINATION_PRESETS, type ApiDestination } from '../../../shared/contracts.js';
import { destinationStatusText } from '../../../shared/destination-status.js';
import { FormError, usePoll } from '../ui.js';

/** Statuses move by the second while live (connecting, bitrate, retrying): looked at again often while shown. */
const DESTINATIONS_POLL_MS = 2000;

export function Destinations() {
  const [list, setList] = useState<ApiDestination[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [rekey, setRekey] = useState<{ id: number; key: string } | null>(null);

  const load = async () => {
    try {
      setList(await api.destinations());
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  usePoll(load, DESTINATIONS_POLL_MS, []);

  const act = async (fn: () => Promise<unknown>) => {
    setProblem(null);
    try {
      await fn();
      await load();
      return true;
    } catch (err) {
      setProblem(errorMessage(err));
      return false;
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const ok = await act(() => api.createDestination({ name: name.trim(), url: url.trim(), key: key.trim(), enabled: true }));
    if (ok) {
      setName('');
      setUrl('');
      setKey('');
    }
    setBusy(false);
  };
  const preset = (value: string) => {
    const p = DESTINATION_PRESETS.find((x) => x.name === value);
    if (!p) return;
    setUrl(p.url);
    if (!name.trim()) setName(p.name);
  };
  const saveKey = async (e: FormEvent) => {
    e.preventDefault();
    if (!rekey) return;
    if (await act(() => api.updateDestination(rekey.id, { key: rekey.key.trim() }))) setRekey(null);
  };
  const full = (list?.length ?? 0) >= DESTINATION_LIMITS.maxPerChannel;

  return (
    <section className="card settings-section" aria-labelledby="destinations-title">
      <h2 id="destinations-title">Restream</h2>
      <p className="hint">
        While you are live, Onair sends your stream on to these servers as it is (no re-encoding). Stream keys are kept encrypted and never shown
        again.
      </p>
      <form className="webhook-create" onSubmit={(e) => void add(e)} data-testid="destination-form">
        <label className="field field--inline">
          <span>Service</span>
          <select value={DESTINATION_PRESETS.find((p) => p.url === url)?.name ?? ''} onChange={(e) => preset(e.target.value)}>
            <option value="">Custom</option>
            {DESTINATION_PRESETS.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field field--inline">
          <span>Name</span>
          <input required maxLength={DESTINATION_LIMITS.maxNameChars} value={name} onChange={(e) => setName(e.target.value)} placeholder="Twitch" />
        </label>
        <label className="field field--inline webhook-create__url">
          <span>Server URL</span>
          <input required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="rtmp://live.twitch.tv/app" />
        </label>
        <label className="field field--inline">
          <span>Stream key</span>
          <input type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} />
        </label>
        <button type="submit" className="btn btn--primary" disabled={busy || full}>
          Add destination
        </button>
      </form>
      {full && <p className="muted">A channel can have {DESTINATION_LIMITS.maxPerChannel} destinations; delete one to add another.</p>}
      <FormError text={problem} />
      {list && list.length === 0 && <p className="muted">No destinations yet.</p>}
      {list && list.length > 0 && (
        <table className="invites-table webhooks-table" data-testid="destinations">
          <thead>
            <tr>
              <th>Destination</th>
              <th>Key</th>
              <th>Status</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.id} data-destination-id={d.id}>
                <td>
                  {d.name} <code className="wrap muted">{d.url}</code>
                </td>
                <td>
                  {rekey?.id === d.id ? (
                    <form onSubmit={(e) => void saveKey(e)}>
                      <input
                        type="password"
                        autoComplete="off"
                        required
                        aria-label={`New stream key for ${d.name}`}
                        value={rekey.key}
                        onChange={(e) => setRekey({ id: d.id, key: e.target.value })}
                      />
                      <button type="submit" className="btn btn--small">
                        Save
                      </button>
                    </form>
                  ) : (
                    <span aria-label="stream key hidden">••••••••</span>
                  )}
                </td>
                <td data-testid="destination-status" className={d.status.state === 'failed' || d.status.state === 'retrying' ? 'form-error' : ''}>
                  {destinationStatusText(d.status, d.enabled)}
                </td>
                <td className="actions">
                  <label className="checkbox">
                    <input
                      type="checkbox"
                      checked={d.enabled}
                      onChange={(e) => void act(() => api.updateDestination(d.id, { enabled: e.target.checked }))}
                      aria-label={`Enable ${d.name}`}
                    />{' '}
                    On
                  </label>
                  <button type="button" className="btn btn--small" onClick={() => setRekey({ id: d.id, key: '' })}>
                    Change key
                  </button>
                  <button
                    type="button"
                    className="btn btn--small btn--danger"
                    onClick={() => void act(() => api.deleteDestination(d.id))}
                    aria-label={`Delete destination ${d.name}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
