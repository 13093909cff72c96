// How a layer's source is doing, beside it in the Layers panel: opening, failed (and why), or waiting for the user's
// click to share the screen (a browser's picker needs one).
import { useEffect, useState } from 'react';
import { sourceStatus, startSource } from './engine-host.js';

const POLL_MS = 500;

export function SourceState({ sourceId, canRetry }: { sourceId: string; canRetry: boolean }) {
  const [st, setSt] = useState(() => sourceStatus(sourceId));
  useEffect(() => {
    setSt(sourceStatus(sourceId));
    const t = setInterval(() => setSt(sourceStatus(sourceId)), POLL_MS);
    return () => clearInterval(t);
  }, [sourceId]);
  if (!st || st.state === 'ready') return null;
  if (st.state === 'opening') return <span className="muted small">opening…</span>;
  const share = (
    <button
      type="button"
      onClick={() => {
        startSource(sourceId);
        setSt(sourceStatus(sourceId));
      }}
    >
      Share screen
    </button>
  );
  if (st.state === 'waiting') return share;
  return (
    <>
      <span className="studio__error small" data-testid="source-failed">
        {st.reason}
      </span>
      {canRetry && share}
    </>
  );
}
