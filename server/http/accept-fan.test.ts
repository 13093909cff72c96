// Listening on several sockets of one port: a crowd connecting to a busy server gets in, every connection reaches
// the one HTTP server, the port in use is still said, and closing frees the port. Real sockets on loopback.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import { acceptFanSupported, listenWithAcceptFan } from './accept-fan.js';

const HOST = '127.0.0.1';

/** An HTTP server whose every answer keeps the event loop busy for `busyMs` first, as a loaded server's does. */
function busyServer(busyMs: number): Server {
  return createServer((_req, res) => {
    const until = performance.now() + busyMs;
    while (performance.now() < until);
    res.end('ok');
  });
}

/** Connects, sends one GET and resolves with the ms until its answer began; the socket stays open for `keep`. */
function firstAnswer(port: number, keep: net.Socket[]): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port }, () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    keep.push(s);
    s.once('data', (d) => (d.toString('latin1').startsWith('HTTP/1.1 200') ? resolve(performance.now() - start) : reject(new Error(String(d)))));
    s.once('error', reject);
  });
}

/** Keep-alive clients asking again as soon as answered, until stopped: the load that keeps the loop's turns long. */
function hammer(port: number, clients: number): { stop(): void } {
  const sockets: net.Socket[] = [];
  let stopped = false;
  for (let i = 0; i < clients; i++) {
    const s = net.connect({ host: HOST, port }, () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('data', () => !stopped && s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('error', () => {});
    sockets.push(s);
  }
  return {
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

describe(
  'HTTP on several listening sockets of one port',
  { skip: acceptFanSupported(process.platform, HOST) ? false : 'SO_REUSEPORT spreads connections on Linux only' },
  () => {
    const cleanups: Array<() => unknown> = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    async function start(server: Server, sockets: number, port = 0) {
      const fan = await listenWithAcceptFan(server, (o) => new Promise((r) => server.listen(o, () => r())), {
        host: HOST,
        port,
        backlog: 4096,
        sockets,
      });
      cleanups.push(() => {
        fan.closeExtra();
        server.closeAllConnections();
        return new Promise((r) => server.close(r));
      });
      return fan;
    }

    /** Ms until each of `crowd` new connections got its first answer, while `busy` clients keep the server loaded. */
    async function crowdJoining(sockets: number, crowd: number): Promise<number> {
      const server = busyServer(1);
      const { port } = await start(server, sockets);
      const load = hammer(port, 30);
      cleanups.push(() => load.stop());
      await new Promise((r) => setTimeout(r, 300));
      const keep: net.Socket[] = [];
      cleanups.push(() => keep.forEach((s) => s.destroy()));
      const waits = await Promise.all(Array.from({ length: crowd }, () => firstAnswer(port, keep)));
      return Math.max(...waits);
    }

    test('a crowd connecting to a busy server gets in within a second or so; on one socket it waits a turn each', { timeout: 60_000 }, async () => {
      const fanned = await crowdJoining(64, 100);
      for (const c of cleanups.splice(0).reverse()) await c();
      const single = await crowdJoining(1, 100);
      console.log(`100 connections joining 30 busy ones: last answered after ${fanned.toFixed(0)} ms on 64 sockets, ${single.toFixed(0)} ms on one`);
      assert.ok(fanned < 1500, `on 64 sockets the last waited ${fanned} ms`);
      assert.ok(single > fanned * 2, `on one socket the last waited ${single} ms, on 64 ${fanned} ms`);
    });

    test('every connection, whichever socket accepted it, is answered by the one server', async () => {
      const server = createServer((req, res) => res.end(req.url));
      const { port } = await start(server, 64);
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`http://${HOST}:${port}/n${i}`).then((r) => r.text())));
      assert.deepEqual(
        answers,
        Array.from({ length: 200 }, (_, i) => `/n${i}`),
      );
    });

    test('a port in use is refused as before, by a plain server or by another fanned one; closing frees it', async () => {
      const plain = net.createServer();
      await new Promise<void>((r) => plain.listen({ host: HOST, port: 0 }, () => r()));
      const taken = (plain.address() as net.AddressInfo).port;
      await assert.rejects(start(createServer(), 64, taken), { code: 'EADDRINUSE' });
      await new Promise((r) => plain.close(r));

      const first = createServer((_req, res) => res.end('first'));
      const { port } = await start(first, 64);
      await assert.rejects(start(createServer(), 64, port), { code: 'EADDRINUSE' }, 'a second server does not share the port silently');
      assert.equal(await (await fetch(`http://${HOST}:${port}/`)).text(), 'first');

      for (const c of cleanups.splice(0).reverse()) await c();
      const again = net.createServer();
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.listen({ host: HOST, port, exclusive: true }, () => resolve());
      });
      await new Promise((r) => again.close(r));
    });
  },
);
