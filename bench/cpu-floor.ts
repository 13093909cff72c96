// How much of Onair's CPU per stream is Node reading RTMP at all: the same publishers (the benchmark input, copied
// at 1x) into three servers in turn, each fresh, in rounds, on one box:
//   nginx-rtmp  the reference for CPU per stream, with HLS on (bench/targets.ts);
//   rtmp-floor  Node with Onair's RTMP layer only, dropping every frame (bench/rtmp-floor-server.ts);
//   onair       the whole Onair server (LL-HLS, DASH, replays), as the load scenario starts it.
// A probe for a decision, not a scenario with a target: if the floor alone is above a CPU bar, no change to the
// media path can meet it.
//
//   npx tsx bench/cpu-floor.ts [--streams 1] [--rounds 3] [--warmup 15] [--seconds 45] [--out FILE.json]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { ensureInput, startPublisher, REPO_DIR } from './media.js';
import { measureGroups } from './proc.js';
import { freePort, sleep, spawnGroup, waitUntil } from './spawn.js';
import { nginxTarget, onairTarget, type Target } from './targets.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '15' },
    seconds: { type: 'string', default: '45' },
    out: { type: 'string' },
  },
});
const streams = Number(values.streams);
const rounds = Number(values.rounds);
const warmupMs = Number(values.warmup) * 1000;
const sampleMs = Number(values.seconds) * 1000;
if (!(streams >= 1 && streams <= 64 && rounds >= 1 && rounds <= 10 && warmupMs >= 0 && sampleMs >= 5000)) {
  console.error('usage: cpu-floor.ts [--streams 1-64] [--rounds 1-10] [--warmup S] [--seconds S>=5] [--out FILE.json]');
  process.exit(2);
}

const floorEntry = join(REPO_DIR, 'dist', 'bench', 'rtmp-floor-server.js');

/** Onair's RTMP layer alone, compiled as the server is (esbuild, no TypeScript loader at run time). */
function floorTarget(): Target {
  return {
    name: 'rtmp-floor',
    async start() {
      const port = await freePort();
      const proc = spawnGroup(process.execPath, [floorEntry, String(port)], { cwd: REPO_DIR });
      try {
        await waitUntil('the floor server listening', async () => proc.tail().includes('listening'), 10_000, 50);
      } catch (err) {
        await proc.stop();
        throw new Error(`the floor server did not start: ${(err as Error).message}\n${proc.tail().slice(-1000)}`, { cause: err });
      }
      return {
        rtmpBase: `rtmp://127.0.0.1:${port}/live`,
        hlsUrl: () => '',
        pid: () => proc.pid,
        stop: () => proc.stop('SIGTERM', 5000),
      };
    },
    publishName: async (i) => `s${i}`,
    playName: (i) => `s${i}`,
  };
}

interface Sample {
  round: number;
  target: string;
  cpuPct: number;
  idleCpuPct: number;
  rssMB: number;
  boxBusyPct: number;
  publisherCpuPct: number;
}

async function measure(target: Target, input: string, round: number): Promise<Sample> {
  const inst = await target.start();
  try {
    const keys: string[] = [];
    for (let i = 0; i < streams; i++) keys.push(await target.publishName(i));
    await sleep(2000);
    const idle = await measureGroups({ server: () => [inst.pid()] }, 3000, 1000);
    const pubs = keys.map((key) => startPublisher(input, `${inst.rtmpBase}/${key}`));
    const gone = (when: string) => {
      const p = pubs.find((x) => !x.proc.isRunning());
      if (p) throw new Error(`${target.name}: a publisher exited ${when}: ${p.proc.tail().slice(-500)}`);
    };
    try {
      await sleep(warmupMs);
      gone('before the window');
      const m = await measureGroups({ server: () => [inst.pid()], publisher: () => pubs.map((p) => p.proc.pid) }, sampleMs, 1000);
      gone('while measured');
      return {
        round,
        target: target.name,
        cpuPct: m.groups.server.cpuPct,
        idleCpuPct: idle.groups.server.cpuPct,
        rssMB: m.groups.server.rssMeanMB,
        boxBusyPct: m.boxBusyPct,
        publisherCpuPct: m.groups.publisher.cpuPct,
      };
    } finally {
      await Promise.all(pubs.map((p) => p.stop()));
    }
  } finally {
    await inst.stop();
  }
}

const fmt = (xs: number[], digits = 2) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(digits)} / ${s[Math.floor(s.length / 2)].toFixed(digits)} / ${s[s.length - 1].toFixed(digits)}`;
};

await build({
  entryPoints: [join(REPO_DIR, 'bench', 'rtmp-floor-server.ts')],
  outdir: join(REPO_DIR, 'dist', 'bench'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
});
const input = await ensureInput((s) => console.log(s));
const targets = [nginxTarget(), floorTarget(), onairTarget()];
const samples: Sample[] = [];
for (let r = 1; r <= rounds; r++) {
  for (const t of targets) {
    const s = await measure(t, input, r);
    samples.push(s);
    console.log(
      `round ${r} ${t.name.padEnd(10)} cpu ${s.cpuPct.toFixed(2)} % (idle ${s.idleCpuPct.toFixed(2)} %), rss ${s.rssMB.toFixed(1)} MB, ` +
        `publisher ${s.publisherCpuPct.toFixed(2)} %, box ${s.boxBusyPct.toFixed(0)} %`,
    );
  }
}
console.log(`\n${streams} stream(s), min / median / max of ${rounds} rounds (CPU, % of one core; ratio to nginx-rtmp in the same round):`);
for (const t of targets) {
  const mine = samples.filter((s) => s.target === t.name);
  const ratios = mine.map((s) => s.cpuPct / samples.find((n) => n.round === s.round && n.target === 'nginx-rtmp')!.cpuPct);
  console.log(`  ${t.name.padEnd(10)} cpu ${fmt(mine.map((s) => s.cpuPct))} %   x nginx ${fmt(ratios)}`);
}
if (values.out) writeFileSync(values.out, JSON.stringify({ streams, rounds, warmupMs, sampleMs, samples }, null, 2));
