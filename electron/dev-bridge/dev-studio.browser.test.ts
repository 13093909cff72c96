// `npm run dev:studio` as a developer runs it: the command from package.json, one process that prints one address;
// that address serves the Studio from source (vite) in Chromium, and the Studio's chat reaches a real Onair server
// through the bridge. Requests from another site (another Origin or Host) are refused; Ctrl-C stops everything.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { CHAT_PATH, type ChatMessage } from '../../server/api/chat.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../server/test-support/browser.js';
import { freePort, waitFor } from '../../server/test-support/process.js';
import { startTestServer, type TestServer } from '../../server/test-support/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STEP_MS = 30_000;

/** An HTTP request with headers fetch will not send (Host, Origin, Upgrade): the status, or 101 for an upgrade. */
function rawRequest(port: number, method: string, reqPath: string, headers: Record<string, string>): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: reqPath, headers });
    const t = setTimeout(() => req.destroy(), 10_000);
    req.on('upgrade', (_res, socket) => {
      clearTimeout(t);
      socket.destroy();
      resolve(101);
    });
    req.on('response', (res) => {
      clearTimeout(t);
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => {
      clearTimeout(t);
      resolve('closed');
    });
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('npm run dev:studio', { timeout: 240_000 }, () => {
  let server: TestServer;
  let dev: ChildProcess;
  let out = '';
  let browser: Browser;
  let viewer: Socket | undefined;
  let port = 0;
  const username = `dev${Date.now().toString(36).slice(-5)}`;

  before(async () => {
    server = await startTestServer();
    port = await freePort();
    const script = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['dev:studio']!;
    // One command, no background job (`a & b` leaves one running after Ctrl-C and does not work on Windows).
    assert.match(script, /^node [^&|;]+$/, script);
    dev = spawn(process.execPath, script.split(' ').slice(1), {
      cwd: ROOT,
      env: { ...process.env, ONAIR_BRIDGE_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    dev.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    viewer?.disconnect();
    await browser?.close().catch(() => {});
    if (dev && dev.exitCode === null) dev.kill('SIGKILL');
    await server?.stop().catch(() => {});
  });

  test('one address that serves the Studio from source; its chat reaches the server', async () => {
    await waitFor('the address', () => out.includes(`http://127.0.0.1:${port}`), STEP_MS, 100);
    await new Promise((r) => setTimeout(r, 1000)); // anything else it would print
    const urls = [...new Set(out.match(/https?:\/\/[^\s)]+/g) ?? [])];
    assert.deepEqual(urls, [`http://127.0.0.1:${port}`], out);

    const page = await browser.newPage();
    page.setDefaultTimeout(STEP_MS);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(urls[0]!);
    await page.getByRole('status').filter({ hasText: 'Not live' }).waitFor();
    assert.equal(await page.locator('script[src="/@vite/client"]').count(), 1, 'served from source by vite (hot reload)');

    await page.getByLabel('Server URL').fill(server.base);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(`pw-${username}-123456`);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('account').filter({ hasText: username }).waitFor();

    const messages: ChatMessage[] = [];
    viewer = io(server.base, { path: CHAT_PATH, transports: ['websocket'], reconnection: false });
    viewer.on('message', (m: ChatMessage) => messages.push(m));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('viewer could not join')), STEP_MS);
      viewer!.on('connect', () =>
        viewer!.emit('join', { channel: username }, (ack: { ok: boolean }) => {
          clearTimeout(t);
          if (ack.ok) resolve();
          else reject(new Error(`join refused: ${JSON.stringify(ack)}`));
        }),
      );
    });
    const chat = page.getByTestId('chat');
    await page.locator('[data-testid="chat"][data-status="joined"]').waitFor();
    await chat.getByLabel('Send a message').fill('hello from dev:studio');
    await chat.getByRole('button', { name: 'Send' }).click();
    const got = await waitFor('the viewer gets the message', () => messages.find((m) => m.text === 'hello from dev:studio'), 10_000, 100);
    assert.equal(got.author.name, username, 'signed in as the streamer through the bridge');
    assert.deepEqual(pageErrors, []);
    await page.close();
  });

  test('another site is refused: a foreign Origin (bridge and chat socket), a foreign Host', async () => {
    const ws = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const socketPath = '/socket.io/?EIO=4&transport=websocket';
    const own = `http://127.0.0.1:${port}`;
    assert.equal(await rawRequest(port, 'GET', socketPath, { ...ws, origin: own }), 101, 'our own page may open the chat socket');
    assert.equal(await rawRequest(port, 'GET', socketPath, { ...ws, origin: 'http://evil.example' }), 'closed');
    const invoke = { 'content-type': 'application/json', 'x-onair-bridge': '1' };
    assert.equal(await rawRequest(port, 'POST', '/bridge/invoke/session:get', { ...invoke, origin: own }), 200);
    assert.equal(await rawRequest(port, 'POST', '/bridge/invoke/session:get', { ...invoke, origin: 'http://evil.example' }), 403);
    assert.equal(await rawRequest(port, 'POST', '/socket.io/?EIO=4&transport=polling', { origin: 'http://evil.example' }), 403);
    assert.equal(await rawRequest(port, 'GET', '/', { host: `evil.example:${port}` }), 421);
  });

  test('Ctrl-C stops it, all of it', async () => {
    dev.kill('SIGINT');
    await waitFor('exit', () => dev.exitCode !== null, 15_000, 100);
    assert.equal(await rawRequest(port, 'GET', '/', {}), 'closed');
  });
});
