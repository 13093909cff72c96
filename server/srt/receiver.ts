// The receiving half of one SRT connection in live mode (draft-sharabayko-srt, sections 4.5 to 4.8): a receive
// buffer indexed by sequence number; a full ACK every 10 ms (RTT, variance, free buffer, rates) whose ACKACK
// measures the round trip; a NAK at once for each new gap and a periodic NAK of every loss still missing; delivery
// of each packet at its timestamp plus the latency (TSBPD), in order; packets that come too late to be delivered
// in order are given up on (too-late drop), as are those the sender drops (DROPREQ). No sockets and no timers:
// the listener feeds packets and calls tick(); `send` and `deliver` are its callbacks. Times are microseconds.

import { CTRL, ackPacket, controlPacket, nakPacket, parseDropRequest, seqDiff, seqNext, type ControlPacket, type DataPacket } from './packet.js';

export interface ReceiverOptions {
  /** The peer's socket id: the destination of everything we send. */
  peerSocket: number;
  /** The first sequence number the sender uses. */
  isn: number;
  latencyMs: number;
  /** Packets the buffer holds (the flow window we announced). */
  bufferPackets: number;
  /** Microseconds on our clock when the connection started (our control timestamps count from it). */
  startUs: number;
  send(packet: Buffer): void;
  /** One payload, in order, at its delivery time. */
  deliver(payload: Buffer): void;
  /** Packets given up on before `payload` is delivered (the next delivery follows a hole). */
  lost(count: number): void;
}

export interface ReceiverStats {
  packetsReceived: number;
  bytesReceived: number;
  /** Distinct packets reported missing at least once. */
  packetsLost: number;
  retransmitted: number;
  /** Given up on: never arrived in time (or the sender dropped them). */
  dropped: number;
  duplicates: number;
  rttMs: number;
  latencyMs: number;
}

const ACK_INTERVAL_US = 10_000;
const MIN_NAK_INTERVAL_US = 20_000;
const KEEPALIVE_US = 1_000_000;
/** The clock drift check: once per window, the delivery base moves by the earliest arrival's offset, bounded. */
const DRIFT_WINDOW_US = 5_000_000;
const MAX_DRIFT_STEP_US = 5_000;
/** Ranges per NAK: a NAK stays one datagram. */
const MAX_NAK_RANGES = 180;
/** ACKs remembered for their ACKACK. */
const ACK_HISTORY = 64;
const TWO32 = 2 ** 32;
/** A slot the sender dropped (DROPREQ): skipped like a loss, never asked for. */
const DROPPED = Buffer.alloc(0);

export class SrtReceiver {
  readonly stats: ReceiverStats;
  /** Next sequence number to deliver. */
  private head: number;
  /** Highest sequence number seen (head - 1 before any). */
  private last: number;
  private readonly slots: Array<Buffer | undefined>;
  private readonly times: Float64Array;
  /** Delivery time of packet t: base + t + latency. Set by the first packet; moved by the drift check. */
  private base = NaN;
  private tsLast = 0;
  private driftMin = Infinity;
  private driftWindowEnd = 0;
  private nextAckAt = 0;
  private nextNakAt = 0;
  private lastSentAt = 0;
  private ackNo = 0;
  private lastAcked: number;
  private readonly acks: Array<{ no: number; at: number }> = [];
  private rttUs = 100_000;
  private rttVarUs = 50_000;
  private readonly latencyUs: number;
  /** Packets and bytes in the current second, and the last full second's (the ACK's rate fields). */
  private rate = { since: 0, packets: 0, bytes: 0, pps: 0, bps: 0 };

  constructor(private readonly o: ReceiverOptions) {
    this.head = o.isn;
    this.lastAcked = o.isn; // nothing to acknowledge before the first packet
    this.last = seqNext(o.isn, -1);
    this.slots = new Array(o.bufferPackets);
    this.times = new Float64Array(o.bufferPackets);
    this.latencyUs = o.latencyMs * 1000;
    this.stats = {
      packetsReceived: 0,
      bytesReceived: 0,
      packetsLost: 0,
      retransmitted: 0,
      dropped: 0,
      duplicates: 0,
      rttMs: 100,
      latencyMs: o.latencyMs,
    };
  }

  onData(p: DataPacket, nowUs: number): void {
    this.stats.packetsReceived++;
    this.stats.bytesReceived += p.payload.length;
    this.rate.packets++;
    this.rate.bytes += p.payload.length;
    if (p.retransmitted) this.stats.retransmitted++;
    const offset = seqDiff(this.head, p.seq);
    if (offset < 0) return; // delivered or given up on already
    if (offset >= this.slots.length) this.jumpTo(p.seq); // the sender is a whole buffer ahead (a long outage)
    const ts = this.extend(p.timestamp);
    if (Number.isNaN(this.base)) {
      this.base = nowUs - ts;
      this.driftWindowEnd = nowUs + DRIFT_WINDOW_US;
    } else if (!p.retransmitted) {
      this.driftMin = Math.min(this.driftMin, nowUs - (this.base + ts));
    }
    const i = p.seq % this.slots.length;
    if (this.slots[i] !== undefined) {
      this.stats.duplicates++;
      return;
    }
    const ahead = seqDiff(this.last, p.seq);
    if (ahead > 1) {
      // A new gap: ask for it at once.
      const first = seqNext(this.last);
      const lastMissing = seqNext(p.seq, -1);
      this.stats.packetsLost += ahead - 1;
      this.send(nakPacket(this.stamp(nowUs), this.o.peerSocket, [[first, lastMissing]]), nowUs);
    }
    if (ahead > 0) this.last = p.seq;
    // Kept as a view: dgram gives every datagram a buffer of its own.
    this.slots[i] = p.payload;
    this.times[i] = ts;
  }

  /** A control packet from the peer. Returns 'shutdown' when the peer closed. */
  onControl(c: ControlPacket, nowUs: number): 'shutdown' | undefined {
    switch (c.type) {
      case CTRL.ackack: {
        const sent = this.acks.find((a) => a.no === c.info);
        if (sent) {
          const sample = nowUs - sent.at;
          this.rttVarUs = (3 * this.rttVarUs + Math.abs(this.rttUs - sample)) / 4;
          this.rttUs = (7 * this.rttUs + sample) / 8;
          this.stats.rttMs = Math.round(this.rttUs / 100) / 10;
        }
        return undefined;
      }
      case CTRL.dropreq: {
        const d = parseDropRequest(c.cif);
        if (d) this.senderDropped(d.first, d.last);
        return undefined;
      }
      case CTRL.shutdown:
        return 'shutdown';
      default:
        // keepalive (nothing to do but count as life, which the listener does), congestion warnings, peer errors.
        return undefined;
    }
  }

  /** Called every few milliseconds: deliveries due, ACK, NAK, keepalive, the drift check. */
  tick(nowUs: number): void {
    this.deliverDue(nowUs);
    if (nowUs >= this.nextAckAt) {
      this.nextAckAt = nowUs + ACK_INTERVAL_US;
      this.ack(nowUs);
    }
    if (nowUs >= this.nextNakAt) {
      this.nextNakAt = nowUs + Math.max(MIN_NAK_INTERVAL_US, (this.rttUs + 4 * this.rttVarUs) / 2);
      this.periodicNak(nowUs);
    }
    if (nowUs - this.lastSentAt >= KEEPALIVE_US) this.send(controlPacket(CTRL.keepalive, 0, this.stamp(nowUs), this.o.peerSocket), nowUs);
    if (nowUs >= this.driftWindowEnd && !Number.isNaN(this.base)) {
      // Arrivals keep coming earlier or later than the base predicts when the two clocks run at different rates;
      // the earliest of a window is the base's error (jitter only makes arrivals later).
      if (Number.isFinite(this.driftMin)) this.base += Math.max(-MAX_DRIFT_STEP_US, Math.min(MAX_DRIFT_STEP_US, this.driftMin));
      this.driftMin = Infinity;
      this.driftWindowEnd = nowUs + DRIFT_WINDOW_US;
    }
    if (nowUs - this.rate.since >= 1_000_000) {
      this.rate = { since: nowUs, packets: 0, bytes: 0, pps: this.rate.packets, bps: this.rate.bytes };
    }
  }

  /** A shutdown for the peer (we are closing). */
  shutdownPacket(nowUs: number): Buffer {
    return controlPacket(CTRL.shutdown, 0, this.stamp(nowUs), this.o.peerSocket, Buffer.alloc(4));
  }

  /** Packets held for delivery now. */
  get buffered(): number {
    return Math.max(0, seqDiff(this.head, this.last) + 1);
  }

  private deliverDue(nowUs: number): void {
    const n = this.slots.length;
    for (let guard = 0; guard < n; guard++) {
      if (seqDiff(this.head, this.last) < 0) return; // nothing held
      const i = this.head % n;
      const payload = this.slots[i];
      if (payload !== undefined && payload !== DROPPED) {
        if (nowUs < this.base + this.times[i] + this.latencyUs) return;
        this.slots[i] = undefined;
        this.head = seqNext(this.head);
        this.o.deliver(payload);
        continue;
      }
      if (payload === DROPPED) {
        // The sender gave up on it (DROPREQ): nothing to wait for.
        this.slots[i] = undefined;
        this.head = seqNext(this.head);
        this.stats.dropped++;
        this.o.lost(1);
        continue;
      }
      // The head is missing: give up on the holes before the next packet we hold once that packet is due.
      let s = this.head;
      let skip = 0;
      while (seqDiff(s, this.last) >= 0 && (this.slots[s % n] === undefined || this.slots[s % n] === DROPPED)) {
        skip++;
        s = seqNext(s);
      }
      if (seqDiff(s, this.last) < 0 || nowUs < this.base + this.times[s % n] + this.latencyUs) return;
      for (let k = 0; k < skip; k++) this.slots[(this.head + k) % n] = undefined;
      this.head = s;
      this.stats.dropped += skip;
      this.o.lost(skip);
    }
  }

  /** The next sequence number not yet received: what the sender may forget before. */
  private ackSeq(): number {
    const n = this.slots.length;
    let s = this.head;
    while (seqDiff(s, this.last) >= 0 && this.slots[s % n] !== undefined) s = seqNext(s);
    return s;
  }

  private ack(nowUs: number): void {
    const seq = this.ackSeq();
    if (seq === this.lastAcked) return;
    this.lastAcked = seq;
    this.ackNo = (this.ackNo + 1) & 0x7fffffff || 1;
    this.acks.push({ no: this.ackNo, at: nowUs });
    if (this.acks.length > ACK_HISTORY) this.acks.shift();
    const free = this.slots.length - this.buffered;
    const packet = ackPacket(this.ackNo, this.stamp(nowUs), this.o.peerSocket, {
      lastAck: seq,
      rttUs: Math.round(this.rttUs),
      rttVarUs: Math.round(this.rttVarUs),
      bufferPackets: free,
      packetsPerSec: this.rate.pps,
      capacity: Math.max(this.rate.pps * 2, 1000),
      bytesPerSec: this.rate.bps,
    });
    this.send(packet, nowUs);
  }

  private periodicNak(nowUs: number): void {
    const n = this.slots.length;
    const ranges: Array<[number, number]> = [];
    let s = this.head;
    let start = -1;
    while (seqDiff(s, this.last) >= 0 && ranges.length < MAX_NAK_RANGES) {
      const missing = this.slots[s % n] === undefined;
      if (missing && start === -1) start = s;
      if (!missing && start !== -1) {
        ranges.push([start, seqNext(s, -1)]);
        start = -1;
      }
      s = seqNext(s);
    }
    if (start !== -1 && ranges.length < MAX_NAK_RANGES) ranges.push([start, this.last]);
    if (ranges.length) this.send(nakPacket(this.stamp(nowUs), this.o.peerSocket, ranges), nowUs);
  }

  private senderDropped(first: number, last: number): void {
    const n = this.slots.length;
    if (seqDiff(first, last) < 0 || seqDiff(first, last) >= n) return;
    for (let s = first; ; s = seqNext(s)) {
      const off = seqDiff(this.head, s);
      if (off >= 0 && off < n && this.slots[s % n] === undefined) this.slots[s % n] = DROPPED;
      if (s === last) break;
    }
    if (seqDiff(this.last, last) > 0 && seqDiff(this.head, last) < n) this.last = last;
  }

  /**
   * Start over at `seq`: what is held is delivered, what is missing is given up on. The sender only gets this far
   * ahead after an outage longer than the buffer; waiting for the holes would stall the stream for good.
   */
  private jumpTo(seq: number): void {
    const n = this.slots.length;
    let skipped = 0;
    for (let s = this.head; seqDiff(s, this.last) >= 0; s = seqNext(s)) {
      const payload = this.slots[s % n];
      this.slots[s % n] = undefined;
      if (payload !== undefined && payload !== DROPPED) {
        if (skipped) this.o.lost(skipped);
        skipped = 0;
        this.o.deliver(payload);
      } else skipped++;
    }
    skipped += Math.max(0, seqDiff(this.last, seq) - 1);
    this.stats.dropped += skipped;
    if (skipped) this.o.lost(skipped);
    this.head = seq;
    this.last = seqNext(seq, -1);
  }

  /** The sender's 32-bit microsecond timestamps, unwrapped (about every 71 minutes). */
  private extend(ts32: number): number {
    const high = Math.floor(this.tsLast / TWO32) * TWO32;
    let t = high + ts32;
    if (t < this.tsLast - TWO32 / 2) t += TWO32;
    else if (t > this.tsLast + TWO32 / 2 && t >= TWO32) t -= TWO32;
    if (t > this.tsLast) this.tsLast = t;
    return t;
  }

  private stamp(nowUs: number): number {
    return Math.max(0, Math.floor(nowUs - this.o.startUs)) % TWO32;
  }

  private send(packet: Buffer, nowUs: number): void {
    this.lastSentAt = nowUs;
    this.o.send(packet);
  }
}
