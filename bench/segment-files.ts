// What a segment file costs to create, against appending the same bytes to one open file: CPU (user + system) per
// segment, N segments of 60 KB (two 30 KB buffers, as a video segment's fragments) in a temp folder on this disk.
// Asked by issue 10: would one append-only pack file per stream (instead of a new file per segment and track) close
// Onair's CPU gap to nginx-rtmp?
//
//   npx tsx bench/segment-files.ts [--count 1000] [--runs 3]
import { closeSync, mkdtempSync, openSync, rmSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { arg } from './cli-args.js';

const COUNT = Number(arg('count', '1000'));
const RUNS = Number(arg('runs', '3'));
const parts = [Buffer.alloc(30_000, 1), Buffer.alloc(30_000, 2)];

/** CPU microseconds per call of `work`, COUNT times. */
function cpuPer(work: (i: number) => void): number {
  const t = process.cpuUsage();
  for (let i = 0; i < COUNT; i++) work(i);
  const c = process.cpuUsage(t);
  return (c.user + c.system) / COUNT;
}

const created: number[] = [];
const appended: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-segfiles-'));
  try {
    created.push(
      cpuPer((i) => {
        const fd = openSync(path.join(dir, `v-seg-${i}.m4s`), 'w');
        writevSync(fd, parts);
        closeSync(fd);
      }),
    );
    const pack = openSync(path.join(dir, 'pack'), 'a');
    appended.push(cpuPer(() => writevSync(pack, parts)));
    closeSync(pack);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const mmm = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(0)} / ${s[Math.floor(s.length / 2)].toFixed(0)} / ${s[s.length - 1].toFixed(0)}`;
};
console.log(`${COUNT} segments of 60 KB, ${RUNS} runs, CPU µs per segment (min / median / max):`);
console.log(`  a new file each (open, writev, close): ${mmm(created)}`);
console.log(`  appended to one open file:             ${mmm(appended)}`);
