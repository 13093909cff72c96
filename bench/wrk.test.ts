import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLuaScript, parseDurationMs, parseWrkOutput } from './wrk.js';

const SAMPLE = `Running 15s test @ http://127.0.0.1:8080
  2 threads and 1000 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    25.10ms   10.20ms   1.20s    91.00%
    Req/Sec    20.50k     2.10k   25.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%   12.00ms
     90%   40.00ms
     99%    1.05s
  612345 requests in 15.02s, 90.50GB read
  Socket errors: connect 0, read 3, write 0, timeout 12
  Non-2xx or 3xx responses: 17
Requests/sec:  40768.31
Transfer/sec:      6.03GB
`;

test('parseWrkOutput', () => {
  const r = parseWrkOutput(SAMPLE);
  assert.equal(r.requests, 612345);
  assert.equal(r.durationS, 15.02);
  assert.equal(r.requestsPerSec, 40768.31);
  assert.equal(r.p50Ms, 0.85);
  assert.equal(r.p75Ms, 12);
  assert.equal(r.p99Ms, 1050);
  assert.equal(r.latencyAvgMs, 25.1);
  assert.equal(r.latencyMaxMs, 1200);
  assert.deepEqual(r.socketErrors, { connect: 0, read: 3, write: 0, timeout: 12 });
  assert.equal(r.non2xx3xx, 17);
  assert.ok(Math.abs(r.transferPerSecMB - 6.03 * 1024) < 1e-6);
});

test('parseWrkOutput without errors lines', () => {
  const r = parseWrkOutput(SAMPLE.replace(/.*Socket errors.*\n/, '').replace(/.*Non-2xx.*\n/, ''));
  assert.equal(r.non2xx3xx, 0);
  assert.deepEqual(r.socketErrors, { connect: 0, read: 0, write: 0, timeout: 0 });
  assert.throws(() => parseWrkOutput('wrk: command not found'));
});

test('parseDurationMs units', () => {
  assert.equal(parseDurationMs('500.00us'), 0.5);
  assert.equal(parseDurationMs('2.00m'), 120000);
  assert.ok(Number.isNaN(parseDurationMs('fast')));
});

test('buildLuaScript lists paths and refuses unsafe ones', () => {
  const s = buildLuaScript(['/hls/a/index.m3u8', '/hls/a/seg-1.m4s']);
  assert.match(s, /"\/hls\/a\/index\.m3u8",/);
  assert.match(s, /wrk\.format\("GET", paths\[i\]\)/);
  assert.throws(() => buildLuaScript(['/a"b']));
  assert.throws(() => buildLuaScript(['relative']));
  assert.throws(() => buildLuaScript([]));
});
