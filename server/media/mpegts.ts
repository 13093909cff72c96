// MPEG-TS (ISO/IEC 13818-1) into PES payloads: 188-byte packets (resynchronised on 0x47 after garbage), the PAT
// and the first program's PMT, PES reassembly per elementary stream with its PTS/DTS (33-bit, 90 kHz, as sent),
// continuity counters checked per PID. A PES that lost a packet (a counter skipped, or discontinuity() said so)
// is dropped whole, marked so the next one knows; nothing here throws on bad input.

export const TS_PACKET = 188;
/** Stream types we turn into frames; others in the PMT are ignored. */
export const STREAM_TYPE = { h264: 0x1b, hevc: 0x24, aacAdts: 0x0f } as const;
/** A PES larger than this (a runaway unbounded video PES) is dropped. */
const MAX_PES_BYTES = 8 * 1024 * 1024;

export interface Pes {
  pid: number;
  streamType: number;
  /** 90 kHz, 33 bits as sent; dts equals pts when the PES has no DTS. */
  pts: number;
  dts: number;
  data: Buffer;
  /** Data was lost on this PID since the last PES delivered. */
  afterLoss: boolean;
}

interface EsState {
  streamType: number;
  cc: number;
  chunks: Buffer[];
  bytes: number;
  /** The PES being gathered lost a packet: dropped when complete. */
  broken: boolean;
  lossSinceLast: boolean;
  started: boolean;
}

export class TsDemuxer {
  private pmtPid = -1;
  private readonly streams = new Map<number, EsState>();
  private rest: Buffer | null = null;
  /** Packets that were not TS (bad sync) or whose PID nobody announced. */
  skippedBytes = 0;

  constructor(private readonly onPes: (p: Pes) => void) {}

  push(buf: Buffer): void {
    let b = buf;
    if (this.rest) {
      b = Buffer.concat([this.rest, buf]);
      this.rest = null;
    }
    let p = 0;
    while (p + TS_PACKET <= b.length) {
      if (b[p] !== 0x47) {
        // Out of step: find the next sync byte.
        const next = b.indexOf(0x47, p + 1);
        this.skippedBytes += (next === -1 ? b.length : next) - p;
        if (next === -1) return;
        p = next;
        continue;
      }
      this.packet(b, p);
      p += TS_PACKET;
    }
    if (p < b.length) this.rest = Buffer.from(b.subarray(p));
  }

  /** Packets were lost upstream (an SRT too-late drop): every PES being gathered is broken. */
  discontinuity(): void {
    this.rest = null;
    for (const s of this.streams.values()) {
      s.broken = s.started;
      s.lossSinceLast = true;
    }
  }

  /** Flush what is gathered (the end of a file or stream). */
  end(): void {
    for (const [pid, s] of this.streams) this.finish(pid, s);
  }

  private packet(b: Buffer, p: number): void {
    const pusi = (b[p + 1] & 0x40) !== 0;
    const pid = ((b[p + 1] & 0x1f) << 8) | b[p + 2];
    const afc = (b[p + 3] >> 4) & 3;
    const cc = b[p + 3] & 0x0f;
    let start = p + 4;
    if (afc & 2) start += 1 + b[p + 4];
    const end = p + TS_PACKET;
    if (!(afc & 1) || start >= end) return; // no payload
    if (pid === 0) return this.pat(b.subarray(start, end), pusi);
    if (pid === this.pmtPid) return this.pmt(b.subarray(start, end), pusi);
    const s = this.streams.get(pid);
    if (!s) {
      this.skippedBytes += TS_PACKET;
      return;
    }
    const discontinuityFlag = afc & 2 && b[p + 4] > 0 && (b[p + 5] & 0x80) !== 0;
    if (s.cc !== -1 && !discontinuityFlag) {
      if (cc === s.cc) return; // a duplicate packet
      if (cc !== ((s.cc + 1) & 0x0f)) {
        s.broken = s.started;
        s.lossSinceLast = true;
      }
    }
    s.cc = cc;
    if (pusi) {
      this.finish(pid, s);
      s.started = true;
      s.broken = false;
    } else if (!s.started) {
      return; // the middle of a PES whose start we never saw
    }
    if (s.broken) return;
    const piece = b.subarray(start, end);
    s.bytes += piece.length;
    if (s.bytes > MAX_PES_BYTES) {
      s.broken = true;
      s.lossSinceLast = true;
      s.chunks = [];
      s.bytes = 0;
      return;
    }
    s.chunks.push(piece);
    // A bounded PES (audio) is complete as soon as its length is in; video (length 0) waits for the next start.
    if (s.chunks.length >= 1 && s.bytes >= 6) {
      const first = s.chunks[0];
      const declared = first.length >= 6 ? first.readUInt16BE(4) : 0;
      if (declared > 0 && s.bytes >= declared + 6) {
        this.finish(pid, s);
        s.started = false;
      }
    }
  }

  private finish(pid: number, s: EsState): void {
    const chunks = s.chunks;
    s.chunks = [];
    s.bytes = 0;
    if (!chunks.length || s.broken) return;
    const pes = chunks.length === 1 ? Buffer.from(chunks[0]) : Buffer.concat(chunks);
    const parsed = parsePesHeader(pes);
    if (!parsed) {
      s.lossSinceLast = true;
      return;
    }
    const afterLoss = s.lossSinceLast;
    s.lossSinceLast = false;
    this.onPes({ pid, streamType: s.streamType, pts: parsed.pts, dts: parsed.dts, data: parsed.data, afterLoss });
  }

  private pat(payload: Buffer, pusi: boolean): void {
    const section = psiSection(payload, pusi, 0x00);
    if (!section) return;
    for (let i = 8; i + 4 <= section.length - 4; i += 4) {
      const program = section.readUInt16BE(i);
      if (program === 0) continue; // the network PID
      this.pmtPid = section.readUInt16BE(i + 2) & 0x1fff;
      return;
    }
  }

  private pmt(payload: Buffer, pusi: boolean): void {
    const section = psiSection(payload, pusi, 0x02);
    if (!section || section.length < 12) return;
    const programInfoLength = section.readUInt16BE(10) & 0x0fff;
    let i = 12 + programInfoLength;
    const seen = new Set<number>();
    while (i + 5 <= section.length - 4) {
      const streamType = section[i];
      const pid = section.readUInt16BE(i + 1) & 0x1fff;
      const esInfoLength = section.readUInt16BE(i + 3) & 0x0fff;
      i += 5 + esInfoLength;
      if (streamType !== STREAM_TYPE.h264 && streamType !== STREAM_TYPE.hevc && streamType !== STREAM_TYPE.aacAdts) continue;
      seen.add(pid);
      const known = this.streams.get(pid);
      if (known?.streamType === streamType) continue;
      this.streams.set(pid, { streamType, cc: -1, chunks: [], bytes: 0, broken: false, lossSinceLast: false, started: false });
    }
    // The PMT is repeated; a stream it no longer lists is gone.
    for (const pid of [...this.streams.keys()]) if (!seen.has(pid)) this.streams.delete(pid);
  }
}

/** A PSI section that starts in this packet (PAT and PMT fit in one packet as encoders write them). */
function psiSection(payload: Buffer, pusi: boolean, tableId: number): Buffer | null {
  if (!pusi || payload.length < 1) return null;
  const start = 1 + payload[0];
  if (start + 3 > payload.length || payload[start] !== tableId) return null;
  const length = payload.readUInt16BE(start + 1) & 0x0fff;
  const end = start + 3 + length;
  if (end > payload.length || length < 9) return null;
  return payload.subarray(start, end);
}

/** 33-bit timestamp from the 5 bytes of a PTS or DTS field. */
function timestamp(b: Buffer, p: number): number {
  return (b[p] & 0x0e) * 536870912 + b[p + 1] * 4194304 + (b[p + 2] >> 1) * 32768 + b[p + 3] * 128 + (b[p + 4] >> 1);
}

function parsePesHeader(pes: Buffer): { pts: number; dts: number; data: Buffer } | null {
  if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return null;
  const flags = pes[7] >> 6;
  const headerLength = pes[8];
  if (9 + headerLength > pes.length || !(flags & 2) || headerLength < 5) return null;
  const pts = timestamp(pes, 9);
  const dts = flags === 3 && headerLength >= 10 ? timestamp(pes, 14) : pts;
  const declared = pes.readUInt16BE(4);
  const end = declared > 0 ? Math.min(pes.length, declared + 6) : pes.length;
  return { pts, dts, data: pes.subarray(9 + headerLength, end) };
}
