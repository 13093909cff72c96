// The chat modes as the owner and moderators switch them from the chat panel: slow mode, followers only,
// signed-in only, the first-message delay. (Blocked terms are edited on the owner's settings page.) Sent through chat;
// the panel shows what the server answered, and the room hears about it (`settings`).
import { useState } from 'react';
import type { ChatSocket } from './chat-socket.js';
import type { ChatAck, ChatSettings, PublicChatSettings } from './contracts.js';

const ACK_TIMEOUT_MS = 8000;
const SLOW_CHOICES = [null, 3, 10, 30, 60, 120] as const;
const DELAY_CHOICES = [null, 10, 60, 1440] as const;

export interface ChatModeControlsProps {
  socket: ChatSocket;
  channel: string;
  modes: PublicChatSettings;
}

export function ChatModeControls({ socket, channel, modes }: ChatModeControlsProps) {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const change = (patch: Partial<ChatSettings>) => {
    setBusy(true);
    setProblem(null);
    socket.timeout(ACK_TIMEOUT_MS).emit('settings', { channel, ...patch }, (err: Error | null, ack: ChatAck<{ settings: ChatSettings }>) => {
      setBusy(false);
      if (err) setProblem('Chat did not answer.');
      else if (!ack.ok) setProblem(ack.error.message);
    });
  };
  return (
    <div className="chat__controls" data-testid="chat-mode-controls">
      <label>
        Slow mode{' '}
        <select
          value={modes.slowModeSeconds ?? ''}
          disabled={busy}
          onChange={(e) => change({ slowModeSeconds: e.target.value === '' ? null : Number(e.target.value) })}
        >
          {SLOW_CHOICES.map((s) => (
            <option key={s ?? 'off'} value={s ?? ''}>
              {s === null ? 'off' : `${s} s`}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={modes.followersOnlyMinutes !== null}
          disabled={busy}
          onChange={(e) => change({ followersOnlyMinutes: e.target.checked ? 0 : null })}
        />{' '}
        Followers only
      </label>
      <label>
        <input type="checkbox" checked={modes.signedInOnly} disabled={busy} onChange={(e) => change({ signedInOnly: e.target.checked })} /> Signed-in
        only
      </label>
      <label>
        New accounts wait{' '}
        <select
          value={modes.firstMessageDelayMinutes ?? ''}
          disabled={busy}
          onChange={(e) => change({ firstMessageDelayMinutes: e.target.value === '' ? null : Number(e.target.value) })}
        >
          {[...new Set([...DELAY_CHOICES, modes.firstMessageDelayMinutes])].map((m) => (
            <option key={m ?? 'off'} value={m ?? ''}>
              {m === null ? 'off' : m % 60 === 0 ? `${m / 60} h` : `${m} min`}
            </option>
          ))}
        </select>
      </label>
      {problem && (
        <p className="chat__status chat__status--error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
