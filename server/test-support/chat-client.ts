// Client-side helpers for the chat tests and the benchmark: a typed socket.io-client and event waiting.
import { io, type Socket } from 'socket.io-client';
import { CHAT_PATH, type ChatClientToServer, type ChatServerToClient } from '../api/chat.js';

export type ChatClient = Socket<ChatServerToClient, ChatClientToServer>;

/** Connects over WebSocket only; resolves once connected, rejects with the server's connect_error. */
export function connectChat(base: string, auth: { token?: string; guestToken?: string } = {}, timeoutMs = 5000): Promise<ChatClient> {
  const socket: ChatClient = io(base, { path: CHAT_PATH, transports: ['websocket'], forceNew: true, reconnection: false, auth, timeout: timeoutMs });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      socket.close();
      reject(new Error('connect timed out'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(t);
      resolve(socket);
    });
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      clearTimeout(t);
      socket.close();
      reject(Object.assign(new Error(err.message), { data: err.data }));
    });
  });
}

/**
 * Resolves with the first `event` payload that matches; rejects after timeoutMs. For 'message' it also looks
 * inside 'messages' batches (a busy room's messages arrive together).
 */
export function nextEvent<T = any>(
  socket: ChatClient,
  event: keyof ChatServerToClient | 'disconnect',
  match: (p: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  const s = socket as unknown as { on(e: string, l: (p: any) => void): void; off(e: string, l: (p: any) => void): void };
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(t);
      s.off(event, on);
      if (event === 'message') s.off('messages', onBatch);
    };
    const t = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const on = (p: T) => {
      if (!match(p)) return;
      done();
      resolve(p);
    };
    const onBatch = (ps: T[]) => {
      const hit = ps.find((p) => match(p));
      if (hit === undefined) return;
      done();
      resolve(hit);
    };
    s.on(event, on);
    if (event === 'message') s.on('messages', onBatch);
  });
}

/** Collects every payload of an event ('message' includes the messages of 'messages' batches, in order). */
export function collect<T = any>(socket: ChatClient, event: keyof ChatServerToClient): T[] {
  const out: T[] = [];
  const s = socket as unknown as { on(e: string, l: (p: any) => void): void };
  s.on(event, (p: T) => out.push(p));
  if (event === 'message') s.on('messages', (ps: T[]) => out.push(...ps));
  return out;
}

/** emitWithAck for any event name and payload (malformed ones included), with a timeout. */
export function request<T = any>(socket: ChatClient, event: string, ...args: unknown[]): Promise<T> {
  return (socket as unknown as { timeout(ms: number): { emitWithAck(e: string, ...a: unknown[]): Promise<T> } })
    .timeout(5000)
    .emitWithAck(event, ...args);
}
