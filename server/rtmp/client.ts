// An RTMP publishing client: what Onair uses to push a live stream to another server (restream destinations).
// connect -> handshake -> connect / releaseStream / FCPublish / createStream / publish commands, then FLV tag bodies
// sent as audio, video and data messages untouched. The server's answers are read throughout: an `_error` or an
// error-level onStatus is the server's refusal, in its own words. Every step has a deadline.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { MediaFrame } from '../media/frame.js';
import { decodeAmf0, encodeAmf0, type AmfValue } from './amf0.js';
import { ChunkReader, DEFAULT_CHUNK_READER_LIMITS, MSG, USER_CONTROL, type RtmpMessage } from './chunk.js';
import { bodyNeedsTimestamp, chunkBody, controlMessages, messageHeader, writeChunks, type OutgoingMessage } from './chunk-writer.js';
import { HANDSHAKE_SIZE, RTMP_VERSION } from './handshake.js';

/** Where to publish: `rtmp://host[:port]/app[/more]` or `rtmps://…`, and the stream key (never logged). */
export interface PublishTarget {
  url: string;
  key: string;
}

export interface ParsedRtmpUrl {
  secure: boolean;
  host: string;
  port: number;
  /** The application path (`live`, `app`, `live2`, `app/instance`). */
  app: string;
  /** The URL as the server hears it in `connect` (tcUrl). */
  tcUrl: string;
}

/** The URL split for connecting; throws an Error with a plain message when it is not an RTMP(S) URL with an app. */
export function parseRtmpUrl(raw: string): ParsedRtmpUrl {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('The address is not a URL; it looks like rtmp://host/app.');
  }
  const secure = u.protocol === 'rtmps:';
  if (u.protocol !== 'rtmp:' && !secure) throw new Error('The address must start with rtmp:// or rtmps://.');
  if (!u.hostname) throw new Error('The address has no host.');
  if (u.username || u.password) throw new Error('Put no user or password in the address.');
  const app = u.pathname.replace(/^\/+|\/+$/g, '');
  if (!app) throw new Error('The address needs the application path, e.g. rtmp://host/live.');
  const port = u.port ? Number(u.port) : secure ? 443 : 1935;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { secure, host, port, app: app + (u.search || ''), tcUrl: `${u.protocol}//${u.host}/${app}${u.search}` };
}

/** The server refused (connect or publish): `message` is its description, or what went wrong in plain words. */
export class RtmpPublishError extends Error {
  constructor(
    message: string,
    /** True when the server answered with a refusal (a wrong key), false for a network failure or timeout. */
    readonly refused: boolean,
  ) {
    super(message);
    this.name = 'RtmpPublishError';
  }
}

export interface RtmpClientOptions {
  /** Deadline for TCP + handshake + commands up to NetStream.Publish.Start. */
  timeoutMs?: number;
  /** Chunk size we send with. */
  chunkSize?: number;
  /** How host names are resolved (a lookup that refuses private addresses). */
  lookup?: net.LookupFunction;
  /** Words for a `lookup` error with this code (an address that may not be reached). */
  refusedLookup?: { code: string; words: string };
  /** rtmps://: certificate authorities to trust besides the system's (a destination with a CA of its own). */
  ca?: string | Buffer;
  /**
   * Media waits up to this long and leaves in one write with what came meanwhile (0: each message at once). A restream
   * push does not need the last tens of milliseconds, and one write for several frames costs a fraction of one each.
   */
  coalesceMs?: number;
  /**
   * With coalescing: frames are chunked through this, shared with the other publishers of the same frames (a
   * channel's restream destinations), so each frame is cut into chunks once, not once per connection.
   */
  sharedChunks?: SharedChunks;
}

const CSID = { command: 3, audio: 4, video: 6, data: 5 } as const;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CHUNK_SIZE = 4096;

/**
 * The chunked bytes of the frame being handed to several publishers in turn (a channel's restream destinations):
 * each frame is cut into chunks once per chunk size, and every publisher writes the same Buffers after its own
 * type-0 header (its timestamp and message stream id are its own). Only the current frame's are held.
 */
export class SharedChunks {
  private payload: Buffer | null = null;
  private readonly bodies: { chunkSize: number; csid: number; timestamp: number; body: Buffer[] }[] = [];
  /** Bodies made (a miss: a new frame, chunk size, chunk stream or, past 0xFFFFFF ms, timestamp), for tests. */
  made = 0;

  body(payload: Buffer, chunkSize: number, csid: number, timestamp: number): Buffer[] {
    if (payload !== this.payload) {
      this.payload = payload;
      this.bodies.length = 0;
    }
    const ts = bodyNeedsTimestamp(timestamp) ? timestamp : -1;
    for (const b of this.bodies) if (b.chunkSize === chunkSize && b.csid === csid && b.timestamp === ts) return b.body;
    const body = chunkBody(payload, chunkSize, csid, timestamp);
    this.made++;
    if (this.bodies.length < 8) this.bodies.push({ chunkSize, csid, timestamp: ts, body });
    return body;
  }
}

export interface RtmpPublisherEvents {
  /** The connection is over: closed by the server, a network error, or an error-level onStatus after the start. */
  closed: [reason: string];
}

/** One publishing connection. Use RtmpPublisher.connect; after `closed` it is done. */
export class RtmpPublisher extends EventEmitter<RtmpPublisherEvents> {
  private streamId = 0;
  private readonly chunkSize: number;
  private done = false;
  bytesSent = 0;
  /** Coalesced media waiting for its write (coalesceMs), and its size. */
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private coalesceMs = 0;
  private shared: SharedChunks | undefined;

  private constructor(
    private readonly socket: net.Socket,
    chunkSize: number,
  ) {
    super();
    this.chunkSize = chunkSize;
  }

  /** Connects and publishes `key`; resolves once the server said NetStream.Publish.Start. Rejects with RtmpPublishError. */
  static connect(target: PublishTarget, opts: RtmpClientOptions = {}): Promise<RtmpPublisher> {
    let parsed: ParsedRtmpUrl;
    try {
      parsed = parseRtmpUrl(target.url);
    } catch (err) {
      return Promise.reject(new RtmpPublishError((err as Error).message, false));
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { lookup, ca } = opts;
    const servername = net.isIP(parsed.host) ? undefined : parsed.host;
    const socket = parsed.secure
      ? tls.connect({ host: parsed.host, port: parsed.port, servername, lookup, ...(ca && { ca: [...tls.rootCertificates, ca.toString()] }) })
      : net.connect({ host: parsed.host, port: parsed.port, lookup });
    socket.setNoDelay(true);
    const client = new RtmpPublisher(socket, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    client.coalesceMs = Math.max(0, opts.coalesceMs ?? 0);
    client.shared = opts.sharedChunks;
    return client.start(parsed, target.key, timeoutMs, opts.refusedLookup);
  }

  private start(url: ParsedRtmpUrl, key: string, timeoutMs: number, refusedLookup?: { code: string; words: string }): Promise<RtmpPublisher> {
    const socket = this.socket;
    return new Promise<RtmpPublisher>((resolve, reject) => {
      let published = false;
      let step = 'connecting';
      const fail = (message: string, refused: boolean) => {
        if (published) return this.finish(message);
        clearTimeout(timer);
        this.done = true;
        socket.destroy();
        reject(new RtmpPublishError(message, refused));
      };
      const timer = setTimeout(() => fail(`no answer from the server while ${step} (${Math.round(timeoutMs / 1000)} s)`, false), timeoutMs);
      socket.on('error', (err: NodeJS.ErrnoException) =>
        fail(refusedLookup && err.code === refusedLookup.code ? refusedLookup.words : networkWords(err), refusedLookup?.code === err.code),
      );
      socket.on('close', () => fail(published ? 'the server closed the connection' : `the server closed the connection while ${step}`, false));

      let handshake: Buffer | null = Buffer.alloc(0);
      const reader = new ChunkReader(DEFAULT_CHUNK_READER_LIMITS, {
        onMessage: (m) => onMessage(m),
        onAck: (seq) => this.write(controlMessages.ack(seq)),
      });
      const send = (streamId: number, ...values: AmfValue[]) =>
        this.write({ csid: CSID.command, typeId: MSG.commandAmf0, streamId, timestamp: 0, payload: encodeAmf0(...values) });

      socket.once(url.secure ? 'secureConnect' : 'connect', () => {
        step = 'shaking hands';
        const c1 = randomBytes(HANDSHAKE_SIZE);
        c1.writeUInt32BE(0, 0);
        c1.writeUInt32BE(0, 4);
        this.socket.write(Buffer.concat([Buffer.from([RTMP_VERSION]), c1]));
      });
      socket.on('data', (b: Buffer) => {
        if (handshake) {
          handshake = Buffer.concat([handshake, b]);
          if (handshake.length < 1 + 2 * HANDSHAKE_SIZE) return;
          const s1 = handshake.subarray(1, 1 + HANDSHAKE_SIZE);
          const rest = handshake.subarray(1 + 2 * HANDSHAKE_SIZE);
          handshake = null;
          socket.write(Buffer.from(s1)); // C2 echoes S1
          this.write(controlMessages.setChunkSize(this.chunkSize));
          step = 'connecting to the application';
          send(0, 'connect', 1, { app: url.app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Onair)', tcUrl: url.tcUrl });
          if (rest.length === 0) return;
          b = rest;
        }
        try {
          reader.push(b);
        } catch (err) {
          fail(`the server sent something unreadable (${(err as Error).message})`, false);
        }
      });

      const onMessage = (m: RtmpMessage) => {
        if (m.typeId === MSG.userControl && m.payload.length >= 6 && m.payload.readUInt16BE(0) === USER_CONTROL.pingRequest) {
          this.write(controlMessages.userControl(USER_CONTROL.pingResponse, m.payload.readUInt32BE(2)));
          return;
        }
        if (m.typeId === MSG.windowAckSize && m.payload.length >= 4) {
          reader.ackWindow = m.payload.readUInt32BE(0);
          return;
        }
        if (m.typeId !== MSG.commandAmf0) return;
        let v: AmfValue[];
        try {
          v = decodeAmf0(m.payload);
        } catch {
          return;
        }
        const [name, txn] = v;
        // A server may quote the key back in its answer: it never goes further.
        const said = (info: AmfValue) => (key.length >= 4 ? serverWords(info).split(key).join('[key]') : serverWords(info));
        if (name === '_error') return fail(said(v[3]) || 'the server refused the connection', true);
        if (name === '_result' && txn === 1) {
          step = 'creating the stream';
          send(0, 'releaseStream', 2, null, key);
          send(0, 'FCPublish', 3, null, key);
          send(0, 'createStream', 4, null);
        } else if (name === '_result' && txn === 4) {
          this.streamId = typeof v[3] === 'number' ? v[3] : 1;
          step = 'publishing';
          send(this.streamId, 'publish', 5, null, key, 'live');
        } else if (name === 'onStatus') {
          const info = v[3] ?? null;
          const fields = (typeof info === 'object' && info !== null ? info : {}) as { code?: unknown; level?: unknown };
          const code = String(fields.code ?? '');
          if (code === 'NetStream.Publish.Start' && !published) {
            published = true;
            clearTimeout(timer);
            resolve(this);
          } else if (fields.level === 'error' || /Publish\.(BadName|Denied|Failed)|Failed|Rejected/i.test(code)) {
            fail(said(info) || code || 'the server refused to publish', true);
          }
        }
      };
    });
  }

  /** Sends one frame (its FLV tag body as is) at `timestamp` ms. Returns false once the connection is gone. */
  send(frame: MediaFrame, timestamp: number): boolean {
    if (this.done) return false;
    let payload = frame.tag;
    let typeId: number = frame.track === 'video' ? MSG.video : MSG.audio;
    if (frame.track === 'data') {
      typeId = MSG.dataAmf0;
      // Publishers hand metadata over with @setDataFrame, so the server keeps it for its players.
      if (frame.kind === 'meta') payload = Buffer.concat([encodeAmf0('@setDataFrame'), frame.tag]);
    }
    const csid = frame.track === 'video' ? CSID.video : frame.track === 'audio' ? CSID.audio : CSID.data;
    const msg = { csid, typeId, streamId: this.streamId, timestamp: Math.max(0, Math.round(timestamp)), payload };
    if (this.coalesceMs === 0) {
      this.write(msg);
      return true;
    }
    // The header is this connection's; the body (the payload, chunked) may be another's Buffers: queued, not copied.
    this.enqueue(messageHeader(msg, payload.length));
    const shared = this.shared;
    for (const b of shared ? shared.body(payload, this.chunkSize, csid, msg.timestamp) : chunkBody(payload, this.chunkSize, csid, msg.timestamp))
      this.enqueue(b);
    return true;
  }

  /** Bytes written but not yet taken by the network (and media waiting for its write): what a slow server leaves waiting. */
  get backlog(): number {
    return this.socket.writableLength + this.queuedBytes;
  }

  private enqueue(b: Buffer): void {
    this.queued.push(b);
    this.queuedBytes += b.length;
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), this.coalesceMs);
      this.flushTimer.unref();
    }
  }

  /** What waits goes out now, in order, in one write (the socket corked around it). */
  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const queued = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    if (!queued.length || this.socket.destroyed) return;
    this.socket.cork();
    for (const b of queued) {
      this.bytesSent += b.length;
      this.socket.write(b);
    }
    this.socket.uncork();
  }

  get closed(): boolean {
    return this.done;
  }

  /** Unpublishes politely and closes. */
  close(): void {
    if (this.done) return;
    this.flush();
    if (this.streamId && this.backlog === 0) {
      this.write({
        csid: CSID.command,
        typeId: MSG.commandAmf0,
        streamId: this.streamId,
        timestamp: 0,
        payload: encodeAmf0('deleteStream', 0, null, this.streamId),
      });
    }
    this.done = true;
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 2000);
    t.unref();
  }

  private write(msg: OutgoingMessage): void {
    if (this.socket.destroyed) return;
    this.flush(); // anything coalesced goes first: order is kept
    const b = writeChunks(msg, this.chunkSize);
    this.bytesSent += b.length;
    this.socket.write(b);
  }

  private finish(reason: string): void {
    if (this.done) return;
    this.done = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.queued = [];
    this.queuedBytes = 0;
    this.socket.destroy();
    this.emit('closed', reason);
  }
}

/** A server's description from an info object, limited to plain printable text. */
function serverWords(info: AmfValue): string {
  if (typeof info !== 'object' || info === null || Array.isArray(info) || Buffer.isBuffer(info) || info instanceof Date) return '';
  const o = info as Record<string, AmfValue>;
  const d = typeof o.description === 'string' && o.description ? o.description : typeof o.code === 'string' ? o.code : '';
  return d.replace(/[^\x20-\x7e]/g, ' ').slice(0, 200);
}

function networkWords(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ECONNRESET':
      return 'the server reset the connection';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return "the server's TLS certificate is not trusted (self-signed or from an unknown authority)";
    case 'CERT_HAS_EXPIRED':
      return "the server's TLS certificate has expired";
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return "the server's TLS certificate is for another host name";
    default:
      return err.code ? `network error (${err.code})` : `network error (${err.message})`;
  }
}
