// The nginx edge of docs/deploy/nginx-edge.conf in front of test nodes: that very file, with its upstreams pointed
// at the nodes, loopback listeners on ephemeral ports, and its paths in a temporary folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EDGE_CONFIG = path.join(ROOT, 'docs', 'deploy', 'nginx-edge.conf');
const STREAM_MODULES = ['/usr/lib/nginx/modules/ngx_stream_module.so', '/usr/share/nginx/modules/ngx_stream_module.so'];

export interface Edge {
  base: string;
  rtmpBase: string;
  proc: ChildProcess;
  /**
   * With `cacheLog`: what the edge answered so far, by kind of object (segment, part, playlist, other) and
   * $upstream_cache_status (HIT, MISS, ...; '-' where the cache was not asked). nginx writes its log within a second.
   */
  cacheStatus?(): CacheStatus;
  stop(): Promise<void>;
}

export type CacheStatus = Record<'segment' | 'part' | 'playlist' | 'other', Record<string, number>>;

/** The kind of media object a request path asks for. */
export function mediaKind(uri: string): keyof CacheStatus {
  if (/-part-[^/]*$/.test(uri)) return 'part';
  if (/\.m3u8$|\.mpd$/.test(uri)) return 'playlist';
  if (/\.(m4s|ts|mp4|m4a|m4v)$/.test(uri)) return 'segment';
  return 'other';
}

/** Counts an access log written with the `cache` format of edgeConfig (status and URI, one request a line). */
export function countCacheLog(text: string): CacheStatus {
  const out: CacheStatus = { segment: {}, part: {}, playlist: {}, other: {} };
  for (const line of text.split('\n')) {
    const [status, uri] = line.split(' ');
    if (!status || !uri) continue;
    const k = out[mediaKind(uri)];
    k[status] = (k[status] ?? 0) + 1;
  }
  return out;
}

/** Whether nginx with its stream module is here (Debian: nginx libnginx-mod-stream). */
export function edgeAvailable(): boolean {
  return STREAM_MODULES.some((m) => existsSync(m));
}

/** The shipped config with these nodes, ports and folder. */
export function edgeConfig(
  text: string,
  o: { dir: string; httpPort: number; rtmpPort: number; nodes: Array<{ http: number; rtmp: number }>; cacheLog?: boolean },
): string {
  // The cache's answer per request, buffered so that logging costs the edge little.
  const log = o.cacheLog
    ? `log_format cache '$upstream_cache_status $uri';\n    access_log ${o.dir}/cache.log cache buffer=256k flush=1s;`
    : 'access_log off;';
  const module = STREAM_MODULES.find((m) => existsSync(m)) ?? STREAM_MODULES[0];
  const servers = (port: 'http' | 'rtmp') => o.nodes.map((n) => `server 127.0.0.1:${n[port]};`).join('\n        ');
  return text
    .replace(/^load_module .*$/m, `load_module ${module};`)
    .replace(
      /^worker_processes .*$/m,
      `worker_processes 1;\ndaemon off;\nerror_log ${o.dir}/error.log warn;${process.getuid?.() === 0 ? '\nuser root root;' : ''}`,
    )
    .replace(/^pid .*$/m, `pid ${o.dir}/nginx.pid;`)
    .replace(/(upstream onair_rtmp \{[^}]*?)(?:\s*server [^;]+:1935;)+/, `$1\n        ${servers('rtmp')}`)
    .replace(/(upstream onair_nodes \{[^}]*?)(?:\s*server [^;]+:8080;)+/, `$1\n        ${servers('http')}`)
    .replace(/(upstream onair_chat \{[^}]*?)(?:\s*server [^;]+:8080;)+/, `$1\n        ${servers('http')}`)
    .replace(/listen 1935;/, `listen 127.0.0.1:${o.rtmpPort};`)
    .replace(/listen 80;/, `listen 127.0.0.1:${o.httpPort};`)
    .replace(/proxy_cache_path \S+/, `proxy_cache_path ${o.dir}/cache`)
    .replace(/^ {4}access_log off;$/m, `    ${log}`)
    .replace(/^http \{$/m, `http {\n    client_body_temp_path ${o.dir}/tmp/body;\n    proxy_temp_path ${o.dir}/tmp/proxy;`);
}

/** Starts nginx with the shipped edge config in front of `nodes`; resolves once it answers. */
export async function startEdge(nodes: Array<{ http: number; rtmp: number }>, opts: { cacheLog?: boolean } = {}): Promise<Edge> {
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-edge-'));
  mkdirSync(path.join(dir, 'tmp'));
  const httpPort = await freePort();
  const rtmpPort = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, edgeConfig(readFileSync(EDGE_CONFIG, 'utf8'), { dir, httpPort, rtmpPort, nodes, cacheLog: opts.cacheLog }));
  const proc = spawn('nginx', ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    await waitFor(
      'the edge answers',
      async () => {
        if (proc.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
        return (await fetch(`${base}/healthz`).catch(() => null))?.status === 200;
      },
      10_000,
      100,
    );
  } catch (err) {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    base,
    rtmpBase: `rtmp://127.0.0.1:${rtmpPort}/live`,
    proc,
    ...(opts.cacheLog
      ? {
          cacheStatus: () => {
            const log = path.join(dir, 'cache.log');
            return countCacheLog(existsSync(log) ? readFileSync(log, 'utf8') : '');
          },
        }
      : {}),
    async stop() {
      proc.kill('SIGQUIT');
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
