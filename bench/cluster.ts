// Onair as a cluster for the benchmark: N nodes (node dist/server/main.js, each with its own data folder) sharing a
// fresh PostgreSQL database and Redis, behind the shipped nginx edge (docs/deploy/nginx-edge.conf, run by
// server/test-support/edge.ts). Viewers and publishers go through the edge, as in production.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freshPgDatabase } from '../server/test-support/db.js';
import { startEdge } from '../server/test-support/edge.js';
import { freePort, httpGet, serverDataRoot, spawnGroup, tempDir, waitUntil, type Managed } from './spawn.js';
import type { Instance } from './targets.js';

export interface ClusterInstance extends Instance {
  httpBase: string;
}

/** Starts `nodes` Onair nodes and the edge; `entry` is the built server (dist/server/main.js). */
export async function startOnairCluster(o: { entry: string; repoDir: string; nodes: number; env: Record<string, string> }): Promise<ClusterInstance> {
  const db = await freshPgDatabase();
  const cluster = `onair-bench-${randomBytes(4).toString('hex')}`;
  const procs: Managed[] = [];
  const dirs: string[] = [];
  const ports: Array<{ http: number; rtmp: number }> = [];
  let edge: Awaited<ReturnType<typeof startEdge>> | undefined;
  const stopAll = async () => {
    await edge?.stop();
    for (const p of procs) await p.stop('SIGTERM', 8000);
    for (const d of dirs) if (!process.env.BENCH_KEEP) rmSync(d, { recursive: true, force: true });
    await db.drop();
  };
  try {
    for (let i = 0; i < o.nodes; i++) {
      const dir = mkdtempSync(join(serverDataRoot(), `onair-bench-node${i + 1}-`));
      tempDir.track(dir);
      dirs.push(dir);
      const http = await freePort();
      let rtmp = await freePort();
      while (rtmp === http) rtmp = await freePort();
      const env = {
        ...process.env,
        ...o.env,
        ONAIR_DATA_DIR: dir,
        ONAIR_HTTP_PORT: String(http),
        ONAIR_RTMP_PORT: String(rtmp),
        // SRT's fixed default port would be taken twice on one machine.
        ONAIR_SRT_PORT: 'off',
        DATABASE_URL: db.url,
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        ONAIR_CLUSTER: cluster,
        ONAIR_TRUST_PROXY: 'loopback',
      };
      const proc = spawnGroup(process.execPath, ['--enable-source-maps', o.entry], { cwd: o.repoDir, env });
      procs.push(proc);
      ports.push({ http, rtmp });
      await waitUntil(
        `node ${i + 1} /healthz 200`,
        async () => (await httpGet(`http://127.0.0.1:${http}/healthz`, 1000)).status === 200,
        30_000,
        100,
      );
    }
    edge = await startEdge(ports, { cacheLog: true });
  } catch (err) {
    await stopAll();
    throw err;
  }
  const e = edge;
  return {
    httpBase: e.base,
    rtmpBase: e.rtmpBase,
    hlsUrl: (name) => `${e.base}/hls/${encodeURIComponent(name)}/index.m3u8`,
    pid: () => procs[0].pid,
    groups: () => ({
      ...Object.fromEntries(procs.map((p, i) => [`node${i + 1}`, [p.pid]])),
      edge: [e.proc.pid ?? 0],
    }),
    serverPids: () => [...procs.map((p) => p.pid), e.proc.pid ?? 0],
    cacheStatus: () => e.cacheStatus!(),
    stop: stopAll,
  };
}
