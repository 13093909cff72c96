// The RTMP tests' parts: hooks that record what is published, an RTMP server on an ephemeral port, ffmpeg publisher
// arguments, an in-process client for RtmpSession and a raw client over a real socket.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { silentLogger } from '../log.js';
import { mediaSlabs } from '../media/media-slabs.js';
import { decodeAmf0, encodeAmf0, type AmfValue } from '../rtmp/amf0.js';
import { ChunkReader, DEFAULT_CHUNK_READER_LIMITS, type RtmpMessage } from '../rtmp/chunk.js';
import { writeChunks } from '../rtmp/chunk-writer.js';
import { resolveLimits, type RtmpLimits } from '../rtmp/limits.js';
import { RelayHub } from '../rtmp/relay.js';
import { RtmpServer } from '../rtmp/server.js';
import { RtmpSession } from '../rtmp/session.js';
import type { MediaFrame, MediaSink, PublishDecision, PublishRequest, RtmpHooks } from '../rtmp/types.js';
import { sleep, waitFor } from './process.js';

export class RecordingSink implements MediaSink {
  messages: MediaFrame[] = [];
  /** When each frame arrived (performance.now()). */
  arrivals: number[] = [];
  ends: string[] = [];
  write(frame: MediaFrame): void {
    mediaSlabs.pin(frame.tag); // kept for the test to read (see MediaSink.write)
    this.messages.push(frame);
    this.arrivals.push(performance.now());
  }
  end(reason: 'unpublish' | 'disconnect' | 'kicked' | 'error'): void {
    this.ends.push(reason);
  }
  count(track?: MediaFrame['track']): number {
    return track ? this.messages.filter((m) => m.track === track).length : this.messages.length;
  }
}

export interface TestHooks extends RtmpHooks {
  requests: PublishRequest[];
  sinks: Map<string, RecordingSink[]>;
  /** Channels the hook considers live (it refuses a second publisher with already_live). */
  live: Set<string>;
}

/** Hooks that accept `keys[key]` as that channel, refuse others with bad_name, and refuse a live channel. */
export function keyHooks(keys: Record<string, string>): TestHooks {
  const hooks: TestHooks = {
    requests: [],
    sinks: new Map(),
    live: new Set(),
    async authorizePublish(req): Promise<PublishDecision> {
      hooks.requests.push(req);
      const channel = keys[req.streamKey];
      if (!channel) return { ok: false, code: 'bad_name', reason: 'Stream key not recognised.' };
      if (hooks.live.has(channel)) return { ok: false, code: 'already_live', reason: 'Someone is already streaming to this channel.' };
      hooks.live.add(channel);
      const sink = new RecordingSink();
      const origEnd = sink.end.bind(sink);
      sink.end = (reason) => {
        hooks.live.delete(channel);
        origEnd(reason);
      };
      const list = hooks.sinks.get(channel) ?? [];
      list.push(sink);
      hooks.sinks.set(channel, list);
      return { ok: true, channel, sink };
    },
  };
  return hooks;
}

export async function startServer(hooks: RtmpHooks, limits?: Partial<RtmpLimits>): Promise<{ server: RtmpServer; port: number }> {
  const server = new RtmpServer({ host: '127.0.0.1', port: 0, hooks, logger: silentLogger(), limits });
  const { port } = await server.listen();
  return { server, port };
}

export function publishArgs(url: string, seconds: number): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-nostdin',
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=30',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    '30',
    '-c:a',
    'aac',
    '-t',
    String(seconds),
    '-f',
    'flv',
    url,
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// In-process client for RtmpSession tests: builds client bytes and parses what the session sends back.

export function clientHandshake(): Buffer {
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(0, 0);
  c1.writeUInt32BE(0, 4);
  return Buffer.concat([Buffer.from([3]), c1, Buffer.alloc(1536)]);
}

export function command(streamId: number, ...values: AmfValue[]): Buffer {
  return writeChunks({ csid: 3, typeId: 20, streamId, timestamp: 0, payload: encodeAmf0(...values) }, 128);
}

export function media(typeId: number, timestamp: number, payload: Buffer, csid = typeId === 8 ? 4 : 6): Buffer {
  return writeChunks({ csid, typeId, streamId: 1, timestamp, payload }, 128);
}

export class InProcessClient {
  readonly sent: Buffer[] = [];
  readonly received: RtmpMessage[] = [];
  closed: 'graceful' | 'hard' | null = null;
  private skip = 1 + 1536 * 2;
  private readonly reader = new ChunkReader({ ...DEFAULT_CHUNK_READER_LIMITS, maxChunkStreams: 1000 }, { onMessage: (m) => this.received.push(m) });
  readonly session: RtmpSession;

  constructor(hooks: RtmpHooks, hub = new RelayHub(32 * 1024 * 1024), limits?: Partial<RtmpLimits>) {
    this.session = new RtmpSession({
      connectionId: 'test-' + randomBytes(3).toString('hex'),
      remoteAddress: '127.0.0.1',
      hooks,
      logger: silentLogger(),
      limits: resolveLimits(limits),
      hub,
      transport: {
        send: (b) => this.onServerBytes(b),
        close: (graceful) => (this.closed ??= graceful ? 'graceful' : 'hard'),
        backlog: () => 0,
      },
    });
  }

  private onServerBytes(b: Buffer): void {
    this.sent.push(b);
    if (this.skip > 0) {
      const n = Math.min(this.skip, b.length);
      this.skip -= n;
      b = b.subarray(n);
    }
    if (b.length) this.reader.push(b);
  }

  get readerChunkSize(): number {
    return this.reader.chunkSize;
  }

  feed(b: Buffer): this {
    this.session.feed(b);
    return this;
  }

  /** Decoded commands (type 20) and data (18) sent by the session, in order. */
  commands(): AmfValue[][] {
    return this.received.filter((m) => m.typeId === 20 || m.typeId === 18).map((m) => decodeAmf0(m.payload));
  }

  statusCodes(): string[] {
    return this.commands()
      .filter((c) => c[0] === 'onStatus')
      .map((c) => String((c[3] as Record<string, unknown>).code));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A raw RTMP client over a real socket: handshake, commands and control messages by hand, and every message and
// onStatus the server sends back. Used where ffmpeg cannot go (a chosen source address, only control messages,
// reading the exact onStatus code and description).

export class RawRtmpClient {
  readonly received: RtmpMessage[] = [];
  readonly closed: Promise<void>;
  private skip = 1 + 1536 * 2;
  private readonly reader = new ChunkReader({ ...DEFAULT_CHUNK_READER_LIMITS, maxChunkStreams: 1000 }, { onMessage: (m) => this.received.push(m) });

  private constructor(readonly socket: net.Socket) {
    socket.on('error', () => {});
    socket.on('data', (b: Buffer) => {
      if (this.skip > 0) {
        const n = Math.min(this.skip, b.length);
        this.skip -= n;
        b = b.subarray(n);
      }
      if (b.length) this.reader.push(b);
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  /** Opens a TCP connection (from `localAddress` when given); rejects when it cannot. */
  static open(port: number, opts: { host?: string; localAddress?: string } = {}): Promise<RawRtmpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: opts.host ?? '127.0.0.1', localAddress: opts.localAddress });
      socket.once('connect', () => resolve(new RawRtmpClient(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  send(b: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  /** Sends C0+C1+C2 and resolves once S0+S1+S2 are in (false when the server closed first). */
  async handshake(timeoutMs = 5000): Promise<boolean> {
    this.send(clientHandshake());
    await waitFor('the handshake', () => this.skip === 0 || this.isClosed, timeoutMs, 10).catch(() => {});
    return this.skip === 0;
  }

  connect(app = 'live'): void {
    this.send(command(0, 'connect', 1, { app, tcUrl: `rtmp://127.0.0.1/${app}`, flashVer: 'LNX 9,0,124,2', objectEncoding: 0 }));
  }

  /** createStream (stream 1), then publish or play `name` on it. */
  request(kind: 'publish' | 'play', name: string): void {
    this.send(command(0, 'createStream', 2, null));
    this.send(command(1, kind, 0, null, name, ...(kind === 'publish' ? ['live'] : [])));
  }

  /** The info objects of every onStatus received, in order. */
  statuses(): Array<{ code: string; description: string; level: string }> {
    return this.received
      .filter((m) => m.typeId === 20)
      .map((m) => decodeAmf0(m.payload))
      .filter((v) => v[0] === 'onStatus')
      .map((v) => v[3] as { code: string; description: string; level: string });
  }

  /** Resolves with the first onStatus whose code matches, or undefined once `timeoutMs` passed. */
  async status(code: RegExp, timeoutMs = 10_000): Promise<{ code: string; description: string; level: string } | undefined> {
    await waitFor(`onStatus ${code}`, () => this.statuses().some((s) => code.test(s.code)) || this.isClosed, timeoutMs, 20).catch(() => {});
    await sleep(50); // a status and the close may come together: let the status be read
    return this.statuses().find((s) => code.test(s.code));
  }

  close(): void {
    this.socket.destroy();
  }
}
