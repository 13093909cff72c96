// The cost of one chat fan-out per recipient, in CPU time of the server's thread (process.threadCpuUsage, so time
// the scheduler gave to other processes is not counted: usable on a busy shared box where latency is not).
// One process: a socket.io server with N raw WebSocket clients (socket.io protocol over ws) in one room; every
// 100 ms one 'messages' batch of two chat messages goes to the room, either through socket.io
// (`io.to(room).emit`, as before) or through server/chat/fanout.ts (one frame, written as it is). Modes alternate
// run by run. Reports user and system CPU per recipient (median over the batches of a run) and checks that every
// client got every batch.
//
//   npx tsx bench/chat-fanout.ts [--clients 3000] [--batches 40] [--runs 3]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { WebSocket } from 'ws';
import type { ChatMessage } from '../server/api/chat.js';
import { emitToRoom } from '../server/chat/fanout.js';
import type { ChatIo } from '../server/chat/protocol.js';
import { arg } from './cli-args.js';

const N = Number(arg('clients', '3000'));
const BATCHES = Math.min(1000, Number(arg('batches', '40')));
const RUNS = Math.min(20, Number(arg('runs', '3')));
const ROOM = 'ch:benchroom';
const threadCpu = (process as unknown as { threadCpuUsage(prev?: { user: number; system: number }): { user: number; system: number } })
  .threadCpuUsage;

const server = http.createServer();
const io = new Server(server, { serveClient: false }) as unknown as ChatIo;
io.on('connection', (s) => {
  (s as unknown as { on(e: string, l: (p: unknown, ack: () => void) => void): void }).on('join', (_p, ack) => {
    void s.join(ROOM);
    ack();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket.io/?EIO=4&transport=websocket`;
let received = 0;
const sockets: WebSocket[] = [];
const connectOne = () =>
  new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    sockets.push(ws);
    const t = setTimeout(() => reject(new Error('connect timed out')), 30_000);
    ws.on('error', reject);
    ws.on('message', (d: Buffer) => {
      const f = d.toString();
      if (f === '2') ws.send('3');
      else if (f.startsWith('0{')) ws.send('40');
      else if (f.startsWith('40')) ws.send('420["join",{}]');
      else if (f.startsWith('430')) {
        clearTimeout(t);
        resolve();
      } else if (f.startsWith('42["messages"')) received++;
    });
  });
for (let i = 0; i < N; i += 100) await Promise.all(Array.from({ length: Math.min(100, N - i) }, connectOne));

const text = 'gg that was a great play, what a comeback';
const batch = [1, 2].map(
  (id) =>
    ({
      id,
      channel: 'benchroom',
      text: `b|${id}|${Date.now()}|${text}`,
      at: Date.now(),
      author: { name: `sender${id}`, kind: 'user' },
    }) as unknown as ChatMessage,
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows: string[] = [];
for (let run = 1; run <= RUNS; run++) {
  for (const mode of ['socket.io', 'fanout.ts'] as const) {
    received = 0;
    const user: number[] = [];
    const system: number[] = [];
    for (let k = 0; k < BATCHES; k++) {
      await new Promise((r) => setTimeout(r, 100));
      const c0 = threadCpu();
      if (mode === 'socket.io') io.to(ROOM).emit('messages', batch);
      else emitToRoom(io, ROOM, 'messages', batch);
      const c = threadCpu(c0);
      user.push(c.user / N);
      system.push(c.system / N);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const u = median(user);
    const s = median(system);
    rows.push(`| ${run} | ${mode} | ${u.toFixed(2)} | ${s.toFixed(2)} | ${(u + s).toFixed(2)} | ${received} / ${N * BATCHES} |`);
    console.error(rows[rows.length - 1]);
  }
}
process.stdout.write(
  [
    `${new Date().toISOString()} · ${N} clients · ${BATCHES} batches per run · Node ${process.version}`,
    '',
    '| run | fan-out | user µs / recipient | system µs / recipient | total µs / recipient | frames received / sent |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n'),
);
for (const s of sockets) s.terminate();
await io.close();
process.exit(0);
