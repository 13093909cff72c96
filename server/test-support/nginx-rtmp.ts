// nginx with nginx-rtmp (Debian: libnginx-mod-rtmp) as an RTMP server that takes a publisher and writes HLS: the
// benchmark's config (bench/targets.ts), on loopback ephemeral ports in a temporary folder.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nginxConfig } from '../../bench/targets.js';
import { freePort, waitFor } from './process.js';

const RTMP_MODULES = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/share/nginx/modules/ngx_rtmp_module.so'];

export interface NginxRtmp {
  /** rtmp://127.0.0.1:PORT/live */
  rtmpBase: string;
  /** The HLS playlist of a stream published as `name`. */
  hlsUrl(name: string): string;
  /** Kills nginx (its connections drop); restart() starts it again on the same ports. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function nginxRtmpAvailable(): boolean {
  return RTMP_MODULES.some((m) => existsSync(m));
}

export async function startNginxRtmp(): Promise<NginxRtmp> {
  const modulePath = RTMP_MODULES.find((m) => existsSync(m));
  if (!modulePath) throw new Error('ngx_rtmp_module.so not found (install libnginx-mod-rtmp)');
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-nginx-rtmp-'));
  mkdirSync(path.join(dir, 'hls'));
  mkdirSync(path.join(dir, 'tmp'));
  const rtmpPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === rtmpPort) httpPort = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ dir, rtmpPort, httpPort, modulePath, asRoot: process.getuid?.() === 0 }));
  const base = `http://127.0.0.1:${httpPort}`;
  const start = async () => {
    const proc = spawn('nginx', ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    await waitFor(
      'nginx-rtmp answers',
      async () => {
        if (proc.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
        return (await fetch(`${base}/hls/`).catch(() => null)) !== null;
      },
      10_000,
      100,
    ).catch((err) => {
      proc.kill('SIGKILL');
      throw err;
    });
    return async () => {
      proc.kill('SIGTERM'); // fast shutdown: connections drop at once (SIGKILL would leave the worker behind)
      await exited;
    };
  };
  let stopProcess: (() => Promise<void>) | null = null;
  try {
    stopProcess = await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    rtmpBase: `rtmp://127.0.0.1:${rtmpPort}/live`,
    hlsUrl: (name) => `${base}/hls/${name}/index.m3u8`,
    async kill() {
      await stopProcess?.();
      stopProcess = null;
    },
    async restart() {
      await stopProcess?.();
      stopProcess = await start();
    },
    async stop() {
      await stopProcess?.();
      stopProcess = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
