// Settings → Chat moderation: the channel's moderators (appoint by username, remove), its chat modes (the same
// ones moderators toggle from chat), and the moderation log: who did what, when, on whom, newest first.
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import { CHAT_SETTINGS_LIMITS, type ApiModerator, type ChatSettings, type ModerationLogEntry } from '../../../shared/contracts.js';
import { formatDate, FormError } from '../ui.js';

const ACTIONS: Record<ModerationLogEntry['action'], string> = {
  delete: 'deleted a message of',
  timeout: 'timed out',
  ban: 'banned',
  unban: 'unbanned',
  settings: 'changed the chat modes',
  moderator_added: 'made a moderator:',
  moderator_removed: 'removed as moderator:',
};

/** A number field that reads "" as off (null). */
const numberOrNull = (v: string): number | null => (v.trim() === '' ? null : Number(v));

function Moderators() {
  const [list, setList] = useState<ApiModerator[] | null>(null);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const load = () => api.moderators().then(setList, (err) => setProblem(errorMessage(err)));
  useEffect(() => void load(), []);
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
    if (await act(() => api.addModerator(name.trim()))) setName('');
  };
  return (
    <div className="chat-moderation__part" data-testid="moderators">
      <h3>Moderators</h3>
      <p className="hint">Moderators can delete messages, time out and ban people, and change the chat modes. They are exempt from the modes.</p>
      {list?.length === 0 && <p className="hint">No moderators yet.</p>}
      <ul className="chat-moderation__list">
        {list?.map((m) => (
          <li key={m.userId}>
            <strong>{m.username}</strong> <span className="hint">since {formatDate(m.since)}</span>{' '}
            <button
              type="button"
              className="btn btn--small"
              onClick={() => void act(() => api.removeModerator(m.username))}
              aria-label={`Remove moderator ${m.username}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={(e) => void add(e)} className="chat-moderation__add">
        <label className="field field--inline">
          <span>Username</span> <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Moderator username" autoComplete="off" />
        </label>
        <button type="submit" className="btn" disabled={!name.trim()}>
          Add moderator
        </button>
      </form>
      <FormError text={problem} />
    </div>
  );
}

function ChatModes({ channel }: { channel: string }) {
  const [form, setForm] = useState({ slow: '', followers: '', signedInOnly: false, terms: '', firstDelay: '' });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  // Until the saved modes arrive the fields stay disabled: typing first and having the load overwrite it (then saving
  // blanks) is what a slow page did.
  const [loaded, setLoaded] = useState(false);
  const fill = (s: ChatSettings) => {
    setLoaded(true);
    setForm({
      slow: s.slowModeSeconds?.toString() ?? '',
      followers: s.followersOnlyMinutes?.toString() ?? '',
      signedInOnly: s.signedInOnly,
      terms: s.blockedTerms.join('\n'),
      firstDelay: s.firstMessageDelayMinutes?.toString() ?? '',
    });
  };
  useEffect(() => {
    api.chatSettings(channel).then(
      (s) => 'blockedTerms' in s && fill(s),
      (err) => setMessage({ ok: false, text: errorMessage(err) }),
    );
  }, [channel]);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    try {
      const s = await api.updateChatSettings(channel, {
        slowModeSeconds: numberOrNull(form.slow),
        followersOnlyMinutes: numberOrNull(form.followers),
        signedInOnly: form.signedInOnly,
        blockedTerms: form.terms
          .split('\n')
          .map((t) => t.trim())
          .filter(Boolean),
        firstMessageDelayMinutes: numberOrNull(form.firstDelay),
      });
      fill(s);
      setMessage({ ok: true, text: 'Chat modes saved; the chat was told.' });
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    }
  };
  const L = CHAT_SETTINGS_LIMITS;
  return (
    <form className="chat-moderation__part" onSubmit={(e) => void save(e)} data-testid="chat-modes-form">
      <h3>Chat modes</h3>
      <fieldset className="chat-moderation__fields" disabled={!loaded} aria-busy={!loaded}>
        <label className="field">
          <span>
            Slow mode, seconds between messages ({L.slowModeMinSeconds}–{L.slowModeMaxSeconds}; empty: off)
          </span>
          <input
            type="number"
            min={L.slowModeMinSeconds}
            max={L.slowModeMaxSeconds}
            value={form.slow}
            onChange={(e) => setForm({ ...form, slow: e.target.value })}
          />
        </label>
        <label className="field">
          <span>Followers only, minimum minutes followed (0: any follower; empty: off)</span>
          <input
            type="number"
            min={0}
            max={L.followersOnlyMaxMinutes}
            value={form.followers}
            onChange={(e) => setForm({ ...form, followers: e.target.value })}
          />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.signedInOnly} onChange={(e) => setForm({ ...form, signedInOnly: e.target.checked })} /> Signed-in only
          (no guest messages)
        </label>
        <label className="field">
          <span>New accounts wait, minutes (empty: off)</span>
          <input
            type="number"
            min={1}
            max={L.firstMessageDelayMaxMinutes}
            value={form.firstDelay}
            onChange={(e) => setForm({ ...form, firstDelay: e.target.value })}
          />
        </label>
        <label className="field">
          <span>
            Blocked terms, one per line (<code>*</code> stands for any letters: <code>spoil*</code>; look-alike spellings such as <code>sp0iler</code>{' '}
            are caught too)
          </span>
          <textarea rows={4} value={form.terms} onChange={(e) => setForm({ ...form, terms: e.target.value })} />
        </label>
        <button type="submit" className="btn">
          Save chat modes
        </button>
      </fieldset>
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
    </form>
  );
}

function ModerationLog() {
  const [entries, setEntries] = useState<ModerationLogEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const load = async (before?: number) => {
    try {
      const page = await api.moderationLog(before);
      setEntries((was) => (before ? [...was, ...page.entries] : page.entries));
      setNext(page.nextBefore);
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  useEffect(() => void load(), []);
  return (
    <div className="chat-moderation__part" data-testid="moderation-log">
      <h3>
        Moderation log{' '}
        <button type="button" className="btn btn--small" onClick={() => void load()}>
          Refresh
        </button>
      </h3>
      {entries.length === 0 && <p className="hint">Nothing yet.</p>}
      <ol className="chat-moderation__list">
        {entries.map((e) => (
          <li key={e.id}>
            <span className="hint">{formatDate(e.at)}</span> <strong>{e.actor.name}</strong> {ACTIONS[e.action]}
            {e.target && (
              <>
                {' '}
                <strong>{e.target.name}</strong>
              </>
            )}
            {e.detail && <span className="hint"> — {e.detail}</span>}
          </li>
        ))}
      </ol>
      {next !== null && (
        <button type="button" className="btn btn--small" onClick={() => void load(next)}>
          Older
        </button>
      )}
      <FormError text={problem} />
    </div>
  );
}

export function ChatModeration({ channel }: { channel: string }) {
  return (
    <section className="card settings-section" aria-labelledby="chat-moderation-title">
      <h2 id="chat-moderation-title">Chat moderation</h2>
      <Moderators />
      <ChatModes channel={channel} />
      <ModerationLog />
    </section>
  );
}
