// RtmpServer: the TCP edge. Listens (RTMP, and RTMPS on a port of its own), hands each accepted socket to its
// connections (connections.ts: the caps, the deadlines, one RtmpSession per socket), owns the relay hub (channel ->
// live publisher) and reports stats. A bad connection closes alone.

import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../log.js';
import { every, type Every, type StopJob } from '../periodic.js';
import type { RtmpHooks } from './types.js';
import { resolveLimits, type RtmpLimits } from './limits.js';
import { RelayHub, RateMeter, type StreamMediaInfo } from './relay.js';
import { RtmpConnections } from './connections.js';

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
  /** Runs the 1 s sampler (meters, idle connections); default the process's shared periodic jobs. */
  every?: Every;
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

export class RtmpServer {
  private readonly limits: RtmpLimits;
  private readonly hub: RelayHub;
  private readonly connections: RtmpConnections;
  private readonly log: Logger;
  private server: net.Server | null = null;
  private tlsServer: net.Server | null = null;
  private secureContext: tls.SecureContext | null = null;
  private startedAt = 0;
  private readonly meterIn = new RateMeter();
  private readonly meterOut = new RateMeter();
  private stopSampler: StopJob | null = null;

  constructor(private readonly opts: RtmpServerOptions) {
    this.limits = resolveLimits(opts.limits);
    this.hub = new RelayHub(this.limits.maxGopCacheBytes);
    this.log = opts.logger;
    this.connections = new RtmpConnections({
      hooks: opts.hooks,
      logger: this.log,
      limits: this.limits,
      hub: this.hub,
      listening: () => this.server !== null,
    });
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
    // Paused until RtmpConnections.accept has taken the socket over for reads into a reused buffer (see socket-reads.ts).
    const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.connections.accept(socket, null));
    this.server = server;
    const port = await this.bind(server, this.opts.port ?? 1935, this.opts.host, 'rtmp');
    let tlsPort: number | undefined;
    if (tlsOpts) {
      // A plain TCP listener: the caps apply before any TLS work, and the TLS handshake runs inside the RTMP
      // handshake's deadline (RtmpConnections.accept wraps the socket).
      const secure = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.connections.accept(socket, this.secureContext));
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
    this.stopSampler = (this.opts.every ?? every)(1000, () => this.sample());
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
    this.stopSampler?.();
    this.stopSampler = null;
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.connections.closeAll();
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
    const { bytesIn, bytesOut } = this.connections.totalBytes();
    const client = (id: string, address: string, connectedAt: number, flashver: string): RtmpClientStats => ({
      id,
      address,
      timeMs: now - connectedAt,
      connectedAt: new Date(connectedAt).toISOString(),
      flashver,
    });
    return {
      uptimeMs: this.startedAt ? now - this.startedAt : 0,
      naccepted: this.connections.accepted,
      nrefused: this.connections.refused,
      connections: this.connections.size,
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

  /** Once a second: the rate meters, and the idle check. */
  private sample(): void {
    const now = Date.now();
    this.connections.checkAllIdle(now);
    const { bytesIn, bytesOut } = this.connections.totalBytes();
    this.meterIn.sample(bytesIn, now);
    this.meterOut.sample(bytesOut, now);
    for (const ch of this.hub.list()) {
      ch.meter.sample(ch.publisher.bytesIn(), now);
      ch.meterOut.sample(ch.bytesOutTotal(), now);
    }
  }
}
