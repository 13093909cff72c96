// The end-to-end tests' server: a real Onair server on ephemeral ports in a temp folder (in this process or as
// operators run it), its HTTP API, real ffmpeg publishers, and a log capture to check that no secret is written.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type OnairConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startOnair, type OnairServer } from '../onair.js';
import { TEST_PG_URL } from './db.js';
import { ffmpegPath, waitFor } from './process.js';

/** The Redis key prefix of this test process's servers (ONAIR_CLUSTER). */
export const TEST_CLUSTER = `onair-test-${process.pid}-${randomBytes(3).toString('hex')}`;

export interface TestServer extends OnairServer {
  base: string;
  rtmpBase: string;
  logs: () => string;
  dataDir: string;
  /** The settings a child process (the operator CLI) needs to open this server's data folder and database. */
  sameDatabaseEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** TEST_PG_URL confined to one schema (libpq's `options`), for a process that cannot be handed a pgSchema. */
export function pgUrlForSchema(schema: string, url = TEST_PG_URL): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export { runCli } from './cli.js';

/** Drops a PostgreSQL schema made for a test server. */
async function dropPgSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A real server on ephemeral ports. `db: 'postgres'` puts it on the test PostgreSQL database (ONAIR_TEST_DATABASE_URL)
 * in a fresh schema, dropped on stop(); the default is a SQLite file in the temp folder (or in `dataDir`, which
 * stop() removes too).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  opts: { db?: 'sqlite' | 'postgres'; dataDir?: string } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'onair-e2e-'));
  const pgSchema = opts.db === 'postgres' ? `onair_t_${Date.now().toString(36)}_${process.pid}_${randomBytes(4).toString('hex')}` : undefined;
  if (pgSchema) env = { DATABASE_URL: TEST_PG_URL, ...env };
  const config: OnairConfig = loadConfig(
    {
      ONAIR_DATA_DIR: dataDir,
      ONAIR_HTTP_PORT: '0',
      ONAIR_RTMP_PORT: '0',
      // SRT's default port is fixed (8890): servers of tests that want it ask for ONAIR_SRT_PORT=auto.
      ONAIR_SRT_PORT: 'off',
      ONAIR_HTTP_HOST: '127.0.0.1',
      ONAIR_RTMP_HOST: '127.0.0.1',
      ONAIR_THUMBNAIL_SECONDS: '0',
      ONAIR_LOG_LEVEL: 'debug',
      // Released media memory is poisoned: a frame read after its release fails to decode (server/media/media-slabs.ts).
      ONAIR_POISON_RELEASED_MEDIA: 'true',
      // Test servers in cluster mode share the test Redis: each test file's servers are a cluster of their own.
      ONAIR_CLUSTER: TEST_CLUSTER,
      ...env,
    },
    dataDir,
  );
  let captured = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      captured += chunk.toString();
      if (captured.length > 4_000_000) captured = captured.slice(-2_000_000);
      cb();
    },
  });
  const server = await startOnair(config, createLogger({ level: 'debug' }, sink), { pgSchema });
  return Object.assign(server, {
    base: `http://127.0.0.1:${server.httpPort}`,
    rtmpBase: `rtmp://127.0.0.1:${server.rtmpPort}/live`,
    logs: () => captured,
    dataDir,
    sameDatabaseEnv: { ONAIR_DATA_DIR: dataDir, ...(pgSchema ? { DATABASE_URL: pgUrlForSchema(pgSchema, env.DATABASE_URL) } : {}) },
    async stop() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
      if (pgSchema) await dropPgSchema(pgSchema);
    },
  });
}

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  rtmpBase: string;
  stderr: () => string;
  /** What it printed on standard output up to and including the line that names its ports (the startup banner). */
  banner: string[];
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

/**
 * The real server as operators run it (`server/main.ts`) in a child process, on ephemeral loopback ports, with
 * these settings on top of the test defaults. Resolves when it prints its ports.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      ONAIR_HTTP_PORT: '0',
      ONAIR_RTMP_PORT: '0',
      // SRT's default port is fixed (8890): servers of tests that want it ask for ONAIR_SRT_PORT=auto.
      ONAIR_SRT_PORT: 'off',
      ONAIR_HTTP_HOST: '127.0.0.1',
      ONAIR_RTMP_HOST: '127.0.0.1',
      ONAIR_THUMBNAIL_SECONDS: '0',
      ONAIR_LOG_LEVEL: 'warn',
      ONAIR_CLUSTER: TEST_CLUSTER,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-10_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const banner: string[] = [];
  try {
    const ports = await new Promise<{ http: number; rtmp: number }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (banner.length < 20) banner.push(line);
        const m = /RTMP port (\d+), HTTP port (\d+)/.exec(line);
        if (m) {
          clearTimeout(t);
          resolve({ rtmp: Number(m[1]), http: Number(m[2]) });
        }
      });
    });
    return {
      child,
      base: `http://127.0.0.1:${ports.http}`,
      rtmpBase: `rtmp://127.0.0.1:${ports.rtmp}/live`,
      stderr: () => stderr,
      banner,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(kill);
        }
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

export async function api<T = any>(
  base: string,
  method: string,
  url: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(base + url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Registers a user and returns its token and channel (with the stream key). */
export async function newStreamer(base: string, username: string) {
  const reg = await api(base, 'POST', '/api/auth/register', { username, password: `pw-${username}-123456` });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const ch = await api(base, 'GET', '/api/me/channel', undefined, reg.body.token);
  return { token: reg.body.token as string, channel: ch.body as { name: string; streamKey: string; rtmpUrl: string; hlsUrl: string; live: boolean } };
}

export interface Publisher {
  proc: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

/**
 * An encoder coming back after its server died: publishes to `url` every 0.5 s (up to 20 s) until `onAir()` says the
 * channel is live again. The publisher that got through (also pushed to `started`, for cleanup) and when it started.
 */
export async function republishUntil(
  url: string,
  onAir: () => boolean | Promise<boolean>,
  started: Publisher[],
): Promise<{ publisher: Publisher; startedAt: number }> {
  let publisher: Publisher | undefined;
  let startedAt = 0;
  await waitFor(
    'the encoder back on air',
    async () => {
      if (publisher && publisher.proc.exitCode === null) return onAir();
      publisher = publish(url);
      startedAt = Date.now();
      started.push(publisher);
      return false;
    },
    20_000,
    500,
  );
  return { publisher: publisher!, startedAt };
}

/** A real ffmpeg publishing a test pattern with a tone, 1 s keyframes, in real time (FLV; MPEG-TS for srt://). */
export function publish(
  url: string,
  opts: { seconds?: number; size?: string; fps?: number; extra?: string[]; format?: 'flv' | 'mpegts'; loglevel?: string } = {},
): Publisher {
  const fps = opts.fps ?? 30;
  const args = [
    '-hide_banner',
    '-loglevel',
    opts.loglevel ?? 'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${opts.size ?? '320x240'}:rate=${fps}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    String(fps),
    '-keyint_min',
    String(fps),
    '-sc_threshold',
    '0',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    ...(opts.seconds ? ['-t', String(opts.seconds)] : []),
    ...(opts.extra ?? []),
    '-f',
    opts.format ?? 'flv',
    url,
  ];
  const proc = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, stderr: () => err, exit };
}
