// The chat panel: joins a channel's room on the shared socket, shows history and new messages, sends (with the
// chat's modes shown in the input box and a countdown while slow mode holds the next message), and gives
// moderators a menu on each author (ChatUserMenu.tsx).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { foldChat, foldSummary, type ChatRow } from './chat-fold.js';
import { chatModeLabels } from './chat-modes.js';
import { chatSocket, onChatSocketChange, type ChatSocket } from './chat-socket.js';
import { ChatModeControls } from './ChatModeControls.js';
import { ChatUserMenu } from './ChatUserMenu.js';
import {
  CHAT_LIMITS,
  graphemeLength,
  type ChatAck,
  type ChatMessage,
  type HiddenEvent,
  type JoinResult,
  type PublicChatSettings,
  type RoleEvent,
  type SettingsEvent,
  type SystemEvent,
} from './contracts.js';
import './chat.css';

export interface ChatProps {
  channel: string;
  /** Live / ended announcements, so the page can switch between the offline card and the player. */
  onSystem?(e: SystemEvent): void;
  onViewers?(count: number): void;
  /** The list as shown (history, new messages, less deleted and hidden ones), on every change: the Studio's overlay. */
  onMessages?(messages: readonly ChatMessage[]): void;
  /** Shown when the visitor may read but not write. */
  signInHint?: React.ReactNode;
  className?: string;
}

type Status = { kind: 'connecting' } | { kind: 'joined' } | { kind: 'error'; message: string } | { kind: 'removed' };

const MAX_SHOWN = 300;
const ACK_TIMEOUT_MS = 8000;

function useChatSocket(): ChatSocket {
  const [socket, setSocket] = useState<ChatSocket>(() => chatSocket());
  useEffect(() => onChatSocketChange(setSocket), []);
  return socket;
}

function timeOf(iso: string, withDate = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return withDate ? `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })}, ${time}` : time;
}

/** A run of stream start / end lines in one line, with the toggle that shows its earlier lines. */
function FoldLine({ fold, open, onToggle }: { fold: Extract<ChatRow, { kind: 'fold' }>; open: boolean; onToggle(key: string): void }) {
  return (
    <li className="chat__msg chat__msg--system chat__fold" data-testid="chat-fold">
      <span className="chat__system">{foldSummary(fold, timeOf)}</span>{' '}
      <button type="button" className="chat__fold-toggle" aria-expanded={open} onClick={() => onToggle(fold.key)}>
        {open ? 'Hide earlier' : `Show ${fold.hidden.length} more`}
      </button>
    </li>
  );
}

export function Chat({ channel, onSystem, onViewers, onMessages, signInHint, className }: ChatProps) {
  const socket = useChatSocket();
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [status, setStatus] = useState<Status>({ kind: 'connecting' });
  const [you, setYou] = useState<JoinResult['you'] | null>(null);
  const [text, setText] = useState('');
  const [sendError, setSendError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [modes, setModes] = useState<PublicChatSettings | null>(null);
  /** Slow mode: when the next message may go (epoch ms), and the seconds left, ticking. */
  const [waitUntil, setWaitUntil] = useState(0);
  const [waitLeft, setWaitLeft] = useState(0);
  /** The author whose menu is open (message id). */
  const [menuFor, setMenuFor] = useState<number | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [showControls, setShowControls] = useState(false);
  /** Folds of stream notices the reader opened (chat-fold.ts), by key. */
  const [openFolds, setOpenFolds] = useState<ReadonlySet<string>>(() => new Set());
  const listRef = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const cbs = useRef({ onSystem, onViewers, onMessages });
  cbs.current = { onSystem, onViewers, onMessages };
  const key = channel.toLowerCase();

  useEffect(() => {
    let active = true;
    const add = (m: ChatMessage) => setMessages((list) => (list.some((x) => x.id === m.id) ? list : [...list, m].slice(-MAX_SHOWN)));
    // Messages deleted or hidden while a join is on its way: the server reads the history after joining the room, so
    // a deletion told in between may not be in it yet, and the history would bring the message back.
    let goneWhileJoining: Set<number> | null = null;
    const gone = (ids: readonly number[]) => {
      for (const id of ids) goneWhileJoining?.add(id);
      const set = new Set(ids);
      setMessages((list) => list.filter((m) => !set.has(m.id)));
    };
    const join = () => {
      setStatus({ kind: 'connecting' });
      const goneNow = (goneWhileJoining = new Set());
      socket.timeout(ACK_TIMEOUT_MS).emit('join', { channel: key }, (err: Error | null, ack: ChatAck<JoinResult>) => {
        if (goneWhileJoining === goneNow) goneWhileJoining = null;
        if (!active) return;
        if (err) return setStatus({ kind: 'error', message: 'Chat is not answering. Retrying…' });
        if (!ack.ok) return setStatus({ kind: 'error', message: ack.error.message });
        setMessages(ack.history.filter((m) => !goneNow.has(m.id)).slice(-MAX_SHOWN));
        setYou(ack.you);
        setModes(ack.settings);
        setStatus({ kind: 'joined' });
        cbs.current.onViewers?.(ack.viewers);
      });
    };
    const onMessage = (m: ChatMessage) => {
      if (m.channel === key) add(m);
    };
    const onDeleted = (e: { channel: string; id: number }) => {
      if (e.channel === key) gone([e.id]);
    };
    const onSystemEvt = (e: SystemEvent) => {
      if (e.channel !== key) return;
      add(
        e.message ?? {
          id: -Date.now(),
          channel: key,
          author: { name: 'Onair', kind: 'system' },
          text: e.text,
          at: new Date().toISOString(),
          system: e.kind,
        },
      );
      cbs.current.onSystem?.(e);
    };
    const onViewersEvt = (e: { channel: string; count: number }) => {
      if (e.channel === key) cbs.current.onViewers?.(e.count);
    };
    const onRemoved = (e: { channel: string }) => {
      if (e.channel === key) setStatus({ kind: 'removed' });
    };
    const onSettings = (e: SettingsEvent) => {
      if (e.channel === key) setModes(e.settings);
    };
    const onRole = (e: RoleEvent) => {
      if (e.channel === key) setYou((was) => was && { ...was, role: e.role, canModerate: e.canModerate });
    };
    const onHidden = (e: HiddenEvent) => {
      if (e.channel === key) gone(e.ids);
    };
    const onMessages = (ms: ChatMessage[]) => ms.forEach((m) => onMessage(m));
    const onDisconnect = () => active && setStatus({ kind: 'connecting' });
    const onConnectError = () => active && setStatus({ kind: 'error', message: 'Cannot reach chat. Retrying…' });
    socket.on('connect', join);
    socket.on('disconnect', onDisconnect);
    socket.on('connect_error', onConnectError);
    socket.on('message', onMessage);
    socket.on('messages', onMessages);
    socket.on('deleted', onDeleted);
    socket.on('system', onSystemEvt);
    socket.on('viewers', onViewersEvt);
    socket.on('removed', onRemoved);
    socket.on('settings', onSettings);
    socket.on('role', onRole);
    socket.on('hidden', onHidden);
    if (socket.connected) join();
    return () => {
      active = false;
      socket.off('connect', join);
      socket.off('disconnect', onDisconnect);
      socket.off('connect_error', onConnectError);
      socket.off('message', onMessage);
      socket.off('messages', onMessages);
      socket.off('deleted', onDeleted);
      socket.off('system', onSystemEvt);
      socket.off('viewers', onViewersEvt);
      socket.off('removed', onRemoved);
      socket.off('settings', onSettings);
      socket.off('role', onRole);
      socket.off('hidden', onHidden);
      if (socket.connected) socket.emit('leave', { channel: key });
    };
  }, [socket, key]);

  useEffect(() => {
    cbs.current.onMessages?.(messages);
  }, [messages]);

  // Keep the newest message in view unless the reader scrolled up.
  useEffect(() => {
    const el = listRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const onScroll = () => {
    const el = listRef.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };

  // The slow-mode countdown, by the second, only while one runs.
  useEffect(() => {
    if (waitUntil <= Date.now()) return setWaitLeft(0);
    const tick = () => setWaitLeft(Math.max(0, Math.ceil((waitUntil - Date.now()) / 1000)));
    tick();
    const timer = setInterval(tick, 250);
    return () => clearInterval(timer);
  }, [waitUntil]);

  const send = (e: FormEvent) => {
    e.preventDefault();
    const t = text.trim();
    if (!t || sending || waitLeft > 0) return;
    setSending(true);
    setSendError(null);
    setNote(null);
    socket.timeout(ACK_TIMEOUT_MS).emit('send', { channel: key, text: t }, (err: Error | null, ack: ChatAck<{ message: ChatMessage }>) => {
      setSending(false);
      if (err) return setSendError('Chat did not answer; the message may not have been sent.');
      if (!ack.ok) {
        if (ack.error.code === 'slow_mode' && ack.error.retryAfterSeconds) setWaitUntil(Date.now() + ack.error.retryAfterSeconds * 1000);
        return setSendError(ack.error.message);
      }
      if (modes?.slowModeSeconds && !you?.canModerate) setWaitUntil(Date.now() + modes.slowModeSeconds * 1000);
      // Only what was sent is cleared: what was typed while the answer was on its way stays.
      setText((now) => (now.trim() === t ? '' : now));
      stick.current = true;
      setMessages((list) => (list.some((x) => x.id === ack.message.id) ? list : [...list, ack.message].slice(-MAX_SHOWN)));
    });
  };

  const toggleFold = (key: string) =>
    setOpenFolds((was) => {
      const next = new Set(was);
      if (!next.delete(key)) next.add(key);
      return next;
    });

  const canWrite = status.kind === 'joined' && !!you && (you.signedIn || you.role === 'guest');
  const modeLabels = chatModeLabels(modes);
  const placeholder = waitLeft > 0 ? `Slow mode: wait ${waitLeft} s` : modeLabels.length ? modeLabels.join(' · ') : 'Send a message';
  // Counted as the server counts (grapheme clusters): an input maxLength would count UTF-16 units instead.
  const tooLong = graphemeLength(text, CHAT_LIMITS.maxMessageChars) > CHAT_LIMITS.maxMessageChars;

  return (
    <section className={`chat ${className ?? ''}`} aria-label="Chat" data-testid="chat" data-status={status.kind}>
      <header className="chat__header">
        <h2>Chat</h2>
        {you && status.kind === 'joined' && <span className="chat__you">as {you.name}</span>}
        {you?.canModerate && modes && status.kind === 'joined' && (
          <button type="button" className="chat__modes-toggle" aria-expanded={showControls} onClick={() => setShowControls(!showControls)}>
            Chat modes
          </button>
        )}
      </header>
      {showControls && you?.canModerate && modes && <ChatModeControls socket={socket} channel={key} modes={modes} />}
      <ol className="chat__list" ref={listRef} onScroll={onScroll} aria-live="polite" aria-label="Chat messages">
        {foldChat(messages, openFolds).map((row) => {
          if (row.kind === 'fold') return <FoldLine key={`fold-${row.key}`} fold={row} open={openFolds.has(row.key)} onToggle={toggleFold} />;
          const m = row.message;
          return (
            <li key={m.id} className={`chat__msg chat__msg--${m.author.kind}`} data-message-id={m.id}>
              {m.author.kind === 'system' ? (
                <span className="chat__system">{m.text}</span>
              ) : (
                <>
                  <span className="chat__time">{timeOf(m.at)}</span>{' '}
                  {you?.canModerate && m.author.name !== you.name ? (
                    <button
                      type="button"
                      className="chat__author chat__author--menu"
                      aria-expanded={menuFor === m.id}
                      aria-label={`Moderate ${m.author.name}`}
                      onClick={() => setMenuFor(menuFor === m.id ? null : m.id)}
                    >
                      {m.author.name}
                    </button>
                  ) : (
                    <span className="chat__author">{m.author.name}</span>
                  )}
                  {m.author.kind === 'guest' && <span className="chat__guest">guest</span>}
                  <span className="chat__sep">: </span>
                  <span className="chat__text">{m.text}</span>
                  {menuFor === m.id && you && (
                    <ChatUserMenu
                      socket={socket}
                      channel={key}
                      message={m}
                      you={you}
                      onDone={(said, failed) => {
                        setMenuFor(null);
                        if (failed) setSendError(said);
                        else setNote(said);
                      }}
                    />
                  )}
                </>
              )}
            </li>
          );
        })}
        {status.kind === 'joined' && messages.length === 0 && <li className="chat__empty">No messages yet. Say hello!</li>}
      </ol>
      {status.kind === 'connecting' && <p className="chat__status">Connecting to chat…</p>}
      {status.kind === 'error' && <p className="chat__status chat__status--error">{status.message}</p>}
      {status.kind === 'removed' && <p className="chat__status chat__status--error">You were removed from this chat.</p>}
      {tooLong && (
        <p className="chat__status chat__status--error" role="alert">
          Messages can be at most {CHAT_LIMITS.maxMessageChars} characters.
        </p>
      )}
      {note && (
        <p className="chat__status" role="status">
          {note}
        </p>
      )}
      {sendError && (
        <p className="chat__status chat__status--error" role="alert">
          {sendError}
        </p>
      )}
      {status.kind === 'joined' && !canWrite ? (
        <div className="chat__hint">{signInHint ?? 'Sign in to chat.'}</div>
      ) : (
        <form className="chat__form" onSubmit={send}>
          {(modeLabels.length > 0 || waitLeft > 0) && (
            <p className="chat__modes" data-testid="chat-modes">
              {modeLabels.join(' · ')}
              {waitLeft > 0 && <span className="chat__wait"> — you can send again in {waitLeft} s</span>}
            </p>
          )}
          <input
            type="text"
            aria-label="Send a message"
            placeholder={placeholder}
            value={text}
            aria-invalid={tooLong}
            onChange={(e) => setText(e.target.value)}
            disabled={!canWrite}
            autoComplete="off"
          />
          <button type="submit" disabled={!canWrite || sending || !text.trim() || tooLong || waitLeft > 0}>
            Send
          </button>
        </form>
      )}
    </section>
  );
}
