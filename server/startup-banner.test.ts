// The startup banner of the real server (`server/main.ts` in a child process): where to watch, and which public URL
// the links use. Without ONAIR_PUBLIC_URL it lists the addresses the site answers at and says links follow the
// visitor's address and how to fix one; with it, that URL is named and used. Nothing secret is printed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { waitFor } from './test-support/process.js';
import { startServerProcess, type ServerProcess } from './test-support/server.js';

const NOTICE = /^Links (follow|use)/;

describe('the startup banner', { timeout: 90_000 }, () => {
  const dirs: string[] = [];
  const running: ServerProcess[] = [];
  after(async () => {
    for (const p of running) await p.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function bannerOf(env: Record<string, string>): Promise<string[]> {
    const dir = mkdtempSync(path.join(tmpdir(), 'onair-banner-'));
    dirs.push(dir);
    const p = await startServerProcess({ ONAIR_DATA_DIR: dir, ...env });
    running.push(p);
    await waitFor('the public URL notice', () => p.banner.some((l) => NOTICE.test(l)), 10_000, 50);
    return p.banner;
  }

  test('without ONAIR_PUBLIC_URL: the addresses to open, and that links follow the visitor', async () => {
    const banner = await bannerOf({});
    const up = banner.find((l) => l.startsWith('Onair is up.')) ?? '';
    assert.match(up, /Watch and sign up at http:\/\/127\.0\.0\.1:\d+\//, banner.join('\n'));
    assert.doesNotMatch(up, /localhost/);
    assert.ok(banner.includes('Links follow the address each visitor uses; set ONAIR_PUBLIC_URL=https://... to fix one.'), banner.join('\n'));
  });

  test('with ONAIR_PUBLIC_URL: that URL is the one named and used', async () => {
    const banner = await bannerOf({ ONAIR_PUBLIC_URL: 'https://watch.example.org' });
    const up = banner.find((l) => l.startsWith('Onair is up.')) ?? '';
    assert.match(up, /Watch and sign up at https:\/\/watch\.example\.org\//, banner.join('\n'));
    assert.ok(banner.includes('Links use ONAIR_PUBLIC_URL=https://watch.example.org.'), banner.join('\n'));
    assert.doesNotMatch(banner.join('\n'), /key|token|password|secret/i);
  });
});
