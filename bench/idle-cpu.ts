// What an idle Onair server costs: no publisher, no viewer, only its own timers (the periodic jobs, server/periodic.ts).
// At one stream an idle server's cost is part of the CPU per stream that bench/cpu-floor.ts and the load scenario
// compare with nginx-rtmp (whose idle cost is nil), so it is worth a number of its own. Each run starts a fresh server
// (as the load scenario does), waits, then measures its process tree; runs of two checkouts alternate, so a before and
// after share the same minutes of the box.
//
//   npx tsx bench/idle-cpu.ts [--runs 3] [--warmup 5] [--seconds 60] [--before DIR] [--out FILE.json]
//
// --before DIR: another checkout (with node_modules) measured in turn with this one, e.g. `git worktree add DIR REV`.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REPO_DIR } from './media.js';
import { measureGroups } from './proc.js';
import { sleep } from './spawn.js';
import { onairTarget } from './targets.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '60' },
    before: { type: 'string' },
    out: { type: 'string' },
  },
});
const runs = Number(values.runs);
const warmupMs = Number(values.warmup) * 1000;
const sampleMs = Number(values.seconds) * 1000;
if (!(runs >= 1 && runs <= 10 && warmupMs >= 0 && sampleMs >= 5000 && sampleMs <= 600_000)) {
  console.error('usage: idle-cpu.ts [--runs 1-10] [--warmup S] [--seconds 5-600] [--before DIR] [--out FILE.json]');
  process.exit(2);
}

const checkouts = [...(values.before ? [{ name: 'before', repoDir: values.before }] : []), { name: 'this', repoDir: REPO_DIR }];
const samples: { run: number; checkout: string; cpuPct: number; rssMB: number; boxBusyPct: number }[] = [];
for (let run = 1; run <= runs; run++) {
  for (const c of checkouts) {
    const inst = await onairTarget({ repoDir: c.repoDir }).start();
    try {
      await sleep(warmupMs);
      const m = await measureGroups({ server: () => [inst.pid()] }, sampleMs, 1000);
      const s = { run, checkout: c.name, cpuPct: m.groups.server.cpuPct, rssMB: m.groups.server.rssMeanMB, boxBusyPct: m.boxBusyPct };
      samples.push(s);
      console.log(`run ${run} ${c.name.padEnd(6)} cpu ${s.cpuPct.toFixed(3)} %, rss ${s.rssMB.toFixed(1)} MB, box ${s.boxBusyPct.toFixed(0)} %`);
    } finally {
      await inst.stop();
    }
  }
}
for (const c of checkouts) {
  const xs = samples.filter((s) => s.checkout === c.name).map((s) => s.cpuPct);
  xs.sort((a, b) => a - b);
  console.log(
    `${c.name}: idle CPU min / median / max ${xs[0].toFixed(3)} / ${xs[Math.floor(xs.length / 2)].toFixed(3)} / ${xs[xs.length - 1].toFixed(3)} % of a core`,
  );
}
if (values.out) writeFileSync(values.out, JSON.stringify({ runs, warmupMs, sampleMs, samples }, null, 2));
