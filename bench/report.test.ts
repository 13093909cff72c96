import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newestResults, readResults, writeResults, type BenchResults } from './report.js';

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
