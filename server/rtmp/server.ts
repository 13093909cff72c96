// RtmpServer: the TCP edge. Accepts sockets, wraps each in an RtmpSession, enforces connection counts (in total
// and per address) and deadlines, owns the relay hub (channel -> live publisher) and reports stats. A bad
// connection closes alone.

import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import type { RtmpHooks } from './types.js';
import { resolveLimits, type RtmpLimits } from './limits.js';
import { RelayHub, RateMeter, type StreamMediaInfo } from './relay.js';
import { RtmpSession } from './session.js';
import { withReusedReadBuffer } from './socket-reads.js';
import { addressGroup } from './address-group.js';

export { DEFAULT_RTMP_LIMITS, type RtmpLimits } from './limits.js';

export interface RtmpServerOptions {
  /** Interface to bind; default 0.0.0.0. */
  host?: string;
  /** TCP port; 0 picks a free one (see listen()'s result). Default 1935. */
  port?: number;
  hooks: RtmpHooks;
  logger: Logger;
  limits?: Partial<RtmpLimits>;
  /** RTMPS: RTMP over TLS on a port of its own, with the same sessions, hooks and caps as plain RTMP. */
  tls?: RtmpTlsOptions;
}

export interface RtmpTlsOptions {
  /** Interface to bind; default the plain listener's. */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** PEM certificate chain and private key. */
  cert: Buffer | string;
  key: Buffer | string;
}

export interface RtmpClientStats {
  /** Random connection id (also in log lines). */
  id: string;
  address: string;
  /** Milliseconds since the connection opened. */
  timeMs: number;
  connectedAt: string;
  flashver: string;
}

export interface RtmpPlayerStats extends RtmpClientStats {
  bytesOut: number;
}

export interface RtmpStreamStats {
  channel: string;
  app: string;
  publisher: RtmpClientStats & {
    bytesIn: number;
    /** Bits per second, rolling over the last few seconds. */
    bwIn: number;
  };
  /** From onMetaData and the sequence headers. */
  media: StreamMediaInfo;
  /** Messages received from the publisher. */
  messages: number;
  players: RtmpPlayerStats[];
  /** Bytes sent to this channel's players (those connected now), and their rolling bandwidth. */
  bytesOut: number;
  bwOut: number;
}

export interface RtmpStats {
  uptimeMs: number;
  /** Connections accepted since start. */
  naccepted: number;
  /** Connections refused by the connection caps (in total or per address). */
  nrefused: number;
  /** Open connections now. */
  connections: number;
  bytesIn: number;
  bytesOut: number;
  /** Bits per second, rolling over the last few seconds. */
  bwIn: number;
  bwOut: number;
  streams: RtmpStreamStats[];
}

/**
 * What a connection must do next, each with a deadline: finish the handshake, send connect, then publish or play.
 * `streaming`: it asked for a stream; from then on only the idle check applies.
 */
type Stage = 'handshake' | 'connect' | 'stream' | 'streaming';

interface Conn {
  socket: net.Socket;
  session: RtmpSession;
  /** The address (IPv6: /64) it counts against. */
  group: string;
  stage: Stage;
  stageTimer: NodeJS.Timeout | null;
  /** session.activity at the last sample, and when it last moved (the idle check). */
  seenActivity: number;
  activeAt: number;
}

export class RtmpServer {
  private readonly limits: RtmpLimits;
  private readonly hub: RelayHub;
  private readonly conns = new Set<Conn>();
  /** Open connections per address group. */
  private readonly perAddress = new Map<string, number>();
  /** When a refusal was last logged, per address group ('*' for the global cap), and how many since went unlogged. */
  private readonly refusalLogged = new Map<string, { at: number; unlogged: number }>();
  private readonly log: Logger;
  private server: net.Server | null = null;
  private tlsServer: net.Server | null = null;
  private secureContext: tls.SecureContext | null = null;
  private startedAt = 0;
  private accepted = 0;
  private refused = 0;
  private bytesInClosed = 0;
  private bytesOutClosed = 0;
  private readonly meterIn = new RateMeter();
  private readonly meterOut = new RateMeter();
  private sampler: NodeJS.Timeout | null = null;

  constructor(private readonly opts: RtmpServerOptions) {
    this.limits = resolveLimits(opts.limits);
    this.hub = new RelayHub(this.limits.maxGopCacheBytes);
    this.log = opts.logger;
  }

  /** Opens the RTMP port, and the RTMPS one when configured (`tlsPort` then says which port it bound). */
  async listen(): Promise<{ port: number; tlsPort?: number }> {
    if (this.server) throw new Error('RtmpServer: already listening');
    // A certificate that cannot be used fails here, before anything listens, in words.
    const tlsOpts = this.opts.tls;
    if (tlsOpts) {
      try {
        this.secureContext = tls.createSecureContext({ cert: tlsOpts.cert, key: tlsOpts.key });
      } catch (e) {
        throw new Error(`RTMPS: the certificate or key cannot be used: ${(e as Error).message}`, { cause: e });
      }
    }
    // Paused until onSocket has taken the socket over for reads into a reused buffer (see socket-reads.ts).
    const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.onSocket(socket, false));
    this.server = server;
    const port = await this.bind(server, this.opts.port ?? 1935, this.opts.host, 'rtmp');
    let tlsPort: number | undefined;
    if (tlsOpts) {
      // A plain TCP listener: the caps apply before any TLS work, and the TLS handshake runs inside the RTMP
      // handshake's deadline (onSocket wraps the socket).
      const secure = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.onSocket(socket, true));
      this.tlsServer = secure;
      try {
        tlsPort = await this.bind(secure, tlsOpts.port, tlsOpts.host ?? this.opts.host, 'rtmps');
      } catch (e) {
        this.tlsServer = null;
        await this.close();
        throw e;
      }
    }
    this.startedAt = Date.now();
    this.sampler = setInterval(() => this.sample(), 1000);
    this.sampler.unref();
    this.sample();
    return { port, ...(tlsPort !== undefined && { tlsPort }) };
  }

  private async bind(server: net.Server, port: number, host: string | undefined, what: 'rtmp' | 'rtmps'): Promise<number> {
    server.on('error', (e) => this.log.error({ err: e.message }, `${what} server error`));
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error) => reject(e);
      server.once('error', onErr);
      server.listen(port, host ?? '0.0.0.0', () => {
        server.off('error', onErr);
        resolve();
      });
    });
    const addr = server.address() as net.AddressInfo;
    this.log.info({ host: addr.address, port: addr.port }, `${what} listening`);
    return addr.port;
  }

  /** Stop listening and close every connection; each live publisher's sink gets end('disconnect'). */
  async close(): Promise<void> {
    const servers = [this.server, this.tlsServer].filter((x): x is net.Server => x !== null);
    if (!servers.length) return;
    this.server = null;
    this.tlsServer = null;
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const c of [...this.conns]) {
      c.session.destroy('disconnect');
      c.socket.destroy();
    }
    await closed;
  }

  /**
   * The relay of live publishers: other ingest edges (SRT) register theirs here, so kick, stats and RTMP players
   * treat them as they treat RTMP publishers.
   */
  get relay(): RelayHub {
    return this.hub;
  }

  /** Drop the live publisher of `channel`. Returns false when nobody is live there. */
  kick(channel: string, reason: string): boolean {
    const live = this.hub.get(channel);
    if (!live) return false;
    live.publisher.kick(reason);
    return true;
  }

  /**
   * Ask again for each player of `channel` whether it should go (`shouldDrop` gets the query string it played
   * with, e.g. `t=<media token>`) and disconnect those it names with NetStream.Play.Failed. A check that throws
   * drops its player: access in doubt is access withdrawn. Resolves to how many were dropped.
   */
  async dropPlayers(channel: string, shouldDrop: (query: string) => Promise<boolean> | boolean): Promise<number> {
    const live = this.hub.get(channel);
    if (!live) return 0;
    const verdicts = await Promise.all(
      [...live.subscribers].map(async (s) => {
        try {
          return { s, drop: await shouldDrop(s.query) };
        } catch (e) {
          this.log.error(
            { connectionId: s.connectionId, channel, err: (e as Error)?.message ?? String(e) },
            'rtmp player access check failed; dropping it',
          );
          return { s, drop: true };
        }
      }),
    );
    let dropped = 0;
    for (const { s, drop } of verdicts) if (drop && s.drop('access withdrawn')) dropped++;
    return dropped;
  }

  /** Channels currently live. */
  liveChannels(): string[] {
    return this.hub.list().map((c) => c.name);
  }

  /** A snapshot of the numbers; reading it changes nothing (the idle check is the sampler's). */
  stats(): RtmpStats {
    const now = Date.now();
    const { bytesIn, bytesOut } = this.totalBytes();
    const client = (id: string, address: string, connectedAt: number, flashver: string): RtmpClientStats => ({
      id,
      address,
      timeMs: now - connectedAt,
      connectedAt: new Date(connectedAt).toISOString(),
      flashver,
    });
    return {
      uptimeMs: this.startedAt ? now - this.startedAt : 0,
      naccepted: this.accepted,
      nrefused: this.refused,
      connections: this.conns.size,
      bytesIn,
      bytesOut,
      bwIn: this.meterIn.bitsPerSecond(),
      bwOut: this.meterOut.bitsPerSecond(),
      streams: this.hub.list().map((ch) => {
        const players = [...ch.subscribers].map((s) => ({
          ...client(s.connectionId, s.remoteAddress, s.connectedAt, s.flashVer),
          bytesOut: s.bytesOut(),
        }));
        return {
          channel: ch.name,
          app: ch.publisher.app,
          publisher: {
            ...client(ch.publisher.connectionId, ch.publisher.remoteAddress, ch.publisher.connectedAt, ch.publisher.flashVer),
            bytesIn: ch.publisher.bytesIn(),
            bwIn: ch.meter.bitsPerSecond(),
          },
          media: { ...ch.info },
          messages: ch.messages,
          players,
          bytesOut: players.reduce((a, p) => a + p.bytesOut, 0),
          bwOut: ch.meterOut.bitsPerSecond(),
        };
      }),
    };
  }

  /** Bytes in and out since start: closed connections' and open ones'. */
  private totalBytes(): { bytesIn: number; bytesOut: number } {
    let bytesIn = this.bytesInClosed;
    let bytesOut = this.bytesOutClosed;
    for (const c of this.conns) {
      bytesIn += c.session.bytesIn;
      bytesOut += c.session.bytesOut;
    }
    return { bytesIn, bytesOut };
  }

  /** Once a second: the rate meters, and the idle check. */
  private sample(): void {
    const now = Date.now();
    for (const c of [...this.conns]) this.checkIdle(c, now);
    const { bytesIn, bytesOut } = this.totalBytes();
    this.meterIn.sample(bytesIn, now);
    this.meterOut.sample(bytesOut, now);
    for (const ch of this.hub.list()) {
      ch.meter.sample(ch.publisher.bytesIn(), now);
      ch.meterOut.sample(ch.bytesOutTotal(), now);
    }
  }

  /**
   * Idle connections are found here, once a second, rather than with socket.setTimeout: Node re-arms a socket's
   * timer on every read, a cost paid hundreds of times a second per publisher for a check that needs seconds.
   * Only media moves session.activity: a peer that sends acknowledgements or pings and nothing else is idle.
   */
  private checkIdle(c: Conn, now: number): void {
    const { session } = c;
    if (session.activity !== c.seenActivity) {
      c.seenActivity = session.activity;
      c.activeAt = now;
      return;
    }
    if (now - c.activeAt < this.limits.idleTimeoutMs || c.socket.destroyed) return;
    this.log.info(
      { connectionId: session.connectionId, remoteAddress: c.socket.remoteAddress, channel: session.channel },
      'rtmp connection idle; closing',
    );
    session.closeReason ??= 'idle timeout';
    session.destroy('disconnect');
    c.socket.destroy();
  }

  /** Close a socket over a cap at once; one warning per address (or for the global cap) per refusalLogIntervalMs. */
  private refuse(socket: net.Socket, remoteAddress: string, key: string, message: string, fields: Record<string, number>): void {
    this.refused++;
    socket.destroy();
    const now = Date.now();
    const last = this.refusalLogged.get(key);
    if (last && now - last.at < this.limits.refusalLogIntervalMs) {
      last.unlogged++;
      return;
    }
    this.log.warn({ remoteAddress, ...fields, refusedUnlogged: last?.unlogged || undefined }, message);
    this.refusalLogged.delete(key); // re-inserted last: the map stays in order of last warning
    this.refusalLogged.set(key, { at: now, unlogged: 0 });
    // Forget entries past the interval, oldest first; keep at most maxConnections (only an address holding its
    // maximum can be refused, so far fewer are ever current).
    for (const [k, v] of this.refusalLogged) {
      if (this.refusalLogged.size <= this.limits.maxConnections && now - v.at < this.limits.refusalLogIntervalMs) break;
      this.refusalLogged.delete(k);
    }
  }

  /** Arm the deadline of the stage the connection has reached. */
  private enterStage(conn: Conn, stage: Stage): void {
    if (conn.stageTimer) clearTimeout(conn.stageTimer);
    conn.stageTimer = null;
    conn.stage = stage;
    if (stage === 'streaming') return;
    const ms =
      stage === 'handshake' ? this.limits.handshakeTimeoutMs : stage === 'connect' ? this.limits.connectTimeoutMs : this.limits.streamStartTimeoutMs;
    const reason = stage === 'handshake' ? 'handshake timeout' : stage === 'connect' ? 'no connect in time' : 'no publish or play in time';
    conn.stageTimer = setTimeout(() => {
      const { session, socket } = conn;
      this.log.debug({ connectionId: session.connectionId, remoteAddress: socket.remoteAddress }, `rtmp connection closed: ${reason}`);
      session.closeReason = reason;
      session.destroy('disconnect');
      socket.destroy();
    }, ms);
    conn.stageTimer.unref();
  }

  private onSocket(accepted: net.Socket, secure: boolean): void {
    const remoteAddress = accepted.remoteAddress ?? 'unknown';
    accepted.on('error', () => {}); // reported through 'close'; never let a socket error escape
    if (!this.server || this.conns.size >= this.limits.maxConnections) {
      const max = this.limits.maxConnections;
      return this.refuse(accepted, remoteAddress, '*', 'rtmp connection refused: too many connections', { active: this.conns.size, max });
    }
    const group = addressGroup(remoteAddress);
    const fromHere = this.perAddress.get(group) ?? 0;
    if (fromHere >= this.limits.maxConnectionsPerAddress) {
      const max = this.limits.maxConnectionsPerAddress;
      return this.refuse(accepted, remoteAddress, group, 'rtmp connection refused: too many connections from this address', {
        active: fromHere,
        max,
      });
    }
    this.perAddress.set(group, fromHere + 1);
    this.accepted++;
    // Reads start on a later tick, once everything below is wired.
    let onData: (data: Buffer, length: number) => void = () => {};
    const socket = secure
      ? tlsSocket(accepted, this.secureContext!, (data, length) => onData(data, length))
      : withReusedReadBuffer(accepted, (data, length) => onData(data, length));
    socket.on('error', () => {});
    const connectionId = randomBytes(9).toString('base64url');
    let closing = false;
    const session = new RtmpSession({
      connectionId,
      remoteAddress,
      hooks: this.opts.hooks,
      logger: this.log,
      limits: this.limits,
      hub: this.hub,
      transport: {
        send: (buf) => {
          if (!socket.destroyed && socket.writable) socket.write(buf);
        },
        close: (graceful) => {
          if (closing) return;
          closing = true;
          if (graceful && !socket.destroyed) {
            socket.end();
            // Do not wait forever for a peer that will not read.
            setTimeout(() => socket.destroy(), 2000).unref();
          } else {
            socket.destroy();
          }
        },
        backlog: () => socket.writableLength,
      },
    });
    const conn: Conn = { socket, session, group, stage: 'handshake', stageTimer: null, seenActivity: 0, activeAt: Date.now() };
    this.conns.add(conn);
    onData = (data, length) => {
      session.feed(data, length);
      if (conn.stage === 'streaming' || session.phase === 'closed') return;
      const reached: Stage = session.streamRequested
        ? 'streaming'
        : session.isConnected
          ? 'stream'
          : session.phase === 'chunks'
            ? 'connect'
            : 'handshake';
      if (reached !== conn.stage) this.enterStage(conn, reached);
    };
    this.log.debug({ connectionId, remoteAddress }, 'rtmp connection');
    this.enterStage(conn, 'handshake');

    socket.on('end', () => {
      // The peer finished sending; finish our side too.
      session.destroy('disconnect');
      socket.end();
    });
    socket.on('close', () => {
      if (conn.stageTimer) clearTimeout(conn.stageTimer);
      conn.stageTimer = null;
      session.destroy('disconnect');
      this.conns.delete(conn);
      const left = (this.perAddress.get(group) ?? 1) - 1;
      if (left > 0) this.perAddress.set(group, left);
      else this.perAddress.delete(group);
      this.bytesInClosed += session.bytesIn;
      this.bytesOutClosed += session.bytesOut;
      this.log.debug(
        {
          connectionId,
          remoteAddress,
          handshake: session.handshakeForm,
          bytesIn: session.bytesIn,
          bytesOut: session.bytesOut,
          reason: session.closeReason ?? 'disconnect',
        },
        'rtmp connection closed',
      );
    });
  }
}

/**
 * The server side of TLS over an accepted (paused) socket, its decrypted reads handed to `onRead`. A TLS failure
 * (a client speaking plain RTMP to the RTMPS port, a bad certificate on its side) closes this socket alone.
 */
function tlsSocket(accepted: net.Socket, secureContext: tls.SecureContext, onRead: (buf: Buffer, length: number) => void): net.Socket {
  const socket = new tls.TLSSocket(accepted, { isServer: true, secureContext });
  socket.on('data', (chunk: Buffer) => onRead(chunk, chunk.length));
  accepted.resume();
  return socket;
}
