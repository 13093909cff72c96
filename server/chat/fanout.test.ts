// The direct fan-out (fanout.ts) against real socket.io clients: WebSocket clients get the events
// `io.to(room).emit` would give them, byte for byte the same frame, in order with what socket.io sends them itself;
// a long-polling client, which cannot take a WebSocket frame, gets them the ordinary way; other rooms get nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { ChatMessage } from '../api/chat.js';
import { emitToRoom } from './fanout.js';
import type { ChatIo } from './protocol.js';

const msg = (id: number, text: string) =>
  ({ id, channel: 'c', text, at: 1_700_000_000_000 + id, author: { name: 'zoë', kind: 'user' } }) as unknown as ChatMessage;

describe('direct room fan-out', () => {
  let server: http.Server;
  let io: ChatIo;
  let base: string;
  const clients: ClientSocket[] = [];

  const connect = (transports: string[]) =>
    new Promise<ClientSocket>((resolve, reject) => {
      const s = ioClient(base, { transports, forceNew: true, reconnection: false, upgrade: false });
      clients.push(s);
      s.once('connect', () => s.emit('join', 'r', () => resolve(s)));
      s.once('connect_error', reject);
    });
  const received = (s: ClientSocket) => {
    const out: string[] = [];
    s.onAny((event: string, payload: unknown) => out.push(`${event}:${JSON.stringify(payload)}`));
    return out;
  };
  const waitFor = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(cond(), what);
  };

  before(async () => {
    server = http.createServer();
    io = new Server(server, { serveClient: false }) as unknown as ChatIo;
    io.on('connection', (socket) => {
      (socket as unknown as { on(e: string, l: (room: string, ack: () => void) => void): void }).on('join', (room, ack) => {
        void socket.join(room);
        ack();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const c of clients) c.close();
    await io.close();
  });

  it('delivers the same events as io.to(room).emit, in order, to WebSocket and long-polling clients', async () => {
    const ws = await connect(['websocket']);
    const polling = await connect(['polling']);
    const outsider = await new Promise<ClientSocket>((resolve) => {
      const s = ioClient(base, { transports: ['websocket'], forceNew: true, reconnection: false });
      clients.push(s);
      s.once('connect', () => resolve(s));
    });
    const [gotWs, gotPolling, gotOutsider] = [received(ws), received(polling), received(outsider)];
    const batch = [msg(2, 'second "quoted" ✓'), msg(3, 'third\nline')];

    const s1 = emitToRoom(io, 'r', 'message', msg(1, 'first'));
    io.to('r').emit('viewers', { channel: 'c', count: 2 });
    const s2 = emitToRoom(io, 'r', 'messages', batch);
    assert.deepEqual(s1, { direct: 1, fallback: 1 }, 'the WebSocket client directly, the polling one through socket.io');
    // socket.io's own write to the WebSocket client is still in flight: the batch goes behind it through socket.io.
    assert.deepEqual(s2, { direct: 0, fallback: 2 });
    await waitFor(() => gotWs.length >= 3, 'the WebSocket client got three events');
    const s3 = emitToRoom(io, 'r', 'message', msg(4, 'fourth'));
    assert.deepEqual(s3, { direct: 1, fallback: 1 }, 'once written, directly again');

    const expected = [
      `message:${JSON.stringify(msg(1, 'first'))}`,
      `viewers:${JSON.stringify({ channel: 'c', count: 2 })}`,
      `messages:${JSON.stringify(batch)}`,
      `message:${JSON.stringify(msg(4, 'fourth'))}`,
    ];
    await waitFor(() => gotWs.length >= 4 && gotPolling.length >= 4, 'both clients got four events');
    assert.deepEqual(gotWs, expected);
    assert.deepEqual(gotPolling, expected);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(gotOutsider, [], 'a connection outside the room gets nothing');
  });

  it('writes exactly the frame socket.io writes for the same emit', async () => {
    const url = `${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const raw = new WebSocket(url, { perMessageDeflate: false });
    const frames: string[] = [];
    await new Promise<void>((resolve) => {
      raw.on('message', (d: Buffer) => {
        const f = d.toString();
        if (f.startsWith('0{')) raw.send('40');
        else if (f.startsWith('40')) raw.send('420["join","raw"]');
        else if (f.startsWith('430')) resolve();
        else frames.push(f);
      });
    });
    const m = msg(9, 'same bytes ✓');
    io.to('raw').emit('message', m);
    // Until that write completes engine.io holds the connection (not writable) and the fan-out defers to it.
    assert.deepEqual(emitToRoom(io, 'raw', 'message', m), { direct: 0, fallback: 1 });
    await waitFor(() => frames.length >= 2, 'two frames');
    assert.deepEqual(emitToRoom(io, 'raw', 'message', m), { direct: 1, fallback: 0 });
    await waitFor(() => frames.length >= 3, 'three frames');
    assert.equal(frames[2], frames[0]);
    assert.equal(frames[1], frames[0]);
    assert.equal(frames[0], `42${JSON.stringify(['message', m])}`);
    raw.close();
  });

  it('does nothing for an empty or unknown room', () => {
    assert.deepEqual(emitToRoom(io, 'nobody-here', 'message', msg(1, 'x')), { direct: 0, fallback: 0 });
  });
});
