// The chat benchmark's clients (bench/chat.ts starts them as `bench/chat.ts --role clients`, one process per
// --workers): each connects its share of socket.io clients to the room, records when every message arrives in a
// latency histogram, and reports JSON lines on stdout (ready, then stats when told to stop on stdin).
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { arg } from './cli-args.js';

/** The room every client joins (the channel the orchestrator creates). */
export const CHANNEL = 'benchroom';
/** Latency histogram: 0.1 ms buckets up to 10 s. */
export const BUCKET_MS = 0.1;
const BUCKETS = 100_000;
/** Concurrent connection attempts per worker while ramping up. */
const CONNECT_CONCURRENCY = 100;
const CONNECT_TIMEOUT_MS = 20_000;

export const nowMs = () => performance.timeOrigin + performance.now();

export async function runClients(): Promise<void> {
  const { io } = await import('socket.io-client');
  const base = arg('base', '');
  const n = Number(arg('n', '0'));
  const hist = new Uint32Array(BUCKETS + 1);
  const perSeq = new Map<string, number>();
  let received = 0;
  let disconnects = 0;
  let connectErrors = 0;
  let joined = 0;
  const sockets: any[] = [];
  const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

  const onMessage = (m: { text: string }) => {
    const t = nowMs();
    if (!m.text.startsWith('b|')) return;
    const [, seq, ts] = m.text.split('|');
    const lat = t - Number(ts);
    hist[Math.min(BUCKETS, Math.max(0, Math.floor(lat / BUCKET_MS)))]++;
    perSeq.set(seq, (perSeq.get(seq) ?? 0) + 1);
    received++;
  };
  // Raw socket.io protocol clients (engine.io v4 over ws): each is a real socket.io connection to the server,
  // but the load generator does far less work per message than socket.io-client (identical frames are decoded
  // once per process), so it does not starve the server of the shared CPU. --client socketio uses socket.io-client.
  const { WebSocket } = await import('ws');
  const url = base.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
  const decoded = new Map<string, { text: string }[]>();
  const rawOne = () =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      sockets.push({ close: () => ws.close() });
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      const timer = setTimeout(() => {
        connectErrors++;
        finish();
      }, CONNECT_TIMEOUT_MS);
      ws.on('error', () => {
        connectErrors++;
        clearTimeout(timer);
        finish();
      });
      ws.on('close', () => {
        if (done) disconnects++;
      });
      ws.on('message', (data: Buffer) => {
        const f = data.toString();
        if (f === '2') return ws.send('3');
        if (f.startsWith('42["message')) {
          // '42["message",{…}]' or a batch '42["messages",[…]]'; identical frames are decoded once per process.
          let ms = decoded.get(f);
          if (ms === undefined) {
            if (decoded.size > 10_000) decoded.clear();
            const [name, payload] = JSON.parse(f.slice(2)) as [string, unknown];
            ms = name === 'messages' ? (payload as { text: string }[]) : name === 'message' ? [payload as { text: string }] : [];
            decoded.set(f, ms);
          }
          for (const m of ms) onMessage(m);
          return;
        }
        if (f.startsWith('0{')) return ws.send('40');
        if (f.startsWith('40')) return ws.send(`420["join",{"channel":"${CHANNEL}"}]`);
        if (f.startsWith('430')) {
          if (f.startsWith('430[{"ok":true')) joined++;
          clearTimeout(timer);
          finish();
        }
      });
    });
  const one = arg('client', 'raw') === 'socketio' ? () => sioOne() : () => rawOne();
  const sioOne = () =>
    new Promise<void>((resolve) => {
      const s = io(base, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, timeout: CONNECT_TIMEOUT_MS });
      sockets.push(s);
      s.on('message', onMessage);
      s.on('messages', (ms: { text: string }[]) => ms.forEach(onMessage));
      s.on('disconnect', () => disconnects++);
      s.once('connect_error', () => {
        connectErrors++;
        resolve();
      });
      s.once('connect', () => {
        s.timeout(CONNECT_TIMEOUT_MS).emit('join', { channel: CHANNEL }, (err: unknown, r: { ok: boolean }) => {
          if (!err && r?.ok) joined++;
          resolve();
        });
      });
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONNECT_CONCURRENCY, n) }, async () => {
      while (next < n) {
        next++;
        await one();
      }
    }),
  );
  out({ type: 'ready', joined, connectErrors });
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() === 'reset') {
      hist.fill(0);
      perSeq.clear();
      received = 0;
      out({ type: 'reset' });
    }
    if (line.trim() !== 'stop') return;
    const h: Array<[number, number]> = [];
    hist.forEach((c, i) => c && h.push([i, c]));
    out({ type: 'stats', joined, received, disconnects, connectErrors, perSeq: Object.fromEntries(perSeq), hist: h });
    for (const s of sockets) s.close();
    setTimeout(() => process.exit(0), 200).unref();
  });
}
