// A room's chat messages to every connection of this process, for the least work per recipient. socket.io's
// `io.to(room).emit` encodes the packet once, but then hands it to each recipient through four layers (socket.io
// client, engine.io socket with its packet object, events and flush bookkeeping, the transport, ws' sender), and ws
// writes its header and payload as two chunks (cork, write, write, uncork). At thousands of recipients that per-socket
// JavaScript is a quarter of the server's time (profile: bench/results/chat-2026-12-03.md). Here the whole
// WebSocket frame (header and payload, one Buffer) is built once per batch and written as it is to each connection's
// ws sender, the call engine.io itself makes for a pre-encoded frame.
//
// A connection goes the ordinary way (the same packet, through socket.io) whenever writing directly could reorder
// or skip something: not on WebSocket (still long-polling, or upgrading), engine.io holding packets back (a write of
// its own still in flight), compression negotiated, or not open. Order per connection is kept: what engine.io
// wrote before sits in the socket's buffer ahead of this frame, and what it writes after goes behind it.
//
// Only this process's connections: with several processes (Redis) the adapter's broadcast reaches the others, so
// service.ts uses this only for a single process.
import * as ws from 'ws';
import type { ChatServerToClient } from '../api/chat.js';
import type { ChatIo } from './protocol.js';

/** What this module reads of engine.io's connection (engine.io Socket) and its WebSocket transport. */
interface EngineConn {
  readyState: string;
  upgrading: boolean;
  writeBuffer: unknown[];
  transport?: {
    name: string;
    writable: boolean;
    perMessageDeflate?: unknown;
    socket?: { readyState: number; _sender?: { sendFrame?: (list: Buffer[], cb?: () => void) => void } };
  };
}

/** ws' frame builder (exported by ws, absent from its type definitions). */
const { Sender } = ws as unknown as {
  Sender: { frame(data: Buffer, o: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean }): Buffer[] };
};

interface PacketEncoder {
  encode(packet: { type: number; nsp: string; data: unknown[] }): unknown[];
}

/** socket.io-parser's EVENT packet type; "4" is engine.io's "message". */
const SIO_EVENT = 2;
const EIO_MESSAGE = '4';
const WS_OPEN = 1;

export type RoomEvent = Extract<keyof ChatServerToClient, 'message' | 'messages'>;

export interface FanoutStats {
  /** Recipients written directly. */
  direct: number;
  /** Recipients that went through socket.io. */
  fallback: number;
}

/** The complete WebSocket text frame for one socket.io event on the main namespace; null if it has binary parts. */
export function encodeEventFrame(encoder: PacketEncoder, event: string, data: unknown): Buffer | null {
  const encoded = encoder.encode({ type: SIO_EVENT, nsp: '/', data: [event, data] });
  if (encoded.length !== 1 || typeof encoded[0] !== 'string') return null;
  const payload = Buffer.from(EIO_MESSAGE + encoded[0]);
  return Buffer.concat(Sender.frame(payload, { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true }));
}

/** Writes `frame` to the connection if it can go directly without reordering anything; false: send it the ordinary way. */
function writeDirect(conn: EngineConn, frame: Buffer): boolean {
  const t = conn.transport;
  if (conn.readyState !== 'open' || conn.upgrading || conn.writeBuffer.length > 0) return false;
  if (!t || t.name !== 'websocket' || !t.writable || t.perMessageDeflate) return false;
  const ws = t.socket;
  const sendFrame = ws?._sender?.sendFrame;
  if (!ws || ws.readyState !== WS_OPEN || typeof sendFrame !== 'function') return false;
  sendFrame.call(ws._sender, [frame]);
  return true;
}

/** Emits `event` to every connection of this process in `room`: one encoding, one write per connection. */
export function emitToRoom(io: ChatIo, room: string, event: RoomEvent, data: unknown): FanoutStats {
  const nsp = io.of('/');
  const ids = nsp.adapter.rooms.get(room);
  const stats: FanoutStats = { direct: 0, fallback: 0 };
  if (!ids || ids.size === 0) return stats;
  const frame = encodeEventFrame((nsp.adapter as unknown as { encoder: PacketEncoder }).encoder, event, data);
  if (!frame) {
    io.local.to(room).emit(event, data as never);
    stats.fallback = ids.size;
    return stats;
  }
  let others: string[] | undefined;
  for (const id of ids) {
    const socket = nsp.sockets.get(id);
    if (!socket) continue;
    if (writeDirect(socket.conn as unknown as EngineConn, frame)) stats.direct++;
    else (others ??= []).push(id);
  }
  // Every socket is in a room named by its id.
  if (others) {
    io.local.to(others).emit(event, data as never);
    stats.fallback = others.length;
  }
  return stats;
}
