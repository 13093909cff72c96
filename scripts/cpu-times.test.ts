import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { childCpuSeconds, RUN_AND_TIME } from './cpu-times.js';

test('the children line of bash `times` read as seconds; anything else is null', () => {
  assert.equal(childCpuSeconds('0m0.001s 0m0.002s\n1m2.500s 0m10.250s\n'), 72.75);
  assert.equal(childCpuSeconds('0m0.001s 0m0.002s\n'), null);
  assert.equal(childCpuSeconds(''), null);
  assert.equal(childCpuSeconds('0m0.001s 0m0.002s\nbusy\n'), null);
});

test('a real command: its exit status passes through and the CPU of a grandchild it waited for is counted', async () => {
  // node starts a second node that spins for 0.6 s of CPU, waits for it, and exits with 3.
  const spin = 'const t = process.cpuUsage(); while (process.cpuUsage(t).user < 600000);';
  const parent = `const r = require('node:child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(spin)}]); process.exit(r.status === 0 ? 3 : 1);`;
  const child = spawn('bash', ['-c', RUN_AND_TIME, 'cpu-times-test', process.execPath, '-e', parent], {
    stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
  });
  let times = '';
  child.stdio[3]!.on('data', (d: Buffer) => (times += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 3);
  const cpu = childCpuSeconds(times);
  assert.ok(cpu !== null && cpu >= 0.6 && cpu < 5, `${cpu} s of CPU from: ${times}`);
});
