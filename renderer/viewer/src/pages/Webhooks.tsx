// Settings → Webhooks: tell Discord (or anything that takes a JSON POST) when the channel goes live and when the
// stream ends. Add, send a test, delete; each row shows how its last delivery went. The server shows a webhook's
// URL only masked once it is saved (a Discord webhook URL carries a token).
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import { WEBHOOK_LIMITS, type ApiWebhook, type ChannelVisibility, type WebhookDelivery, type WebhookFormat } from '../../../shared/contracts.js';
import { formatDate, FormError, usePoll } from '../ui.js';

/** Last deliveries change when the stream starts or ends: looked at again while the page is shown. */
const WEBHOOKS_POLL_MS = 10_000;

const FORMAT_TEXT: Record<WebhookFormat, string> = { discord: 'Discord', json: 'JSON' };
const EVENT_TEXT = { live: 'Goes live', ended: 'Stream ends' } as const;

/** How the last delivery went, in words. */
export function deliveryText(d: WebhookDelivery | null): string {
  if (!d) return 'Nothing sent yet';
  const what = d.event === 'test' ? 'Test' : d.event === 'live' ? '“Live”' : '“Ended”';
  const when = formatDate(d.at);
  if (d.ok) return `${what} delivered (HTTP ${d.status}), ${when}`;
  const tries = d.attempts > 1 ? ` after ${d.attempts} attempts` : '';
  return `${what} failed${tries}: ${d.error ?? 'no answer'}${d.retrying ? '; trying again' : ''} (${when})`;
}

export function Webhooks({ visibility }: { visibility: ChannelVisibility }) {
  const [list, setList] = useState<ApiWebhook[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<WebhookFormat>('discord');
  const [events, setEvents] = useState({ live: true, ended: true });
  const [busy, setBusy] = useState(false);
  const [testing, setTesting] = useState<number | null>(null);

  const load = async () => {
    try {
      setList(await api.webhooks());
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  usePoll(load, WEBHOOKS_POLL_MS, []);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const chosen = (['live', 'ended'] as const).filter((k) => events[k]);
      await api.createWebhook({ url: url.trim(), format, events: chosen });
      setUrl('');
      await load();
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  // The outcome lands in the row's "Last delivery" (the answer is kept on the webhook).
  const test = async (id: number) => {
    setTesting(id);
    setProblem(null);
    try {
      await api.testWebhook(id);
      await load();
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setTesting(null);
    }
  };
  const remove = async (id: number) => {
    try {
      await api.deleteWebhook(id);
      await load();
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  const full = (list?.length ?? 0) >= WEBHOOK_LIMITS.maxPerChannel;

  return (
    <section className="card settings-section" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p className="hint">
        Tell a Discord channel, or any service that takes a JSON POST, when you go live and when your stream ends. In Discord: Server Settings →
        Integrations → Webhooks → New Webhook → Copy Webhook URL.
      </p>
      {visibility !== 'public' && (
        <p className="hint" data-testid="webhooks-private-note">
          Your channel is not public: webhooks send only its name and link, never its title, tags or pictures.
        </p>
      )}
      <form className="webhook-create" onSubmit={(e) => void add(e)}>
        <label className="field field--inline webhook-create__url">
          <span>Webhook URL</span>
          <input type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://discord.com/api/webhooks/…" />
        </label>
        <label className="field field--inline">
          <span>Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as WebhookFormat)}>
            <option value="discord">Discord</option>
            <option value="json">JSON</option>
          </select>
        </label>
        <fieldset className="field field--inline webhook-create__events">
          <legend>Send when</legend>
          {(['live', 'ended'] as const).map((k) => (
            <label key={k} className="checkbox">
              <input type="checkbox" checked={events[k]} onChange={(e) => setEvents({ ...events, [k]: e.target.checked })} /> {EVENT_TEXT[k]}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="btn btn--primary" disabled={busy || full || (!events.live && !events.ended)}>
          Add webhook
        </button>
      </form>
      {full && <p className="muted">A channel can have {WEBHOOK_LIMITS.maxPerChannel} webhooks; delete one to add another.</p>}
      <FormError text={problem} />
      {list && list.length === 0 && <p className="muted">No webhooks yet.</p>}
      {list && list.length > 0 && (
        <table className="invites-table webhooks-table" data-testid="webhooks">
          <thead>
            <tr>
              <th>Webhook</th>
              <th>Sends</th>
              <th>Last delivery</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((w) => (
              <tr key={w.id} data-webhook-id={w.id}>
                <td>
                  <code className="wrap">{w.url}</code> <span className="muted">{FORMAT_TEXT[w.format]}</span>
                </td>
                <td>{w.events.map((e) => EVENT_TEXT[e]).join(', ')}</td>
                <td data-testid="webhook-last" className={w.lastDelivery && !w.lastDelivery.ok ? 'form-error' : ''}>
                  {testing === w.id ? 'Sending a test…' : deliveryText(w.lastDelivery)}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="btn btn--small"
                    onClick={() => void test(w.id)}
                    disabled={testing !== null}
                    aria-label={`Send a test to webhook ${w.id}`}
                  >
                    Send test
                  </button>
                  <button
                    type="button"
                    className="btn btn--small btn--danger"
                    onClick={() => void remove(w.id)}
                    aria-label={`Delete webhook ${w.id}`}
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
