// The chat panel: joins a channel's room on the shared socket, shows history and new messages, sends, and gives
// moderators delete / timeout / ban on each message.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { chatSocket, onChatSocketChange, type ChatSocket } from './chat-socket.js';
import { CHAT_LIMITS, graphemeLength, type ChatAck, type ChatMessage, type JoinResult, type SystemEvent } from './contracts.js';
import './chat.css';

export interface ChatProps {
  channel: string;
  /** Live / ended announcements, so the page can switch between the offline card and the player. */
  onSystem?(e: SystemEvent): void;
  onViewers?(count: number): void;
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

function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function Chat({ channel, onSystem, onViewers, signInHint, className }: ChatProps) {
  const socket = useChatSocket();
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [status, setStatus] = useState<Status>({ kind: 'connecting' });
  const [you, setYou] = useState<JoinResult['you'] | null>(null);
  const [text, setText] = useState('');
  const [sendError, setSendError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const cbs = useRef({ onSystem, onViewers });
  cbs.current = { onSystem, onViewers };
  const key = channel.toLowerCase();

  useEffect(() => {
    let active = true;
    const add = (m: ChatMessage) => setMessages((list) => (list.some((x) => x.id === m.id) ? list : [...list, m].slice(-MAX_SHOWN)));
    const join = () => {
      setStatus({ kind: 'connecting' });
      socket.timeout(ACK_TIMEOUT_MS).emit('join', { channel: key }, (err: Error | null, ack: ChatAck<JoinResult>) => {
        if (!active) return;
        if (err) return setStatus({ kind: 'error', message: 'Chat is not answering. Retrying…' });
        if (!ack.ok) return setStatus({ kind: 'error', message: ack.error.message });
        setMessages(ack.history.slice(-MAX_SHOWN));
        setYou(ack.you);
        setStatus({ kind: 'joined' });
        cbs.current.onViewers?.(ack.viewers);
      });
    };
    const onMessage = (m: ChatMessage) => {
      if (m.channel === key) add(m);
    };
    const onDeleted = (e: { channel: string; id: number }) => {
      if (e.channel === key) setMessages((list) => list.filter((m) => m.id !== e.id));
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
      if (socket.connected) socket.emit('leave', { channel: key });
    };
  }, [socket, key]);

  // Keep the newest message in view unless the reader scrolled up.
  useEffect(() => {
    const el = listRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const onScroll = () => {
    const el = listRef.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };

  const send = (e: FormEvent) => {
    e.preventDefault();
    const t = text.trim();
    if (!t || sending) return;
    setSending(true);
    setSendError(null);
    socket.timeout(ACK_TIMEOUT_MS).emit('send', { channel: key, text: t }, (err: Error | null, ack: ChatAck<{ message: ChatMessage }>) => {
      setSending(false);
      if (err) return setSendError('Chat did not answer; the message may not have been sent.');
      if (!ack.ok) return setSendError(ack.error.message);
      setText('');
      stick.current = true;
      setMessages((list) => (list.some((x) => x.id === ack.message.id) ? list : [...list, ack.message].slice(-MAX_SHOWN)));
    });
  };

  const moderate = (action: 'delete' | 'timeout' | 'ban', m: ChatMessage) => {
    const done = (err: Error | null, ack: ChatAck<{ affected: number }>) => {
      if (err) setSendError('Chat did not answer.');
      else if (!ack.ok) setSendError(ack.error.message);
    };
    const s = socket.timeout(ACK_TIMEOUT_MS);
    if (action === 'delete') s.emit('delete', { channel: key, messageId: m.id }, done);
    else if (action === 'timeout') s.emit('timeout', { channel: key, target: { messageId: m.id }, seconds: 300 }, done);
    else s.emit('ban', { channel: key, target: { messageId: m.id } }, done);
  };

  const canWrite = status.kind === 'joined' && !!you && (you.signedIn || you.role === 'guest');
  // Counted as the server counts (grapheme clusters): an input maxLength would count UTF-16 units instead.
  const tooLong = graphemeLength(text, CHAT_LIMITS.maxMessageChars) > CHAT_LIMITS.maxMessageChars;

  return (
    <section className={`chat ${className ?? ''}`} aria-label="Chat" data-testid="chat" data-status={status.kind}>
      <header className="chat__header">
        <h2>Chat</h2>
        {you && status.kind === 'joined' && <span className="chat__you">as {you.name}</span>}
      </header>
      <ol className="chat__list" ref={listRef} onScroll={onScroll} aria-live="polite" aria-label="Chat messages">
        {messages.map((m) => (
          <li key={m.id} className={`chat__msg chat__msg--${m.author.kind}`} data-message-id={m.id}>
            {m.author.kind === 'system' ? (
              <span className="chat__system">{m.text}</span>
            ) : (
              <>
                <span className="chat__time">{timeOf(m.at)}</span> <span className="chat__author">{m.author.name}</span>
                {m.author.kind === 'guest' && <span className="chat__guest">guest</span>}
                <span className="chat__sep">: </span>
                <span className="chat__text">{m.text}</span>
                {you?.canModerate && m.author.name !== you.name && (
                  <span className="chat__mod">
                    <button type="button" onClick={() => moderate('delete', m)} aria-label={`Delete message from ${m.author.name}`}>
                      Delete
                    </button>
                    <button type="button" onClick={() => moderate('timeout', m)} aria-label={`Time out ${m.author.name} for 5 minutes`}>
                      Timeout
                    </button>
                    <button type="button" onClick={() => moderate('ban', m)} aria-label={`Ban ${m.author.name}`}>
                      Ban
                    </button>
                  </span>
                )}
              </>
            )}
          </li>
        ))}
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
      {sendError && (
        <p className="chat__status chat__status--error" role="alert">
          {sendError}
        </p>
      )}
      {status.kind === 'joined' && !canWrite ? (
        <div className="chat__hint">{signInHint ?? 'Sign in to chat.'}</div>
      ) : (
        <form className="chat__form" onSubmit={send}>
          <input
            type="text"
            aria-label="Send a message"
            placeholder="Send a message"
            value={text}
            aria-invalid={tooLong}
            onChange={(e) => setText(e.target.value)}
            disabled={!canWrite}
            autoComplete="off"
          />
          <button type="submit" disabled={!canWrite || sending || !text.trim() || tooLong}>
            Send
          </button>
        </form>
      )}
    </section>
  );
}
