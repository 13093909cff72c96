// Chat fan-out benchmark: N socket.io clients in one room while signed-in senders send R messages/s in total.
// Measures delivery latency (send timestamp carried in the text vs receive time, same machine), drops (every
// client must receive every acknowledged message), and the server's CPU and RSS from /proc.
//
//   npx tsx bench/chat.ts [--clients 1000,5000] [--seconds 20] [--rate 20] [--senders 100] [--workers 2] [--redis] [--client raw|socketio]
//                         [--slow-mode 3] [--blocked-terms 50] [--out NAME]
//
// The channel's chat modes are on as a busy channel would have them: slow mode (seconds; 0 = off) and a list of
// blocked terms (count; 0 = none) that the bench's messages never hit. Senders take turns, so each sends once every
// senders / rate seconds, which must be longer than slow mode (checked), or messages would be refused.
// BENCH_CHAT_CPU_PROF=DIR writes the server's V8 CPU profile (node --cpu-prof) there.
//
// The server is server/test-support/chat-process.ts (http + attachChat, SQLite) started through
// `bash -c 'ulimit -n 20000; exec node …'`; clients run in --workers child processes (same ulimit), WebSocket
// transport only. Workers talk JSON lines: stdout (ready / stats), stdin (stop). Every child is started through
// bench/spawn.ts (its own process group, killed when the bench exits) and measured with bench/proc.ts.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { boxBusyPct, processCpuMs, processRssMB, readBoxCpu } from './proc.js';
import { killAllSync, sleep, spawnGroup, type Managed } from './spawn.js';
import { arg } from './cli-args.js';
import { BUCKET_MS, CHANNEL, nowMs, runClients } from './chat-clients.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const ULIMIT = 20000;
const WORKER_READY_TIMEOUT_MS = 240_000;
/** The rest of every message: ordinary chat words that no blocked term of the bench matches. */
const FILLER = 'gg that was a great play, what a comeback';

/** `n` blocked terms as an owner would write them (some with `*`, some of two words), none matching FILLER. */
function benchBlockedTerms(n: number): string[] {
  const stems = ['spoiler', 'scamlink', 'freecoins', 'buyfollowers', 'rude phrase', 'slur', 'crypto giveaway', 'clickhere', 'nsfw', 'doxx'];
  return Array.from({ length: n }, (_, i) => {
    const stem = stems[i % stems.length];
    const tag = String.fromCharCode(97 + (Math.floor(i / stems.length) % 26));
    return i % 3 === 0 ? `${stem}${tag}*` : `${stem} ${tag}${tag}${tag}`;
  });
}

// ---------------------------------------------------------------- orchestrator
interface Lines {
  next(type: string, timeoutMs: number): Promise<any>;
}
function jsonLines(child: ChildProcess): Lines {
  const queue: any[] = [];
  const waiters: Array<(v: any) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    let v: any;
    try {
      v = JSON.parse(l);
    } catch {
      return;
    }
    const w = waiters.shift();
    if (w) w(v);
    else queue.push(v);
  });
  return {
    next(type, timeoutMs) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), timeoutMs);
        const take = (v: any) => {
          clearTimeout(t);
          if (v.type !== undefined && v.type !== type) reject(new Error(`expected ${type}, got ${JSON.stringify(v).slice(0, 200)}`));
          else resolve(v);
        };
        const v = queue.shift();
        if (v) take(v);
        else waiters.push(take);
      });
    },
  };
}

/** A child under `ulimit -n ULIMIT` (bash execs into it, so its pid is the command's), stdin a pipe. */
function spawnUlimited(args: string[], env: Record<string, string>): Managed {
  const cmd = `ulimit -n ${ULIMIT}; exec ${args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')}`;
  return spawnGroup('bash', ['-c', cmd], { cwd: ROOT, env: { ...process.env, ...env }, stdin: 'pipe' });
}

interface LevelResult {
  clients: number;
  joined: number;
  connectErrors: number;
  connectSeconds: number;
  seconds: number;
  sent: number;
  acked: number;
  expectedDeliveries: number;
  delivered: number;
  dropped: number;
  disconnects: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  serverCpuPercent: number;
  /** Server CPU time per delivered message and client, in microseconds: less sensitive to a busy box than p99. */
  serverCpuUsPerDelivery: number;
  serverRssMb: { idle: number; mean: number; max: number };
  workerCpuPercent: number;
  boxBusyPercent: number;
}

async function runLevel(
  n: number,
  o: { seconds: number; rate: number; senders: Array<{ token: string }>; sqlitePath: string; workers: number; redis: boolean; client: string },
): Promise<LevelResult> {
  const { io } = await import('socket.io-client');
  const profDir = process.env.BENCH_CHAT_CPU_PROF;
  const prof = profDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profDir)] : [];
  const server = spawnUlimited([process.execPath, ...prof, '--import', 'tsx', 'server/test-support/chat-process.ts'], {
    CHAT_SQLITE: o.sqlitePath,
    ONAIR_LOG_LEVEL: 'warn',
    ...(o.redis ? { REDIS_URL: 'redis://127.0.0.1:6379', CHAT_REDIS_PREFIX: `onair-chat-bench-${process.pid}` } : {}),
  });
  const hello = await jsonLines(server.child)
    .next('hello (no type field)', 20_000)
    .catch((e) => {
      throw new Error(`server did not start: ${e.message} ${server.tail()}`);
    });
  const base = `http://127.0.0.1:${hello.port}`;
  const pid: number = hello.pid;
  await sleep(500);
  const idleRss = processRssMB(pid);

  // clients
  const t0 = Date.now();
  const per = Math.ceil(n / o.workers);
  const ws = Array.from({ length: o.workers }, (_, i) => {
    const count = Math.min(per, n - i * per);
    const c = spawnUlimited(
      [process.execPath, '--import', 'tsx', 'bench/chat.ts', '--role', 'clients', '--base', base, '--n', String(count), '--client', o.client],
      {},
    );
    return { c, lines: jsonLines(c.child) };
  });
  const ready = await Promise.all(ws.map((w) => w.lines.next('ready', WORKER_READY_TIMEOUT_MS)));
  const connectSeconds = (Date.now() - t0) / 1000;
  const joined = ready.reduce((a, r) => a + r.joined, 0);
  const connectErrors = ready.reduce((a, r) => a + r.connectErrors, 0);
  console.error(`chat bench: ${joined}/${n} clients joined in ${connectSeconds.toFixed(1)} s (${connectErrors} connect errors)`);

  // senders
  const senders = await Promise.all(
    o.senders.map(
      (s) =>
        new Promise<any>((resolve, reject) => {
          const sock = io(base, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: s.token } });
          sock.once('connect_error', reject);
          sock.once('connect', () =>
            sock
              .timeout(10_000)
              .emit('join', { channel: CHANNEL }, (err: unknown, r: any) => (err || !r.ok ? reject(err ?? r.error) : resolve(sock))),
          );
        }),
    ),
  );
  // Let the join-time viewer broadcasts settle, then start clean.
  await sleep(3000);
  for (const w of ws) w.c.child.stdin!.write('reset\n');
  await Promise.all(ws.map((w) => w.lines.next('reset', 10_000)));

  const rss: number[] = [];
  const cpu0 = processCpuMs(pid);
  const wcpu0 = ws.reduce((a, w) => a + processCpuMs(w.c.pid), 0);
  const box0 = readBoxCpu();
  const tStart = Date.now();
  const rssTimer = setInterval(() => rss.push(processRssMB(pid)), 1000);
  let seq = 0;
  let acked = 0;
  const ackedSeqs = new Set<string>();
  const intervalMs = 1000 / o.rate;
  const total = Math.round(o.seconds * o.rate);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (seq >= total) {
        clearInterval(timer);
        resolve();
        return;
      }
      const s = String(seq++);
      const sock = senders[Number(s) % senders.length];
      // The text after the timestamp makes a message as long as an ordinary chat line (the blocked-terms check reads it all).
      sock.timeout(10_000).emit('send', { channel: CHANNEL, text: `b|${s}|${nowMs()}|${FILLER}` }, (err: unknown, r: any) => {
        if (!err && r?.ok) {
          acked++;
          ackedSeqs.add(s);
        } else console.error('chat bench: send failed', err ?? r?.error);
      });
    }, intervalMs);
  });
  const cpuMs = processCpuMs(pid) - cpu0;
  const wcpuMs = ws.reduce((a, w) => a + processCpuMs(w.c.pid), 0) - wcpu0;
  const box1 = readBoxCpu();
  const elapsed = (Date.now() - tStart) / 1000;
  clearInterval(rssTimer);
  // Drain: give the last messages time to arrive.
  await sleep(3000);
  for (const w of ws) w.c.child.stdin!.write('stop\n');
  const stats = await Promise.all(ws.map((w) => w.lines.next('stats', 60_000)));
  for (const s of senders) s.close();

  const hist = new Map<number, number>();
  let delivered = 0;
  let disconnects = 0;
  const perSeq = new Map<string, number>();
  for (const st of stats) {
    disconnects += st.disconnects;
    for (const [i, c] of st.hist as Array<[number, number]>) hist.set(i, (hist.get(i) ?? 0) + c);
    for (const [k, c] of Object.entries(st.perSeq as Record<string, number>)) perSeq.set(k, (perSeq.get(k) ?? 0) + c);
  }
  let expected = 0;
  for (const s of ackedSeqs) {
    expected += joined;
    delivered += Math.min(joined, perSeq.get(s) ?? 0);
  }
  const sorted = [...hist].sort((a, b) => a[0] - b[0]);
  const count = sorted.reduce((a, [, c]) => a + c, 0);
  const pct = (p: number) => {
    let acc = 0;
    for (const [i, c] of sorted) {
      acc += c;
      if (acc >= p * count) return Math.round((i + 1) * BUCKET_MS * 10) / 10;
    }
    return NaN;
  };

  // A profiled server writes its profile on the way out, which takes a while on a busy box.
  await Promise.all([server, ...ws.map((w) => w.c)].map((c) => c.stop('SIGTERM', c === server && profDir ? 60_000 : 2000)));

  return {
    clients: n,
    joined,
    connectErrors,
    connectSeconds: Math.round(connectSeconds * 10) / 10,
    seconds: Math.round(elapsed * 10) / 10,
    sent: seq,
    acked,
    expectedDeliveries: expected,
    delivered,
    dropped: expected - delivered,
    disconnects,
    latencyMs: {
      p50: pct(0.5),
      p90: pct(0.9),
      p99: pct(0.99),
      max: sorted.length ? Math.round((sorted[sorted.length - 1][0] + 1) * BUCKET_MS) : NaN,
    },
    serverCpuPercent: Math.round((cpuMs / 1000 / elapsed) * 1000) / 10,
    serverCpuUsPerDelivery: Math.round((cpuMs * 1000 * 100) / Math.max(1, delivered)) / 100,
    serverRssMb: {
      idle: Math.round(idleRss),
      mean: Math.round(rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length)),
      max: Math.round(Math.max(...rss)),
    },
    workerCpuPercent: Math.round((wcpuMs / 1000 / elapsed) * 1000) / 10,
    boxBusyPercent: Math.round(boxBusyPct(box0, box1) * 10) / 10,
  };
}

async function main() {
  const levels = arg('clients', '1000,5000').split(',').map(Number);
  const seconds = Number(arg('seconds', '20'));
  const rate = Number(arg('rate', '20'));
  const nSenders = Number(arg('senders', '100'));
  const slowMode = Number(arg('slow-mode', '3'));
  const nTerms = Number(arg('blocked-terms', '50'));
  const outName = arg('out', 'chat-latest');
  if (slowMode > 0 && nSenders / rate <= slowMode) {
    throw new Error(`each sender sends every ${nSenders / rate} s, within slow mode (${slowMode} s): give more --senders or a lower --rate`);
  }
  const workers = Number(arg('workers', '2'));
  const redis = process.argv.includes('--redis');
  const client = arg('client', 'raw');
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-chat-bench-'));
  const sqlitePath = path.join(dir, 'bench.sqlite');
  try {
    const { openDatabase } = await import('../server/db/database.js');
    const { AccountsService } = await import('../server/db/accounts.js');
    const { TokensRepo } = await import('../server/db/auth-tokens.js');
    const db = await openDatabase({ sqlitePath });
    const accounts = new AccountsService(db, { scrypt: { N: 1024, r: 8, p: 1 } });
    const tokens = new TokensRepo(db);
    const { channel } = await accounts.createUserWithChannel(CHANNEL, 'password123');
    const { ChatModerationRepo } = await import('../server/db/chat-moderation.js');
    await new ChatModerationRepo(db).saveSettings(channel.id, {
      slowModeSeconds: slowMode > 0 ? slowMode : null,
      followersOnlyMinutes: null,
      signedInOnly: false,
      blockedTerms: benchBlockedTerms(nTerms),
      firstMessageDelayMinutes: null,
    });
    const senders: Array<{ token: string }> = [];
    for (let i = 0; i < nSenders; i++) {
      const { user } = await accounts.createUserWithChannel(`sender${i}`, 'password123');
      senders.push({ token: await tokens.issue(user.id, 'bearer', 3600) });
    }
    await db.close();

    const results: LevelResult[] = [];
    for (const n of levels) {
      console.error(`chat bench: ${n} clients, ${rate} msg/s from ${nSenders} senders for ${seconds} s`);
      const r = await runLevel(n, { seconds, rate, senders, sqlitePath, workers, redis, client });
      console.error(JSON.stringify(r));
      results.push(r);
    }
    const report = {
      benchmark: 'chat',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version },
      settings: {
        seconds,
        rate,
        senders: nSenders,
        slowModeSeconds: slowMode,
        blockedTerms: nTerms,
        workers,
        redis,
        client,
        transport: 'websocket',
        target: { clients: 5000, p99Ms: 250, dropped: 0 },
      },
      results,
    };
    const outDir = path.join(HERE, 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, `${outName}.json`), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(path.join(outDir, `${outName}.md`), markdown(report));
    process.stdout.write(markdown(report));
  } finally {
    killAllSync();
    await rm(dir, { recursive: true, force: true });
  }
}

export function markdown(r: { date: string; machine: any; settings: any; results: LevelResult[] }): string {
  const rows = r.results.map((x) => {
    const pass = x.clients >= 5000 ? (x.latencyMs.p99 <= 250 && x.dropped === 0 && x.joined === x.clients ? ' ✅' : ' ❌') : '';
    return `| ${x.clients}${pass} | ${x.joined} | ${x.connectSeconds} | ${x.acked}/${x.sent} | ${x.delivered} / ${x.expectedDeliveries} | ${x.dropped} | ${x.latencyMs.p50} | ${x.latencyMs.p90} | ${x.latencyMs.p99} | ${x.latencyMs.max} | ${x.serverCpuPercent} | ${x.serverCpuUsPerDelivery} | ${x.serverRssMb.idle} → ${x.serverRssMb.max} | ${x.workerCpuPercent} | ${x.boxBusyPercent} |`;
  });
  return [
    `# Chat fan-out benchmark`,
    '',
    `${r.date} · ${r.machine.cpus} × ${r.machine.cpuModel} · Node ${r.machine.node} · ${r.settings.rate} msg/s from ${r.settings.senders} senders for ${r.settings.seconds} s · ` +
      `slow mode ${r.settings.slowModeSeconds ? `${r.settings.slowModeSeconds} s` : 'off'}, ${r.settings.blockedTerms ?? 0} blocked terms · ` +
      `${r.settings.workers} client processes (${r.settings.client === 'raw' ? 'socket.io protocol over ws' : 'socket.io-client'}), WebSocket transport · ${r.settings.redis ? 'Redis adapter' : 'one server process, no Redis'} · SQLite`,
    '',
    '| clients | joined | connect s | acked/sent | delivered / expected | dropped | p50 ms | p90 ms | p99 ms | max ms | server CPU % | server CPU µs / delivery | server RSS MB (idle → max) | client procs CPU % | box busy % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Latency: sender timestamp in the message text vs receive time in the client process (same machine clock). ' +
      'CPU: % of one core from /proc/<pid>/stat over the sending window. Target (2 cores): 5000 clients, p99 ≤ 250 ms, nothing dropped.',
    '',
  ].join('\n');
}

if (process.argv.includes('--role') && arg('role', '') === 'clients') await runClients();
else
  await main().catch((err) => {
    console.error('chat bench failed:', err);
    killAllSync();
    process.exit(1);
  });
