// The RTMP server's open connections, from accept to close: the caps on how many (in total and per address, a
// refusal logged at most once per interval and address), each connection's deadlines (handshake, connect, publish or
// play) and the idle check, and the wiring of an accepted socket (plain or TLS) to its RtmpSession. Apart from the
// server's lifecycle (server.ts: listening, closing, the relay, stats), which only hands sockets in and reads totals.

import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import type { RtmpHooks } from './types.js';
import type { RtmpLimits } from './limits.js';
import type { RelayHub } from './relay.js';
import { RtmpSession } from './session.js';
import { ReadPacer, withReusedReadBuffer } from './socket-reads.js';
import { addressGroup } from './address-group.js';

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
  /** Set while the session publishes: its reads are paced (socket-reads.ts); called when it stops. */
  leavePacer: (() => void) | null;
}

export interface RtmpConnectionsOptions {
  hooks: RtmpHooks;
  logger: Logger;
  limits: RtmpLimits;
  hub: RelayHub;
  /** Whether the server still listens: a socket accepted while it closes is refused. */
  listening: () => boolean;
}

export class RtmpConnections {
  private readonly conns = new Set<Conn>();
  /** Open connections per address group. */
  private readonly perAddress = new Map<string, number>();
  /** When a refusal was last logged, per address group ('*' for the global cap), and how many since went unlogged. */
  private readonly refusalLogged = new Map<string, { at: number; unlogged: number }>();
  private readonly hooks: RtmpHooks;
  private readonly log: Logger;
  private readonly limits: RtmpLimits;
  private readonly hub: RelayHub;
  private readonly listening: () => boolean;
  private readonly pacer: ReadPacer;
  /** Connections accepted since start, and refused by the caps. */
  accepted = 0;
  refused = 0;
  private bytesInClosed = 0;
  private bytesOutClosed = 0;

  constructor(opts: RtmpConnectionsOptions) {
    this.hooks = opts.hooks;
    this.log = opts.logger;
    this.limits = opts.limits;
    this.hub = opts.hub;
    this.listening = opts.listening;
    this.pacer = new ReadPacer(opts.limits.publisherReadTickMs, opts.limits.publisherReadTickMinPublishers);
  }

  /** Open connections now. */
  get size(): number {
    return this.conns.size;
  }

  /** Bytes in and out since start: closed connections' and open ones'. */
  totalBytes(): { bytesIn: number; bytesOut: number } {
    let bytesIn = this.bytesInClosed;
    let bytesOut = this.bytesOutClosed;
    for (const c of this.conns) {
      bytesIn += c.session.bytesIn;
      bytesOut += c.session.bytesOut;
    }
    return { bytesIn, bytesOut };
  }

  /** Close every connection (the server is stopping); each live publisher's sink gets end('disconnect'). */
  closeAll(): void {
    for (const c of [...this.conns]) {
      c.session.destroy('disconnect');
      c.socket.destroy();
    }
    this.pacer.close();
  }

  /** The idle check of every connection (the server's sampler, once a second). */
  checkAllIdle(now: number): void {
    for (const c of [...this.conns]) this.checkIdle(c, now);
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

  /**
   * A socket the server accepted (paused: see socket-reads.ts), TLS still to run when `secureContext` is given: refused
   * over a cap, else wrapped in a session with its first deadline armed.
   */
  accept(accepted: net.Socket, secureContext: tls.SecureContext | null): void {
    const remoteAddress = accepted.remoteAddress ?? 'unknown';
    accepted.on('error', () => {}); // reported through 'close'; never let a socket error escape
    if (!this.listening() || this.conns.size >= this.limits.maxConnections) {
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
    const socket = secureContext
      ? tlsSocket(accepted, secureContext, (data, length) => onData(data, length))
      : withReusedReadBuffer(accepted, (data, length) => onData(data, length), { pacer: this.pacer, paced: () => conn.leavePacer !== null });
    socket.on('error', () => {});
    const connectionId = randomBytes(9).toString('base64url');
    let closing = false;
    const session = new RtmpSession({
      connectionId,
      remoteAddress,
      hooks: this.hooks,
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
    const conn: Conn = { socket, session, group, stage: 'handshake', stageTimer: null, seenActivity: 0, activeAt: Date.now(), leavePacer: null };
    this.conns.add(conn);
    onData = (data, length) => {
      session.feed(data, length);
      if (session.isPublishing !== (conn.leavePacer !== null)) {
        if (conn.leavePacer) conn.leavePacer();
        conn.leavePacer = session.isPublishing ? this.pacer.join() : null;
      }
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
      conn.leavePacer?.();
      conn.leavePacer = null;
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
