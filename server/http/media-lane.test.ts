// The media lane in front of a real node:http server, driven over raw sockets: what it answers itself, what it hands
// to node:http (with every byte not yet answered), pipelining, streamed answers, and closing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { MediaFastPath } from './media-fast-path.js';
import { installMediaLane, type MediaLane } from './media-lane.js';

interface Setup {
  port: number;
  lane: MediaLane;
  /** Requests answered by the fast path on the lane, and by node:http (either way). */
  counts: { lane: number; http: number };
  closedStreams: number;
  close(): Promise<void>;
}

/**
 * A server as app.ts builds it: node:http asks the fast path first, then its own handler. The fast path answers
 * /fast/<x> with "fast <x>", /stream with three chunks 20 ms apart, and nothing else.
 */
async function setup(): Promise<Setup> {
  const counts = { lane: 0, http: 0 };
  let closedStreams = 0;
  const fastPath: MediaFastPath = (req, res) => {
    const onLane = !(res instanceof http.ServerResponse);
    if (req.url?.startsWith('/fast/')) {
      if (onLane) counts.lane++;
      const body = `fast ${req.url.slice(6)} ${req.headers['user-agent'] ?? ''}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return true;
    }
    if (req.url === '/stream') {
      if (onLane) counts.lane++;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let n = 0;
      const timer = setInterval(() => {
        if (++n <= 3) res.write(Buffer.from(`chunk${n};`));
        else {
          clearInterval(timer);
          res.end();
        }
      }, 20);
      res.on('close', () => {
        clearInterval(timer);
        if (n <= 3) closedStreams++;
      });
      return true;
    }
    return false;
  };
  const server = http.createServer((req, res) => {
    if (fastPath(req, res)) return;
    counts.http++;
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => res.end(`http ${req.method} ${req.url} ${body}`));
  });
  server.keepAliveTimeout = 65_000;
  const lane = installMediaLane(server, fastPath, 65_000);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    lane,
    counts,
    get closedStreams() {
      return closedStreams;
    },
    close: async () => {
      lane.closeAll();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}

/** A raw connection: send bytes, read until `n` answers have arrived in full (Content-Length or chunked). */
async function connect(port: number): Promise<{ send(s: string): void; answers(n: number): Promise<string[]>; raw(): string; socket: net.Socket }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let buf = '';
  let wake: (() => void) | undefined;
  socket.on('data', (d) => {
    buf += d.toString('latin1');
    wake?.();
  });
  const parse = (): string[] => {
    const out: string[] = [];
    let at = 0;
    for (;;) {
      const headEnd = buf.indexOf('\r\n\r\n', at);
      if (headEnd < 0) return out;
      const head = buf.slice(at, headEnd);
      const len = /content-length: (\d+)/i.exec(head);
      if (len) {
        const end = headEnd + 4 + Number(len[1]);
        if (buf.length < end) return out;
        out.push(`${head.split('\r\n')[0]}|${buf.slice(headEnd + 4, end)}`);
        at = end;
      } else {
        let p = headEnd + 4;
        let body = '';
        for (;;) {
          const eol = buf.indexOf('\r\n', p);
          if (eol < 0) return out;
          const size = parseInt(buf.slice(p, eol), 16);
          if (buf.length < eol + 2 + size + 2) return out;
          body += buf.slice(eol + 2, eol + 2 + size);
          p = eol + 2 + size + 2;
          if (size === 0) break;
        }
        out.push(`${head.split('\r\n')[0]}|${body}`);
        at = p;
      }
    }
  };
  return {
    socket,
    raw: () => buf,
    send: (s) => socket.write(s),
    answers: async (n) => {
      const deadline = Date.now() + 5000;
      while (parse().length < n && Date.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
      return parse();
    },
  };
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n${extra}\r\n`;

test('media GETs are answered on the lane, one connection, keep-alive, the answer complete', async () => {
  const s = await setup();
  try {
    const c = await connect(s.port);
    c.send(get('/fast/a', 'Connection: keep-alive\r\n'));
    assert.deepEqual(await c.answers(1), ['HTTP/1.1 200 OK|fast a t']);
    c.send(get('/fast/b'));
    assert.deepEqual((await c.answers(2))[1], 'HTTP/1.1 200 OK|fast b t');
    assert.deepEqual(s.counts, { lane: 2, http: 0 });
    assert.equal(s.lane.size(), 1);
    c.socket.destroy();
  } finally {
    await s.close();
  }
});

test('pipelined requests are answered in order; a head split byte by byte goes to node:http', async () => {
  const s = await setup();
  try {
    const c = await connect(s.port);
    c.send(get('/stream') + get('/fast/2') + get('/fast/3'));
    assert.deepEqual(await c.answers(3), ['HTTP/1.1 200 OK|chunk1;chunk2;chunk3;', 'HTTP/1.1 200 OK|fast 2 t', 'HTTP/1.1 200 OK|fast 3 t']);
    assert.equal(s.counts.lane, 3);
    // A head that trickles in is node:http's (its limits on slow heads apply), still answered by the fast path there.
    for (const ch of get('/fast/4')) {
      c.send(ch);
      await new Promise((r) => setImmediate(r));
    }
    assert.equal((await c.answers(4))[3], 'HTTP/1.1 200 OK|fast 4 t');
    assert.equal(s.counts.lane, 3);
    assert.equal(s.lane.size(), 0);
    c.socket.destroy();
  } finally {
    await s.close();
  }
});

test('anything else goes to node:http with its bytes, and the connection stays there', async () => {
  const s = await setup();
  try {
    const c = await connect(s.port);
    // A media GET on the lane, then a POST with a body, pipelined with a media GET that node:http must now answer.
    c.send(get('/fast/a'));
    await c.answers(1);
    c.send(`POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello${get('/fast/b')}`);
    const a = await c.answers(3);
    assert.deepEqual(a.slice(1), ['HTTP/1.1 200 OK|http POST /api/x hello', 'HTTP/1.1 200 OK|fast b t']);
    assert.deepEqual(s.counts, { lane: 1, http: 1 });
    assert.equal(s.lane.size(), 0, 'the connection is node:http’s now');
    c.socket.destroy();
    // Paths the fast path does not answer, HEAD, ranges, HTTP/1.0, Connection: close, an upgrade, no Host: node:http from the start.
    for (const req of [
      get('/api/y'),
      'HEAD /fast/a HTTP/1.1\r\nHost: x\r\n\r\n',
      get('/fast/a', 'Range: bytes=0-1\r\n'),
      'GET /fast/a HTTP/1.0\r\nHost: x\r\n\r\n',
      get('/fast/a', 'Connection: close\r\n'),
      get('/fast/a', 'Upgrade: websocket\r\nConnection: Upgrade\r\n'),
      'GET /fast/a HTTP/1.1\r\nUser-Agent: t\r\n\r\n',
    ]) {
      const d = await connect(s.port);
      d.send(req);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(s.lane.size(), 0, req);
      d.socket.destroy();
    }
    assert.equal(s.counts.lane, 1);
  } finally {
    await s.close();
  }
});

test('a malformed head goes to node:http, which refuses it', async () => {
  const s = await setup();
  try {
    const c = await connect(s.port);
    c.send('GET /fast/a HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n');
    await new Promise((r) => c.socket.once('close', r));
    assert.match(c.raw(), /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(s.counts.lane, 0);
  } finally {
    await s.close();
  }
});

test('a streamed answer stops when the viewer leaves; closeAll closes what the lane holds', async () => {
  const s = await setup();
  try {
    const c = await connect(s.port);
    c.send(get('/stream'));
    await new Promise((r) => setTimeout(r, 30));
    c.socket.destroy();
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(s.closedStreams, 1);
    const d = await connect(s.port);
    d.send(get('/fast/a'));
    await d.answers(1);
    const closed = new Promise((r) => d.socket.once('close', r));
    s.lane.closeAll();
    await closed;
    assert.equal(s.lane.size(), 0);
  } finally {
    await s.close();
  }
});
