// A minimal HTTP/1.1 GET client on raw `net` sockets for the simulated LL-HLS viewers (llviewers-client.ts).
// node:http (ClientRequest, Agent, IncomingMessage streams) cost the client about twice the CPU the server spent on
// the same requests, so at 1000 viewers on 2 cores the benchmark measured the client. This does only what a viewer
// needs, the way node:http's keep-alive Agent did it: per-origin pools of at most `maxSockets` connections (requests
// beyond wait, first come first served; free connections reused last in, first out), plus closing a free connection
// 1 s before the server's `Keep-Alive: timeout`, one request at a time per connection (no pipelining), five headers
// (Content-Length, Transfer-Encoding: chunked, Retry-After, Connection, Keep-Alive), bodies by length, chunked or
// until close. Every socket reads into one shared buffer (`onread`): a media body is counted, never allocated or
// copied; only wanted bodies (playlists) are copied out. Answers never reject: a network error, a malformed answer or
// the time limit is status 0 with `error`.

import net from 'node:net';

export interface Answer {
  status: number;
  /** Body bytes received (after de-chunking). */
  bytes: number;
  /** Wall clock (ms since epoch, sub-ms) when the last byte was read, or the request failed. */
  endWall: number;
  body?: Buffer;
  retryAfterS?: number;
  error?: string;
}

/** Wall clock with sub-millisecond resolution (performance.now() anchored at the process's time origin). */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/**
 * The one read buffer of every socket of the process: libuv reads a socket into it and the callback consumes the
 * bytes synchronously before any other read, so sharing it is safe and no Buffer is allocated per read.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/** A head larger than this is not an answer we want (Onair's are ~400 bytes). */
const MAX_HEAD = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * A free connection is closed this long before the server's `Keep-Alive: timeout=N` runs out, as undici (Node's
 * fetch; 2 s) and node:http's Agent when it has a timeout of its own (1 s; without one, as the viewers' Agents had,
 * it ignores the hint) do. Reused near the end, it races the server's close: a loaded server whose timer fires before
 * it reads the request resets the connection. Seen at 200 viewers on a busy box: Onair's HTTP server (Fastify's
 * serverFactory) keeps Node's 5 s, and connections idle for ~6 s were reset in bursts as requests went out on them.
 */
const KEEP_ALIVE_MARGIN_MS = 1000;

/**
 * Time limits are idle limits, as node:http's `timeout` option (the socket's): a streamed part that keeps sending is
 * not cut. One sweep over the connections with a deadline (busy ones, and free ones with a keep-alive limit) instead
 * of a timer armed and cleared per request and reset per read.
 */
const SWEEP_MS = 50;
const watched = new Set<Connection>();
let sweeper: NodeJS.Timeout | undefined;
function sweep(): void {
  const now = performance.now();
  for (const c of watched) c.check(now);
  if (watched.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}
function watch(c: Connection): void {
  watched.add(c);
  sweeper ??= setInterval(sweep, SWEEP_MS).unref();
}

type Request = { path: string; timeoutMs: number; keepBody: boolean; resolve: (a: Answer) => void };

const enum Phase {
  Head,
  Length,
  UntilClose,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailer,
}

class Connection {
  private readonly socket: net.Socket;
  private req: Request | undefined;
  private phase = Phase.Head;
  /** The head so far (latin1) and how much of the blank line that ends it has been seen. */
  private head = '';
  private crlf = 0;
  private status = 0;
  private retryAfterS: number | undefined;
  private close = false;
  /** The server's keep-alive limit (ms) from the answer; a free connection is reused until `freeUntil`. */
  private keepAliveMs: number | undefined;
  freeUntil = Infinity;
  /** Body bytes left in the current length-delimited body or chunk. */
  private remaining = 0;
  private sizeDigits = 0;
  private sizeDone = false;
  private lineLen = 0;
  private bytes = 0;
  private chunks: Buffer[] = [];
  /** Bytes arrived since the last sweep; else idle since `quietSince` (performance.now()). */
  private active = false;
  private quietSince = 0;
  private dead = false;

  constructor(
    private readonly pool: HttpPool,
    host: string,
    port: number,
  ) {
    this.socket = net.connect({ host, port, noDelay: true, onread: { buffer: READ_BUFFER, callback: (n) => (this.onRead(n), true) } });
    // The peer's end: a body delimited by the close is complete; anything else in flight was cut.
    const cut = () => this.fail(this.phase === Phase.Head && this.head === '' ? 'socket hang up' : 'aborted');
    this.socket.on('end', () => {
      if (this.phase === Phase.UntilClose && this.req) this.finish();
      cut();
    });
    this.socket.on('close', cut);
    this.socket.on('error', (err) => this.fail(err.message));
  }

  start(req: Request): void {
    this.req = req;
    this.phase = Phase.Head;
    this.head = '';
    this.crlf = 0;
    this.status = 0;
    this.retryAfterS = undefined;
    this.close = false;
    this.keepAliveMs = undefined;
    this.freeUntil = Infinity;
    this.bytes = 0;
    this.active = false;
    this.quietSince = performance.now();
    watch(this);
    this.socket.write(`GET ${req.path} HTTP/1.1\r\nHost: ${this.pool.hostHeader}\r\nConnection: keep-alive\r\n\r\n`, 'latin1');
  }

  check(now: number): void {
    if (!this.req) {
      if (now >= this.freeUntil) this.fail('keep-alive limit');
    } else if (this.active) {
      this.active = false;
      this.quietSince = now;
    } else if (now - this.quietSince >= this.req.timeoutMs) {
      this.fail(`no answer within ${this.req.timeoutMs} ms`);
    }
  }

  /** Ends the connection for good; the request in flight, if any, is answered status 0. */
  fail(error: string): void {
    if (this.dead) return;
    this.dead = true;
    watched.delete(this);
    this.socket.destroy();
    const req = this.req;
    this.req = undefined;
    this.chunks = [];
    this.pool.closed(this);
    req?.resolve({ status: 0, bytes: this.bytes, endWall: wallNow(), error });
  }

  /** Consumes READ_BUFFER[0, n): any split of an answer across reads parses the same. */
  private onRead(n: number): void {
    if (this.dead) return;
    if (!this.req) return this.fail('data on an idle connection');
    this.active = true;
    const b = READ_BUFFER;
    let i = 0;
    while (i < n && this.req) {
      switch (this.phase) {
        case Phase.Head: {
          const from = i;
          // Usually the whole head is in this read: found natively. Else (a head split across reads) byte by byte,
          // counting how much of CR LF CR LF has been seen. A match at or past `n` is stale data of an earlier read.
          const at = this.head === '' ? b.indexOf(HEAD_END, i) : -1;
          if (at >= 0 && at + 4 <= n) {
            i = at + 4;
            this.crlf = 4;
          }
          while (i < n && this.crlf < 4) {
            const c = b[i++];
            this.crlf = c === (this.crlf & 1 ? 10 : 13) ? this.crlf + 1 : c === 13 ? 1 : 0;
          }
          this.head += b.toString('latin1', from, i);
          if (this.crlf === 4) this.onHead();
          else if (this.head.length > MAX_HEAD) return this.fail('answer head too large');
          break;
        }
        case Phase.Length:
        case Phase.ChunkData: {
          const take = Math.min(this.remaining, n - i);
          this.body(i, i + take);
          i += take;
          this.remaining -= take;
          if (this.remaining > 0) break;
          if (this.phase === Phase.Length) this.finish();
          else this.phase = Phase.ChunkDataEnd;
          break;
        }
        case Phase.UntilClose:
          this.body(i, n);
          i = n;
          break;
        case Phase.ChunkSize: {
          const c = b[i++];
          if (c === 10) {
            if (this.sizeDigits === 0) return this.fail('bad chunk size');
            this.phase = this.remaining === 0 ? Phase.Trailer : Phase.ChunkData;
            this.lineLen = 0;
          } else if (c === 13 || this.sizeDone) {
            // the CR before LF, or a chunk extension: ignored
          } else if (c === 59 || c === 32 || c === 9) {
            this.sizeDone = true;
          } else {
            const d = parseInt(String.fromCharCode(c), 16);
            if (Number.isNaN(d) || this.sizeDigits >= 12) return this.fail('bad chunk size');
            this.remaining = this.remaining * 16 + d;
            this.sizeDigits++;
          }
          break;
        }
        case Phase.ChunkDataEnd: {
          const c = b[i++];
          if (c === 10) this.nextChunk();
          else if (c !== 13) return this.fail('no CRLF after chunk data');
          break;
        }
        case Phase.Trailer: {
          // Trailer fields, ignored, up to the empty line.
          const c = b[i++];
          if (c === 10) {
            if (this.lineLen === 0) this.finish();
            this.lineLen = 0;
          } else if (c !== 13) this.lineLen++;
          break;
        }
      }
    }
    if (this.req || this.dead) return;
    // The answer is complete; decided here, before the connection takes the next waiting request. Bytes past its
    // end: nothing asked for them, so the connection cannot be trusted again.
    const keepMs = this.keepAliveMs === undefined ? Infinity : this.keepAliveMs - KEEP_ALIVE_MARGIN_MS;
    if (i < n) this.fail('data after the answer');
    else if (this.close || keepMs <= 0) this.fail('closed after the answer');
    else {
      if (keepMs < Infinity) {
        this.freeUntil = performance.now() + keepMs;
        watch(this);
      }
      this.pool.release(this);
    }
  }

  /** The five headers looked up in the lower-cased head: no split into lines, no per-header strings. */
  private onHead(): void {
    const head = this.head.toLowerCase();
    const m = /^http\/1\.([01]) (\d{3})/.exec(head);
    if (!m) return this.fail('bad status line');
    this.status = Number(m[2]);
    const lengthText = headerValue(head, 'content-length');
    if (lengthText !== undefined && !/^\d+$/.test(lengthText)) return this.fail('bad content-length');
    const length = lengthText === undefined ? undefined : Number(lengthText);
    const chunked = /(^|,)\s*chunked$/.test(headerValue(head, 'transfer-encoding') ?? '');
    const retryAfter = Number(headerValue(head, 'retry-after') ?? NaN);
    if (Number.isFinite(retryAfter)) this.retryAfterS = retryAfter;
    const connection = headerValue(head, 'connection') ?? '';
    const keepAlive = /timeout=(\d+)/.exec(headerValue(head, 'keep-alive') ?? '');
    if (keepAlive) this.keepAliveMs = Number(keepAlive[1]) * 1000;
    // HTTP/1.0 closes unless told otherwise; 1.1 keeps the connection unless told to close.
    this.close = m[1] === '0' ? !connection.includes('keep-alive') : connection.includes('close');
    if (this.status < 200) {
      // 1xx: an interim answer; the real one follows on the same connection.
      this.head = '';
      this.crlf = 0;
    } else if (chunked) this.nextChunk();
    else if (this.status === 204 || this.status === 304 || length === 0) this.finish();
    else if (length !== undefined) {
      this.phase = Phase.Length;
      this.remaining = length;
    } else {
      this.phase = Phase.UntilClose;
      this.close = true;
    }
  }

  private nextChunk(): void {
    this.phase = Phase.ChunkSize;
    this.remaining = 0;
    this.sizeDigits = 0;
    this.sizeDone = false;
  }

  private body(from: number, to: number): void {
    if (to <= from) return;
    this.bytes += to - from;
    // READ_BUFFER is overwritten by the next read: a wanted body is copied out.
    if (this.req!.keepBody) this.chunks.push(Buffer.from(READ_BUFFER.subarray(from, to)));
  }

  /** Answers the request; the caller then keeps or ends the connection. */
  private finish(): void {
    const req = this.req!;
    this.req = undefined;
    watched.delete(this);
    const a: Answer = { status: this.status, bytes: this.bytes, endWall: wallNow() };
    if (req.keepBody) a.body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    if (this.retryAfterS !== undefined) a.retryAfterS = this.retryAfterS;
    this.chunks = [];
    req.resolve(a);
  }
}

/** The first `name:` header's value in `head` (lower case, lines ending CR LF), trimmed. */
function headerValue(head: string, name: string): string | undefined {
  const at = head.indexOf(`\r\n${name}:`);
  if (at < 0) return undefined;
  const from = at + name.length + 3;
  return head.slice(from, head.indexOf('\r\n', from)).trim();
}

/** Keep-alive connections to one origin (host:port), at most `maxSockets` at once; requests beyond wait. */
export class HttpPool {
  readonly hostHeader: string;
  private readonly free: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Request[] = [];
  private destroyed = false;
  private dispatching = false;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly maxSockets = Infinity,
  ) {
    this.hostHeader = port === 80 ? host : `${host}:${port}`;
  }

  /** A pool for `url`'s origin (http: only). */
  static forUrl(url: string | URL, maxSockets?: number): HttpPool {
    const u = typeof url === 'string' ? new URL(url) : url;
    if (u.protocol !== 'http:') throw new Error(`http-lite speaks http: only, not ${u.protocol}`);
    return new HttpPool(u.hostname, u.port ? Number(u.port) : 80, maxSockets);
  }

  /** GET `path` (with its query) from this origin; never rejects. `timeoutMs`: longest silence. */
  get(path: string, timeoutMs: number, keepBody: boolean): Promise<Answer> {
    return new Promise((resolve) => {
      if (this.destroyed) return resolve({ status: 0, bytes: 0, endWall: wallNow(), error: 'pool destroyed' });
      this.queue.push({ path, timeoutMs, keepBody, resolve });
      this.dispatch();
    });
  }

  /** Connections open now (busy or free). */
  get sockets(): number {
    return this.all.size;
  }

  destroy(): void {
    this.destroyed = true;
    for (const c of [...this.all]) c.fail('pool destroyed');
    for (const r of this.queue.splice(0)) r.resolve({ status: 0, bytes: 0, endWall: wallNow(), error: 'pool destroyed' });
  }

  /** A connection done with its answer: the next waiting request, else the free list. */
  release(c: Connection): void {
    this.free.push(c);
    this.dispatch();
  }

  /** A connection gone (error, close, time limit): a waiting request may now open another. */
  closed(c: Connection): void {
    if (!this.all.delete(c)) return;
    const k = this.free.indexOf(c);
    if (k >= 0) this.free.splice(k, 1);
    if (!this.dispatching) this.dispatch();
  }

  private dispatch(): void {
    this.dispatching = true;
    while (this.queue.length && !this.destroyed) {
      let c = this.free.pop();
      // Past its keep-alive limit since the last sweep: closed, not reused.
      if (c && c.freeUntil !== Infinity && performance.now() >= c.freeUntil) {
        c.fail('keep-alive limit');
        continue;
      }
      if (!c) {
        if (this.all.size >= this.maxSockets) break;
        c = new Connection(this, this.host, this.port);
        this.all.add(c);
      }
      c.start(this.queue.shift()!);
    }
    this.dispatching = false;
  }
}
