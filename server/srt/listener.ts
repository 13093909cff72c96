// SrtListener: the UDP edge of SRT ingest. One socket; connections keyed by the peer's address and port and
// checked against the socket id we gave them; caps in total and per address (like RTMP's) and a budget of
// handshake replies per second; the publish decision asked of the same hook the RTMP server asks, with a deadline;
// an accepted publisher registered in the relay like an RTMP one (so kick, stats and RTMP players see it). A
// malformed or unexpected datagram is dropped alone. Only callers in live mode publishing are taken.

import dgram from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import net from 'node:net';
import type { SrtIngestStats } from '../api/types.js';
import type { Logger } from '../log.js';
import { addressGroup } from '../rtmp/address-group.js';
import type { RelayHub } from '../rtmp/relay.js';
import type { PublishDecision, PublishRequest } from '../rtmp/types.js';
import {
  REJECT,
  SynCookies,
  conclusionReply,
  inductionReply,
  parseStreamId,
  peerIpField,
  readConclusion,
  rejectionReply,
  type ConclusionRequest,
} from './handshake.js';
import { connectionStats, type Conn, type SrtConnectionStats, type SrtStats } from './connection.js';
import { HandshakeBudget, RefusalLog } from './guards.js';
import { resolveSrtLimits, type SrtLimits } from './limits.js';
import { CTRL, HS_TYPE, controlPacket, parseHandshake, parsePacket, type ControlPacket, type Handshake } from './packet.js';
import { SrtPublisher, type PublisherEnd } from './publisher.js';
import { SrtReceiver } from './receiver.js';

export { DEFAULT_SRT_LIMITS, type SrtLimits } from './limits.js';
export type { SrtConnectionStats, SrtStats } from './connection.js';

export interface SrtListenerOptions {
  /** Interface to bind; default 0.0.0.0 (IPv4; an IPv6 address binds IPv6). */
  host?: string;
  /** UDP port; 0 picks a free one (see listen()'s result). */
  port: number;
  /** The publish decision: the RTMP server's hook (app, key, address), so keys and refusals are the same. */
  authorizePublish(req: PublishRequest): Promise<PublishDecision>;
  /** Where live publishers are registered: the RTMP server's relay. */
  relay: RelayHub;
  logger: Logger;
  limits?: Partial<SrtLimits>;
}

const nowUs = () => performance.now() * 1000;

export class SrtListener {
  private readonly limits: SrtLimits;
  private readonly log: Logger;
  private readonly cookies = new SynCookies(randomBytes(32));
  private readonly conns = new Map<string, Conn>();
  private readonly perAddress = new Map<string, number>();
  private readonly refusals: RefusalLog;
  private readonly handshakes: HandshakeBudget;
  /** Our socket id in induction replies (each connection gets its own in the conclusion). */
  private readonly listenerSocketId = randomInt(1, 0x7fffffff);
  private socket: dgram.Socket | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private accepted = 0;
  private rejected = 0;
  private discarded = 0;

  constructor(private readonly opts: SrtListenerOptions) {
    this.limits = resolveSrtLimits(opts.limits);
    this.log = opts.logger;
    this.refusals = new RefusalLog(this.log, this.limits.refusalLogIntervalMs, this.limits.maxConnections);
    this.handshakes = new HandshakeBudget(this.limits.maxHandshakesPerSecond);
  }

  async listen(): Promise<{ port: number }> {
    if (this.socket) throw new Error('SrtListener: already listening');
    const host = this.opts.host ?? '0.0.0.0';
    const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.address, rinfo.port));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (e) => this.log.error({ err: e.message }, 'srt socket error'));
    const port = socket.address().port;
    this.log.info({ host, port, latencyMs: this.limits.latencyMs }, 'srt listening');
    return { port };
  }

  /** Close every connection (publishers' sinks get end('disconnect')) and the socket. */
  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    for (const c of [...this.conns.values()]) this.drop(c, 'disconnect', 'server closing');
    this.socket = null;
    this.stopTicker();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  stats(): SrtStats {
    const publishers: SrtConnectionStats[] = [];
    for (const c of this.conns.values()) if (c.state === 'live') publishers.push(connectionStats(c));
    return { naccepted: this.accepted, nrejected: this.rejected, ndiscarded: this.discarded, connections: this.conns.size, publishers };
  }

  /** The link of `channel`'s SRT publisher, or undefined when it has none. */
  ingestStats(channel: string): SrtIngestStats | undefined {
    for (const c of this.conns.values()) {
      if (c.state !== 'live' || c.channel !== channel) continue;
      // The link alone: who it is and how much it sent stay in stats().
      const { id: _id, address: _address, channel: _channel, bytesIn: _bytesIn, ...link } = connectionStats(c);
      return link;
    }
    return undefined;
  }

  private onDatagram(msg: Buffer, address: string, port: number): void {
    const packet = msg.length <= this.limits.maxDatagramBytes ? parsePacket(msg) : null;
    if (!packet) {
      this.discarded++;
      return;
    }
    const key = `${address}|${port}`;
    const conn = this.conns.get(key);
    if (packet.control && packet.ctrl.type === CTRL.handshake) return this.onHandshake(packet.ctrl, address, port, key, conn);
    const dest = packet.control ? packet.ctrl.destSocket : packet.data.destSocket;
    if (!conn || conn.state !== 'live' || dest !== conn.ourSocket) {
      this.discarded++;
      return;
    }
    const now = nowUs();
    conn.heardAt = now;
    if (packet.control) {
      if (conn.receiver.onControl(packet.ctrl, now) === 'shutdown') this.drop(conn, 'unpublish', 'the publisher closed');
      return;
    }
    if (packet.data.encrypted) {
      this.discarded++;
      return;
    }
    conn.mediaAt = now;
    conn.receiver.onData(packet.data, now);
  }

  private onHandshake(c: ControlPacket, address: string, port: number, key: string, conn: Conn | undefined): void {
    const hs = parseHandshake(c.cif);
    if (!hs) {
      this.discarded++;
      return;
    }
    if (hs.type === HS_TYPE.conclusion && conn && conn.peerSocket === hs.socketId) {
      // The caller retries its conclusion until it hears from us: the same reply again, or nothing while deciding.
      if (conn.reply) this.send(conn.reply, address, port);
      return;
    }
    if (hs.type !== HS_TYPE.induction && hs.type !== HS_TYPE.conclusion) {
      this.discarded++; // rendezvous (waveahand, agreement) and anything else
      return;
    }
    if (!this.handshakes.spend()) {
      this.discarded++;
      this.refusals.warn('handshakes', { max: this.limits.maxHandshakesPerSecond }, 'srt handshakes over the budget per second are ignored');
      return;
    }
    const peerIp = peerIpField(address);
    if (hs.type === HS_TYPE.induction) {
      const reply = inductionReply(hs, this.listenerSocketId, this.cookies.make(address, port), peerIp);
      this.send(controlPacket(CTRL.handshake, 0, 0, hs.socketId, reply), address, port);
      return;
    }
    if (!this.cookies.check(address, port, hs.cookie)) {
      this.discarded++; // no induction from this address and port this minute: a spoofed or stale conclusion
      return;
    }
    // A new caller on an address and port still held (the old one went away without a shutdown): the new one wins.
    if (conn) this.drop(conn, 'disconnect', 'replaced by a new connection from the same address and port');
    this.conclusion(hs, address, port, key, peerIp);
  }

  private conclusion(hs: Handshake, address: string, port: number, key: string, peerIp: Buffer): void {
    const group = addressGroup(address);
    const reject = (code: number, reason: string, logKey = group) => {
      this.rejected++;
      const reply = controlPacket(CTRL.handshake, 0, 0, hs.socketId, rejectionReply(hs, 0, peerIp, code));
      this.send(reply, address, port);
      this.refusals.warn(logKey, { remoteAddress: address, code }, `srt connection rejected: ${reason}`);
    };
    if (this.conns.size >= this.limits.maxConnections) return reject(REJECT.unavailable, 'too many connections', '*');
    if ((this.perAddress.get(group) ?? 0) >= this.limits.maxConnectionsPerAddress)
      return reject(REJECT.unavailable, 'too many connections from this address');
    const read = readConclusion(hs, this.limits.latencyMs);
    if (!read.ok) return reject(read.code, read.reason);
    const sid = parseStreamId(read.value.streamId);
    if (!sid.ok) return reject(sid.code, sid.reason);

    const now = nowUs();
    const conn: Conn = {
      state: 'deciding',
      key,
      address,
      port,
      group,
      peerSocket: hs.socketId,
      ourSocket: randomInt(1, 0x7fffffff),
      connectionId: randomBytes(9).toString('base64url'),
      connectedAt: Date.now(),
      heardAt: now,
      mediaAt: now,
      reply: null,
      timer: null,
    };
    this.add(conn);
    this.log.debug({ connectionId: conn.connectionId, remoteAddress: address }, 'srt connection');
    const req: PublishRequest = { app: sid.app, streamKey: sid.key, query: '', remoteAddress: address, connectionId: conn.connectionId };
    let settled = false;
    const decide = (d: PublishDecision) => {
      if (settled) {
        if (d.ok) d.sink.end('disconnect'); // decided after the deadline or after the caller was replaced
        return;
      }
      settled = true;
      if (conn.timer) clearTimeout(conn.timer);
      conn.timer = null;
      this.decided(conn, hs, peerIp, read.value, d);
    };
    conn.timer = setTimeout(
      () => decide({ ok: false, code: 'unavailable', reason: 'the publish decision took too long' }),
      this.limits.hookTimeoutMs,
    );
    conn.timer.unref();
    this.opts.authorizePublish(req).then(decide, (e: unknown) => {
      this.log.error({ connectionId: conn.connectionId, err: (e as Error)?.message ?? String(e) }, 'srt publish hook failed');
      decide({ ok: false, code: 'unavailable', reason: 'the server could not check this stream key' });
    });
  }

  private decided(conn: Conn, hs: Handshake, peerIp: Buffer, asked: ConclusionRequest, d: PublishDecision): void {
    const { latencyMs, peerVersion } = asked;
    if (this.conns.get(conn.key) !== conn) {
      if (d.ok) d.sink.end('disconnect');
      return;
    }
    const log = { connectionId: conn.connectionId, remoteAddress: conn.address };
    const live = d.ok
      ? this.opts.relay.claim(d.channel, {
          connectionId: conn.connectionId,
          remoteAddress: conn.address,
          app: 'srt',
          connectedAt: conn.connectedAt,
          flashVer: `SRT ${peerVersion >> 16}.${(peerVersion >> 8) & 0xff}.${peerVersion & 0xff}`,
          bytesIn: () => (conn.state === 'live' ? conn.receiver.stats.bytesReceived : 0),
          kick: (reason) => this.drop(conn, 'kicked', reason),
          flushDeferred: () => {},
        })
      : null;
    if (!d.ok || !live) {
      if (d.ok) d.sink.end('error');
      const code = d.ok ? 'already_live' : d.code;
      const srtCode =
        code === 'already_live'
          ? REJECT.conflict
          : code === 'unavailable'
            ? REJECT.unavailable
            : code === 'bad_app'
              ? REJECT.badRequest
              : REJECT.forbidden;
      this.rejected++;
      conn.reply = controlPacket(CTRL.handshake, 0, 0, hs.socketId, rejectionReply(hs, conn.ourSocket, peerIp, srtCode));
      this.send(conn.reply, conn.address, conn.port);
      this.log.info({ ...log, code, srtCode }, 'srt publish refused');
      // Kept a little while so retried conclusions get the same answer, then forgotten.
      Object.assign(conn, { state: 'rejected' });
      conn.timer = setTimeout(() => this.remove(conn), this.limits.rejectionMemoryMs);
      conn.timer.unref();
      return;
    }
    const startUs = nowUs();
    const publisher = new SrtPublisher({ connectionId: conn.connectionId, channel: d.channel, sink: d.sink, live, log: this.log });
    const receiver = new SrtReceiver({
      peerSocket: conn.peerSocket,
      isn: hs.isn,
      latencyMs,
      bufferPackets: this.limits.bufferPackets,
      startUs,
      send: (b) => this.send(b, conn.address, conn.port),
      deliver: (p) => publisher.payload(p),
      lost: () => publisher.lost(),
    });
    Object.assign(conn, { state: 'live', channel: d.channel, latencyMs, receiver, publisher, live, peerVersion, heardAt: startUs, mediaAt: startUs });
    const reply = conclusionReply(hs, conn.ourSocket, peerIp, asked, this.limits.bufferPackets);
    conn.reply = controlPacket(CTRL.handshake, 0, 0, conn.peerSocket, reply);
    this.send(conn.reply, conn.address, conn.port);
    this.accepted++;
    this.log.info({ ...log, channel: d.channel, latencyMs }, 'srt publish started');
  }

  /** Close a connection: a shutdown to a live peer, the relay released, the sink ended. */
  private drop(conn: Conn, end: PublisherEnd, why: string): void {
    if (this.conns.get(conn.key) !== conn) return;
    this.remove(conn);
    if (conn.state !== 'live') return;
    const now = nowUs();
    this.send(conn.receiver.shutdownPacket(now), conn.address, conn.port);
    this.opts.relay.release(conn.live);
    conn.publisher.end(end);
    const s = conn.receiver.stats;
    this.log.info(
      {
        connectionId: conn.connectionId,
        channel: conn.channel,
        reason: why,
        packets: s.packetsReceived,
        lost: s.packetsLost,
        retransmitted: s.retransmitted,
        dropped: s.dropped,
        rttMs: s.rttMs,
      },
      'srt publish ended',
    );
  }

  private add(conn: Conn): void {
    this.conns.set(conn.key, conn);
    // The clock (ACKs, NAKs, drops) runs only while someone is connected: a 10 ms timer on an idle server
    // was most of its CPU.
    if (!this.ticker) {
      this.ticker = setInterval(() => this.tick(), this.limits.tickMs);
      this.ticker.unref();
    }
    this.perAddress.set(conn.group, (this.perAddress.get(conn.group) ?? 0) + 1);
  }

  private remove(conn: Conn): void {
    if (this.conns.get(conn.key) !== conn) return;
    this.conns.delete(conn.key);
    if (conn.timer) clearTimeout(conn.timer);
    conn.timer = null;
    const left = (this.perAddress.get(conn.group) ?? 1) - 1;
    if (left > 0) this.perAddress.set(conn.group, left);
    else this.perAddress.delete(conn.group);
    if (this.conns.size === 0) this.stopTicker();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private tick(): void {
    const now = nowUs();
    for (const c of this.conns.values()) {
      if (c.state !== 'live') continue;
      if (now - c.heardAt > this.limits.peerIdleTimeoutMs * 1000) {
        this.drop(c, 'disconnect', 'peer idle timeout');
        continue;
      }
      if (now - c.mediaAt > this.limits.mediaIdleTimeoutMs * 1000) {
        this.drop(c, 'disconnect', 'no media');
        continue;
      }
      c.receiver.tick(now);
    }
  }

  private send(b: Buffer, address: string, port: number): void {
    this.socket?.send(b, port, address);
  }
}
