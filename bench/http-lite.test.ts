import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpPool } from './http-lite.js';

/** A node:http server on loopback; `handler` answers; counts connections and the most open at once. */
async function serve(
  handler: http.RequestListener,
): Promise<{ port: number; connections: () => number; maxOpen: () => number; server: http.Server; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  let connections = 0;
  let open = 0;
  let maxOpen = 0;
  server.on('connection', (s) => {
    connections++;
    maxOpen = Math.max(maxOpen, ++open);
    s.on('close', () => open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    maxOpen: () => maxOpen,
    server,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * A TCP relay in front of `port` that hands the client the server's bytes one at a time, each in a write of its own a
 * millisecond after the last: every boundary of the answer falls between two reads at least once.
 */
async function byteByByte(port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    client.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    let queue = Promise.resolve();
    upstream.on('data', (data: Buffer) => {
      queue = queue.then(async () => {
        for (const byte of data) {
          if (client.destroyed) return;
          client.write(Buffer.of(byte));
          await new Promise((r) => setTimeout(r, 1));
        }
      });
    });
    upstream.on('end', () => void queue.then(() => client.end()));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  return {
    port: (relay.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => relay.close(() => r()));
    },
  };
}

const PLAYLIST = '#EXTM3U\n#EXT-X-TARGETDURATION:1\n' + '#EXT-X-PART:DURATION=0.200,URI="v-part-9.0.m4s"\n'.repeat(40);
const MEDIA = Buffer.alloc(150_000, 7);
/** Chunks of a streamed part, as the server writes a hinted part while it is cut. */
const PIECES = [Buffer.alloc(3000, 1), Buffer.alloc(70_000, 2), Buffer.alloc(1, 3), Buffer.alloc(5000, 4)];
const PIECES_BYTES = PIECES.reduce((n, b) => n + b.length, 0);

/** The routes the tests use: Content-Length bodies, a chunked one written over time, 503, a cut body, silence. */
const handler: http.RequestListener = (req, res) => {
  if (req.url === '/index.m3u8?_HLS_msn=9&_HLS_part=2') {
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'content-length': Buffer.byteLength(PLAYLIST) });
    res.end(PLAYLIST);
  } else if (req.url === '/seg.m4s') {
    res.writeHead(200, { 'content-length': MEDIA.length });
    res.end(MEDIA);
  } else if (req.url?.startsWith('/hint.m4s')) {
    const gap = Number(new URL(req.url, 'http://x').searchParams.get('gap') ?? 0);
    res.writeHead(200, { 'content-type': 'video/mp4' });
    let k = 0;
    const next = () => {
      if (k < PIECES.length) res.write(PIECES[k++]);
      if (k < PIECES.length) setTimeout(next, gap);
      else res.end();
    };
    next();
  } else if (req.url === '/busy') {
    res.writeHead(503, { 'retry-after': '1', 'content-length': 2 });
    res.end('{}');
  } else if (req.url === '/close') {
    res.writeHead(200, { connection: 'close', 'content-length': 2 });
    res.end('ok');
  } else if (req.url === '/cut') {
    res.writeHead(200, { 'content-length': 1000 });
    res.write(Buffer.alloc(100));
    setTimeout(() => res.destroy(), 20);
  } else if (req.url?.startsWith('/slow')) {
    setTimeout(() => res.end('late'), 60);
  } else if (req.url === '/silent') {
    // never answers
  } else {
    res.writeHead(404, { 'content-length': 9 });
    res.end('Not found');
  }
};

test('Content-Length and chunked bodies: status, bytes, the body only when wanted, Retry-After', async () => {
  const s = await serve(handler);
  const pool = new HttpPool('127.0.0.1', s.port, 6);
  try {
    const pl = await pool.get('/index.m3u8?_HLS_msn=9&_HLS_part=2', 2000, true);
    assert.equal(pl.status, 200);
    assert.equal(pl.body?.toString('utf8'), PLAYLIST);
    assert.equal(pl.bytes, Buffer.byteLength(PLAYLIST));
    const seg = await pool.get('/seg.m4s', 2000, false);
    assert.deepEqual([seg.status, seg.bytes, seg.body], [200, MEDIA.length, undefined]);
    const hint = await pool.get('/hint.m4s?gap=5', 2000, true);
    assert.deepEqual([hint.status, hint.bytes], [200, PIECES_BYTES]);
    assert.ok(hint.body?.equals(Buffer.concat(PIECES)));
    const busy = await pool.get('/busy', 2000, false);
    assert.deepEqual([busy.status, busy.retryAfterS, busy.bytes], [503, 1, 2]);
    const missing = await pool.get('/nothing', 2000, false);
    assert.deepEqual([missing.status, missing.retryAfterS], [404, undefined]);
    assert.equal(s.connections(), 1, 'one keep-alive connection for requests one after another');
    assert.equal(pool.sockets, 1);
  } finally {
    pool.destroy();
    await s.close();
  }
});

test('answers split across reads byte by byte parse the same, on one reused connection', async () => {
  const s = await serve(handler);
  const relay = await byteByByte(s.port);
  const pool = new HttpPool('127.0.0.1', relay.port, 6);
  try {
    const pl = await pool.get('/index.m3u8?_HLS_msn=9&_HLS_part=2', 5000, true);
    assert.equal(pl.status, 200);
    assert.equal(pl.body?.toString('utf8'), PLAYLIST);
    const small = [Buffer.from('ab'), Buffer.from('c')];
    s.server.removeAllListeners('request');
    s.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      // Chunked, with a trailer, and a 503 after it: every state of the parser sees split input.
      if (req.url === '/chunked') {
        res.writeHead(200, { trailer: 'x-done' });
        res.write(small[0]);
        res.write(small[1]);
        res.addTrailers({ 'x-done': '1' });
        res.end();
      } else handler(req, res);
    });
    const ch = await pool.get('/chunked', 5000, true);
    assert.deepEqual([ch.status, ch.bytes, ch.body?.toString()], [200, 3, 'abc']);
    const busy = await pool.get('/busy', 5000, false);
    assert.deepEqual([busy.status, busy.retryAfterS], [503, 1]);
    assert.equal(s.connections(), 1);
  } finally {
    pool.destroy();
    await relay.close();
    await s.close();
  }
});

test('at most maxSockets connections; requests beyond wait for one and are all answered', async () => {
  const s = await serve(handler);
  const pool = new HttpPool('127.0.0.1', s.port, 3);
  try {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.get(`/slow?${i}`, 2000, true)));
    assert.deepEqual(
      answers.map((a) => [a.status, a.body?.toString()]),
      answers.map(() => [200, 'late']),
    );
    assert.equal(s.maxOpen(), 3);
    assert.equal(s.connections(), 3);
  } finally {
    pool.destroy();
    await s.close();
  }
});

test('the server closing: after Connection: close, mid-body, and an idle connection', async () => {
  const s = await serve(handler);
  const pool = new HttpPool('127.0.0.1', s.port, 6);
  try {
    const closing = await pool.get('/close', 2000, true);
    assert.deepEqual([closing.status, closing.body?.toString()], [200, 'ok']);
    const cut = await pool.get('/cut', 2000, false);
    assert.equal(cut.status, 0);
    assert.equal(cut.bytes, 100);
    assert.match(cut.error ?? '', /aborted/);
    assert.equal((await pool.get('/seg.m4s', 2000, false)).status, 200);
    // The keep-alive connection left open is closed by the server while idle: the next request opens another.
    s.server.closeIdleConnections();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(pool.sockets, 0);
    assert.equal((await pool.get('/seg.m4s', 2000, false)).status, 200);
    assert.equal(s.connections(), 4);
  } finally {
    pool.destroy();
    await s.close();
  }
});

test("free connections close 1 s before the server's Keep-Alive timeout instead of racing its close", async () => {
  const s = await serve(handler);
  s.server.keepAliveTimeout = 2000; // announced as Keep-Alive: timeout=2: reused for 1 s
  const pool = new HttpPool('127.0.0.1', s.port, 6);
  try {
    assert.equal((await pool.get('/seg.m4s', 2000, false)).status, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await pool.get('/seg.m4s', 2000, false)).status, 200);
    assert.equal(s.connections(), 1, 'reused within the limit');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(pool.sockets, 0, 'closed by the client at the limit');
    assert.equal((await pool.get('/seg.m4s', 2000, false)).status, 200);
    assert.equal(s.connections(), 2);
    // timeout=1 leaves nothing after the margin: one answer per connection.
    s.server.keepAliveTimeout = 1000;
    await pool.get('/seg.m4s', 2000, false);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(pool.sockets, 0);
  } finally {
    pool.destroy();
    await s.close();
  }
});

test('time limit: silence is status 0; a body that keeps coming is not cut', async () => {
  const s = await serve(handler);
  const pool = new HttpPool('127.0.0.1', s.port, 6);
  try {
    const t0 = performance.now();
    const silent = await pool.get('/silent', 300, false);
    const took = performance.now() - t0;
    assert.equal(silent.status, 0);
    assert.match(silent.error ?? '', /no answer within 300 ms/);
    assert.ok(took >= 290 && took < 1000, `timed out after ${took} ms`);
    // 4 pieces 150 ms apart: 450 ms in all, never 300 ms without a byte.
    const streamed = await pool.get('/hint.m4s?gap=150', 300, false);
    assert.deepEqual([streamed.status, streamed.bytes], [200, PIECES_BYTES]);
  } finally {
    pool.destroy();
    await s.close();
  }
});

test('a refused connection, a body delimited by the close, a malformed answer: no throw, status 0 where failed', async () => {
  const refused = await new HttpPool('127.0.0.1', 1, 6).get('/', 2000, false);
  assert.equal(refused.status, 0);
  assert.match(refused.error ?? '', /ECONNREFUSED/);
  // A raw HTTP/1.0-style answer with neither length nor chunking, then one that is not HTTP.
  const raw = net.createServer((c) =>
    c.once('data', (req) => {
      if (req.toString().startsWith('GET /old ')) c.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
      else c.end('SSH-2.0-OpenSSH\r\n\r\n');
    }),
  );
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const pool = new HttpPool('127.0.0.1', (raw.address() as AddressInfo).port, 6);
  try {
    const old = await pool.get('/old', 2000, true);
    assert.deepEqual([old.status, old.body?.toString()], [200, 'until the end']);
    const bad = await pool.get('/bad', 2000, true);
    assert.equal(bad.status, 0);
    assert.match(bad.error ?? '', /bad status line/);
  } finally {
    pool.destroy();
    await new Promise((r) => raw.close(r));
  }
});
