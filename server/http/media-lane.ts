// The media lane: live media requests answered on the raw connection, before node:http parses them.
//
// A Low-Latency HLS viewer makes about 20 requests a second (a blocking playlist reload and a part, per track), and
// a thousand of them are more than one event loop answers through node:http: its per-request objects, header
// validation, corking and finish events were a quarter of the server's time at 600 viewers, the rest being the
// sends themselves. Every new connection comes here first. As long as its requests are plain GETs that the media
// fast path answers (media-fast-path.ts: public live playlists, parts and segments in memory), the lane reads them
// and writes each answer as one buffer. The first request that is anything else (another method or path, a body, an
// upgrade, a range, HTTP/1.0, a head that is not plain or not whole in what was read) hands the connection to
// node:http with the bytes not yet answered, and it stays there; the fast path has written nothing for such a request.
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { MediaFastPath, MediaResponse } from './media-fast-path.js';

const CRLF2 = Buffer.from('\r\n\r\n');
/** Headers that make a request something the lane leaves to node:http (Connection only when not keep-alive). */
const HAND_OFF_HEADERS = new Set(['content-length', 'transfer-encoding', 'upgrade', 'expect', 'range']);
const STATUS_TEXT: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 404: 'Not Found', 503: 'Service Unavailable' };

export interface MediaLane {
  /** Closes every connection the lane still holds (at shutdown: node:http does not know them). */
  closeAll(): void;
  /** Connections held by the lane now. */
  size(): number;
}

/**
 * Puts the lane in front of `server`'s connection handling. `keepAliveMs`: how long an idle connection is kept, as
 * the server's keepAliveTimeout (and announced the same way).
 */
export function installMediaLane(server: Server, fastPath: MediaFastPath, keepAliveMs: number): MediaLane {
  const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  const toHttp = (socket: Socket) => {
    for (const h of handlers) h.call(server, socket);
  };
  const held = new Set<Socket>();
  const keepAlive = `Keep-Alive: timeout=${Math.floor(keepAliveMs / 1000)}\r\n`;
  server.on('connection', (socket: Socket) => laneConnection(socket, fastPath, keepAlive, keepAliveMs, held, toHttp));
  return {
    closeAll: () => {
      for (const s of held) s.destroy();
      held.clear();
    },
    size: () => held.size,
  };
}

function laneConnection(
  socket: Socket,
  fastPath: MediaFastPath,
  keepAlive: string,
  keepAliveMs: number,
  held: Set<Socket>,
  toHttp: (socket: Socket) => void,
): void {
  held.add(socket);
  let buf: Buffer | undefined;
  /** An answer is being written: later requests wait (pipelining keeps its order). */
  let busy = false;
  let gone = false;
  const onClose = () => {
    gone = true;
    held.delete(socket);
  };
  const onError = () => socket.destroy();
  const onTimeout = () => socket.destroy();
  const handOff = () => {
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.off('error', onError);
    socket.off('timeout', onTimeout);
    socket.setTimeout(0);
    held.delete(socket);
    socket.pause();
    if (buf) socket.unshift(buf);
    buf = undefined;
    toHttp(socket);
    // node:http reads what was put back once the socket flows again.
    process.nextTick(() => socket.resume());
  };
  /** Set while `next` runs, so that an answer finished inside it continues the loop instead of recursing. */
  let looping = false;
  const next = () => {
    looping = true;
    while (!busy && buf && !gone) {
      const end = buf.indexOf(CRLF2);
      if (end < 0) {
        // A player's head comes whole in one read; one that trickles in is node:http's, whose time limits on heads
        // stop a slow sender holding the connection.
        handOff();
        break;
      }
      const req = parseHead(buf.toString('latin1', 0, end), socket);
      if (!req) {
        handOff();
        break;
      }
      const whole = buf;
      buf = buf.length > end + 4 ? buf.subarray(end + 4) : undefined;
      busy = true;
      const res = new LaneResponse(socket, keepAlive, () => {
        busy = false;
        if (!looping) next();
      });
      if (!fastPath(req, res)) {
        busy = false;
        buf = whole;
        handOff();
        break;
      }
    }
    looping = false;
  };
  const onData = (chunk: Buffer) => {
    buf = buf ? Buffer.concat([buf, chunk]) : chunk;
    next();
  };
  socket.on('data', onData);
  socket.on('close', onClose);
  socket.on('error', onError);
  socket.setTimeout(keepAliveMs);
  socket.on('timeout', onTimeout);
}

/** What the fast path reads of a request. */
interface LaneRequest {
  method: 'GET';
  url: string;
  headers: IncomingHttpHeaders;
  socket: Socket;
}

/**
 * A request head the lane may answer: `GET <origin-form> HTTP/1.1`, plain `name: value` lines, none of the
 * headers that ask for more than a GET (a body, an upgrade, a range, a connection option other than keep-alive),
 * no repeated header, a Host.
 * Anything else is undefined, and node:http gets it.
 */
export function parseHead(head: string, socket: Socket): LaneRequest | undefined {
  // Control characters other than tab (CR and LF only as line ends): node:http refuses them, so must the lane.
  if (BAD_CONTROL.test(head)) return undefined;
  const lines = head.split('\r\n');
  const m = REQUEST_LINE.exec(lines[0]);
  if (!m) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0 || line.includes('\r') || line.includes('\n')) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name) || HAND_OFF_HEADERS.has(name) || name in headers) return undefined;
    const value = line.slice(colon + 1).trim();
    // Browsers say keep-alive, which HTTP/1.1 means anyway; close or an upgrade is node:http's.
    if (name === 'connection' && value.toLowerCase() !== 'keep-alive') return undefined;
    headers[name] = value;
  }
  // HTTP/1.1 requires Host, and node:http refuses a request without it (400).
  if (headers.host === undefined) return undefined;
  return { method: 'GET', url: m[1], headers, socket };
}

const BAD_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const REQUEST_LINE = /^GET (\/[\x21-\x7e]*) HTTP\/1\.1$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** An answer of the fast path, written straight to the socket. */
class LaneResponse implements MediaResponse {
  headersSent = false;
  private head: string | undefined;
  private chunked = false;
  private done = false;
  private onClose: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly keepAlive: string,
    private readonly onDone: () => void,
  ) {}

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  writeHead(status: number, headers: Record<string, string | number>): this {
    let head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'OK'}\r\n`;
    for (const k in headers) head += `${k}: ${headers[k]}\r\n`;
    this.chunked = !('content-length' in headers);
    head += `Date: ${httpDate()}\r\nConnection: keep-alive\r\n${this.keepAlive}${this.chunked ? 'Transfer-Encoding: chunked\r\n' : ''}\r\n`;
    this.head = head;
    this.headersSent = true;
    return this;
  }

  write(chunk: Buffer | string): boolean {
    if (this.done || this.socket.destroyed) return false;
    // A whole text answer (a playlist, an error) goes out with its head in one piece, encoded once for every
    // waiter given the same answer at once (a blocking reload's thousand players).
    if (typeof chunk === 'string' && !this.chunked) {
      this.socket.write(this.head ? encodedAnswer(this.head, chunk) : chunk);
      this.head = undefined;
      return true;
    }
    const body = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.chunked) {
      if (body.length > 0) this.send(`${body.length.toString(16)}\r\n`, body, '\r\n');
    } else {
      this.send('', body, '');
    }
    return true;
  }

  end(chunk?: Buffer | string): this {
    if (this.done) return this;
    if (chunk !== undefined) this.write(chunk);
    if (this.chunked) this.send('0\r\n\r\n', undefined, '');
    else if (this.head) this.send('', undefined, '');
    this.done = true;
    if (this.onClose) this.socket.off('close', this.onClose);
    this.onClose = undefined;
    this.onDone();
    return this;
  }

  /** 'close': the connection closed before the answer ended (a part streamed while it is cut stops listening). */
  on(event: 'close', f: () => void): this {
    if (event !== 'close' || this.done) return this;
    if (this.onClose) this.socket.off('close', this.onClose);
    const prev = this.onClose;
    this.onClose = () => {
      prev?.();
      f();
    };
    this.socket.once('close', this.onClose);
    return this;
  }

  /** One write per call (a writev of the pieces): the head goes with the first body bytes, the framing with each chunk. */
  private send(before: string, body: Buffer | undefined, after: string): void {
    if (this.socket.destroyed) return;
    const text = (this.head ?? '') + before;
    this.head = undefined;
    if (!body) {
      if (text || after) this.socket.write(text + after, 'latin1');
      return;
    }
    this.socket.cork();
    if (text) this.socket.write(text, 'latin1');
    this.socket.write(body);
    if (after) this.socket.write(after, 'latin1');
    this.socket.uncork();
  }
}

/** The last text answers encoded (head and body): the video and the audio playlist of the moment, and an error. */
const encoded: Array<{ head: string; body: string; bytes: Buffer }> = [];
function encodedAnswer(head: string, body: string): Buffer {
  for (const e of encoded) if (e.body === body && e.head === head) return e.bytes;
  const bytes = Buffer.from(head + body);
  encoded.unshift({ head, body, bytes });
  if (encoded.length > 4) encoded.pop();
  return bytes;
}

/** The Date header's value, made once a second. */
let dateText = '';
let dateAt = 0;
function httpDate(): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    dateAt = now - (now % 1000);
    dateText = new Date(dateAt).toUTCString();
  }
  return dateText;
}
