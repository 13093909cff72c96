// The periodic jobs share their wakes: jobs whose periods divide each other run on the same wakes of the loop, a
// stopped job never runs again, a wall clock set back does not stall them, and a late wake reads as loop delay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeriodicJobs } from './periodic.js';

test('jobs of 100, 200 and 400 ms run on the wakes of the 100 ms one', async () => {
  const jobs = new PeriodicJobs();
  const runs = { a: 0, b: 0, c: 0 };
  const stops = [jobs.every(100, () => runs.a++), jobs.every(200, () => runs.b++), jobs.every(400, () => runs.c++)];
  await sleep(1250);
  for (const stop of stops) stop();
  const { wakes } = jobs.loopDelay();
  assert.ok(runs.a >= 10 && runs.a <= 13, `the 100 ms job ran ${runs.a} times in 1.25 s`);
  assert.ok(Math.abs(runs.b - runs.a / 2) <= 1, `the 200 ms job ran ${runs.b} times, half the 100 ms one's ${runs.a}`);
  assert.ok(Math.abs(runs.c - runs.a / 4) <= 1, `the 400 ms job ran ${runs.c} times, a quarter of ${runs.a}`);
  // Separate timers would wake 17 to 18 times; shared, the 200 and 400 ms jobs add no wake.
  assert.ok(wakes <= runs.a + 1, `${wakes} wakes for ${runs.a + runs.b + runs.c} runs`);
});

test('a stopped job runs no more, and the others go on', async () => {
  const jobs = new PeriodicJobs();
  let stoppedRuns = 0;
  let otherRuns = 0;
  const stop = jobs.every(50, () => stoppedRuns++);
  const stopOther = jobs.every(50, () => otherRuns++);
  await sleep(180);
  stop();
  const before = stoppedRuns;
  const otherBefore = otherRuns;
  await sleep(200);
  stopOther();
  assert.ok(before >= 2, `ran ${before} times before it was stopped`);
  assert.equal(stoppedRuns, before, 'no run after stop()');
  assert.ok(otherRuns >= otherBefore + 3, `the other job went on (${otherBefore} -> ${otherRuns})`);
});

test('a wall clock set back an hour does not hold the jobs for an hour', async () => {
  let offset = 0;
  const jobs = new PeriodicJobs(() => Date.now() + offset);
  let runs = 0;
  const stop = jobs.every(100, () => {
    runs++;
    if (runs === 2) offset = -3_600_000;
  });
  await sleep(700);
  stop();
  assert.ok(runs >= 5, `ran ${runs} times in 0.7 s with the clock set back after the second run`);
});

test('a wake held up by a busy loop reads as its delay', async () => {
  const jobs = new PeriodicJobs();
  let runs = 0;
  let before = jobs.loopDelay();
  const stop = jobs.every(100, () => {
    runs++;
    if (runs === 2) {
      before = jobs.loopDelay();
      const until = Date.now() + 250;
      while (Date.now() < until) {
        /* the loop is busy: the next wake comes late */
      }
    }
  });
  await sleep(600);
  stop();
  const after = jobs.loopDelay();
  const wakes = after.wakes - before.wakes;
  const lateMs = after.totalMs - before.totalMs;
  assert.ok(wakes >= 2, `${wakes} wakes measured`);
  // The wake after the busy one is about 150 ms late, the others on time.
  assert.ok(lateMs >= 120, `${Math.round(lateMs)} ms late in all over ${wakes} wakes`);
});

test('a period of 0 or below is refused in words', () => {
  assert.throws(() => new PeriodicJobs().every(0, () => {}), /above 0 ms/);
});
