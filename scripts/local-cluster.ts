// A local Onair cluster for development and trying the deployment: N nodes (real `server/main.ts` processes, each
// with its own data folder) sharing PostgreSQL and Redis, behind the shipped nginx edge (docs/deploy/nginx-edge.conf).
//   npx tsx scripts/local-cluster.ts [--nodes 2]
// DATABASE_URL and REDIS_URL default to this machine's: database onair_local (created when missing) on
// postgres://postgres@127.0.0.1:5432, and redis://127.0.0.1:6379.
// Runs until Ctrl-C, then stops everything and removes the data folders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startEdge } from '../server/test-support/edge.js';
import { startServerProcess, type ServerProcess } from '../server/test-support/server.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '2' } } });
const count = Math.max(1, Math.min(8, Number(values.nodes) || 2));
/** The default database: its own, never the tests' `test` database. */
async function localDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query(`select 1 from pg_database where datname = 'onair_local'`);
    if (!rowCount) await admin.query('create database onair_local');
  } finally {
    await admin.end();
  }
  return 'postgres://postgres@127.0.0.1:5432/onair_local';
}

const env = {
  DATABASE_URL: process.env.DATABASE_URL ?? (await localDatabase()),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  ONAIR_CLUSTER: process.env.ONAIR_CLUSTER ?? 'onair-local',
  ONAIR_TRUST_PROXY: 'loopback',
  ONAIR_LOG_LEVEL: 'info',
};
const nodes: ServerProcess[] = [];
const dirs: string[] = [];
for (let i = 0; i < count; i++) {
  const dir = mkdtempSync(path.join(tmpdir(), `onair-node-${i + 1}-`));
  dirs.push(dir);
  nodes.push(await startServerProcess({ ...env, ONAIR_DATA_DIR: dir }));
}
const ports = nodes.map((n) => ({ http: Number(new URL(n.base).port), rtmp: Number(new URL(n.rtmpBase).port) }));
const edge = await startEdge(ports);
console.log(`Onair local cluster: ${count} nodes behind the nginx edge`);
nodes.forEach((n, i) => console.log(`  node ${i + 1}: ${n.base}  ${n.rtmpBase}`));
console.log(`  edge:   ${edge.base}  (OBS server: ${edge.rtmpBase})`);
console.log('Ctrl-C stops the cluster.');
const stop = async () => {
  await edge.stop();
  for (const n of nodes) await n.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
