import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCpuBar, newestResults, readResults, renderMarkdown, writeResults, type BenchResults } from './report.js';

const results: BenchResults = {
  meta: {
    startedAt: '2026-12-03T10:00:00.000Z',
    finishedAt: '2026-12-03T10:30:00.000Z',
    quick: false,
    host: { cpu: 'test', cores: 2, memMB: 4096, kernel: '6' },
    versions: { node: 'v22' },
    input: {},
    segmentSeconds: 1,
    options: {},
  },
  targets: ['onair'],
  warnings: ['a warning'],
};

test('results are written gzipped and read back; plain JSON reads the same; newestResults finds both', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onair-report-'));
  try {
    const gz = join(dir, 'rtmp-hls-2026-12-03-100000.json.gz');
    writeResults(gz, results);
    const bytes = readFileSync(gz);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic');
    assert.deepEqual(readResults(gz), results);
    const plain = join(dir, 'rtmp-hls-2026-11-01-100000.json');
    writeFileSync(plain, JSON.stringify(results));
    assert.deepEqual(readResults(plain), results);
    assert.ok([gz, plain].includes(newestResults(dir)!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("load rows are judged by issue 10's bars: 1.5x nginx-rtmp at 1 stream, 1.0x at 32, RSS growth at most 3 MB", () => {
  // A real run of this host (2026-12-06): 1 stream 2.57x, 32 streams 2.01x, RSS growth 3.55 MB a stream at 32.
  const md = renderMarkdown(readResults(join(import.meta.dirname, 'results', 'load-1-32-intel-2026-12-06-run1.json.gz')));
  const line = (start: string) => md.split('\n').find((l) => l.startsWith(`| ${start}`)) ?? assert.fail(`no row "${start}" in:\n${md}`);
  assert.match(line('CPU, 1 stream '), /\| 2\.57 \| Onair ≤ 1\.5× nginx \| \*\*no\*\* \|$/);
  assert.match(line('CPU, 32 streams'), /\| 2\.01 \| Onair ≤ 1\.0× nginx \| \*\*no\*\* \|$/);
  assert.match(line('RSS growth per stream, 32 streams'), /\| Onair ≤ 3 MB \| \*\*no\*\* \|$/);
  assert.match(line('RSS growth per stream, 1 stream '), /\| Onair ≤ 3 MB \| \*\*no\*\* \|$/, 'at 1 stream: 4.47 MB against idle');
  assert.equal(loadCpuBar(8), 1.5);
});
