// One socket.io connection per app, typed with the chat contract (server/api/chat.ts). Chat panels join rooms on
// it; the app listens for `notice` (a followed channel went live) on the same connection.
import { io, type Socket } from 'socket.io-client';
import { CHAT_PATH, type ChatClientToServer, type ChatServerToClient } from './contracts.js';

export type ChatSocket = Socket<ChatServerToClient, ChatClientToServer>;

export interface ChatSocketOptions {
  /** '' (default) for the page's origin; the server URL for Onair Studio. */
  baseUrl?: string;
  /** Bearer token (Onair Studio). The viewer app's session and guest cookies travel with the handshake. */
  token?: string;
  guestToken?: string;
}

let shared: ChatSocket | null = null;
let sharedOpts: ChatSocketOptions = {};
const listeners = new Set<(s: ChatSocket) => void>();

export function chatSocket(opts: ChatSocketOptions = sharedOpts): ChatSocket {
  if (shared && opts === sharedOpts) return shared;
  shared?.disconnect();
  sharedOpts = opts;
  const auth: Record<string, string> = {};
  if (opts.token) auth.token = opts.token;
  if (opts.guestToken) auth.guestToken = opts.guestToken;
  const s: ChatSocket = io(opts.baseUrl || undefined, {
    path: CHAT_PATH,
    withCredentials: true,
    auth,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10_000,
  });
  shared = s;
  for (const l of listeners) l(s);
  return s;
}

/** Reconnects so the server sees who is signed in now (after sign-in, sign-out or redeeming an invite). */
export function reconnectChat(opts: ChatSocketOptions = { ...sharedOpts }): ChatSocket {
  return chatSocket(opts);
}

/** Called with the new socket whenever it is replaced. */
export function onChatSocketChange(fn: (s: ChatSocket) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
