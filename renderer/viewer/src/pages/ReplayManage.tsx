// The channel owner's controls on a replay's page: rename it, delete it (after a confirmation).
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import { graphemeLength, type ApiReplay } from '../../../shared/contracts.js';
import { useToasts } from '../../../shared/stores/toasts.js';
import { navigate } from '../router.js';
import { FormError } from '../ui.js';

/** The longest replay title, in characters as people see them (the server's rule for every title). */
const TITLE_MAX = 140;

/** What is wrong with a new title before asking the server (which checks again, and more). */
function titleProblem(title: string): string | null {
  const t = title.trim();
  if (!t) return 'A replay needs a title.';
  if (graphemeLength(t, TITLE_MAX) > TITLE_MAX) return `Titles can be at most ${TITLE_MAX} characters.`;
  return null;
}

export function ReplayManage({ replay, channel, onRenamed }: { replay: ApiReplay; channel: string; onRenamed(r: ApiReplay): void }) {
  const push = useToasts((s) => s.push);
  const [mode, setMode] = useState<'idle' | 'rename' | 'confirm-delete'>('idle');
  const [title, setTitle] = useState(replay.title);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const open = (next: typeof mode) => {
    setProblem(null);
    setTitle(replay.title);
    setMode(next);
  };

  const rename = async (e: FormEvent) => {
    e.preventDefault();
    const bad = titleProblem(title);
    if (bad) return setProblem(bad);
    setBusy(true);
    setProblem(null);
    try {
      onRenamed(await api.renameReplay(replay.id, { title: title.trim() }));
      setMode('idle');
      push({ kind: 'info', text: 'Replay renamed.' }, 4000);
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await api.deleteReplay(replay.id);
      push({ kind: 'info', text: `Replay “${replay.title}” deleted.` }, 6000);
      navigate(`/c/${channel}/replays`, { replace: true });
    } catch (err) {
      setProblem(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <div className="replay-manage" data-testid="replay-manage">
      {mode === 'idle' && (
        <>
          <button type="button" className="btn" onClick={() => open('rename')}>
            Rename
          </button>
          <button type="button" className="btn btn--danger" onClick={() => open('confirm-delete')}>
            Delete
          </button>
        </>
      )}
      {mode === 'rename' && (
        <form className="replay-manage__rename" aria-label="Rename replay" onSubmit={(e) => void rename(e)} noValidate>
          <label className="field">
            <span>Replay title</span>
            {/* No maxLength: it counts UTF-16 units, the server counts characters as people see them. */}
            <input value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />
          </label>
          <button type="submit" className="btn btn--primary" disabled={busy}>
            Save title
          </button>
          <button type="button" className="btn" onClick={() => setMode('idle')} disabled={busy}>
            Cancel
          </button>
        </form>
      )}
      {mode === 'confirm-delete' && (
        <div className="confirm" role="alertdialog" aria-labelledby="delete-replay-q">
          <p id="delete-replay-q">Delete this replay for good? Nobody will be able to watch it again, and its video files are removed.</p>
          <button type="button" className="btn btn--danger" onClick={() => void remove()} disabled={busy}>
            Yes, delete the replay
          </button>
          <button type="button" className="btn" onClick={() => setMode('idle')} disabled={busy}>
            Cancel
          </button>
        </div>
      )}
      <FormError text={problem} />
    </div>
  );
}
