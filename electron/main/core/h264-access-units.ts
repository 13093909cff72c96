// Raw H.264 as adb screenrecord writes it (Annex B: start codes, no container, no timestamps), arriving in pieces of
// any size, cut into what a WebCodecs VideoDecoder takes: access units as AVCC (length-prefixed NAL units) and, before
// the first keyframe and again whenever the parameter sets change (a new screenrecord after the 3-minute limit, the
// phone rotated), a configuration: the avcC and its codec string. The NAL splitting, the avcC and the SPS reading are
// the server's codec library (server/media/codec-records.ts, codecs.ts); this file only keeps state across pieces and
// finds where one picture ends. Pure (no I/O).
import { avcDecoderConfig, splitAnnexB, toLengthPrefixed } from '../../../server/media/codec-records.js';
import { avcInfo } from '../../../server/media/codecs.js';

export type AccessUnitOut =
  { type: 'config'; avcC: Buffer; codec: string; width: number; height: number } | { type: 'frame'; key: boolean; data: Buffer };

const NAL = { slice: 1, idr: 5, sei: 6, sps: 7, pps: 8, aud: 9 } as const;
const START = Buffer.from([0, 0, 1]);

/** A slice that begins a picture: first_mb_in_slice is 0, i.e. ue(v) reads a single 1 bit. */
const firstSliceOfPicture = (nal: Buffer) => nal.length > 1 && (nal[1]! & 0x80) !== 0;

export class AccessUnits {
  /** Bytes from the last start code on: a NAL unit that may not be complete yet. */
  private tail: Buffer = Buffer.alloc(0);
  /** The NAL units of the picture being gathered (parameter sets excluded: they go in the avcC). */
  private unit: Buffer[] = [];
  private unitHasPicture = false;
  private sps: Buffer[] = [];
  private pps: Buffer[] = [];
  /** The parameter sets of the configuration last given out ('' before the first). */
  private configured = '';

  /** Takes the next piece of the byte stream; returns what it completed. */
  push(chunk: Uint8Array): AccessUnitOut[] {
    const bytes = this.tail.length ? Buffer.concat([this.tail, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const nals = splitAnnexB(bytes);
    const out: AccessUnitOut[] = [];
    if (!nals.length) {
      // No NAL unit yet: what comes before a start code is not ours, but the last bytes may be one, whole or cut in two.
      this.tail = Buffer.from(bytes.subarray(-4));
      return out;
    }
    const last = nals[nals.length - 1]!;
    const lastEnd = last.byteOffset - bytes.byteOffset + last.length;
    if (lastEnd < bytes.length) {
      // The piece ended on a start code: the last NAL unit is complete, the next one begins in the next piece.
      this.tail = Buffer.from(bytes.subarray(lastEnd));
    } else {
      // The last NAL unit runs to the end of what came and may go on. A copy, so the piece is not held.
      nals.pop();
      this.tail = Buffer.concat([START, last]);
    }
    for (const nal of nals) this.nal(nal, out);
    return out;
  }

  /**
   * Takes what is held as complete: the stream paused (screenrecord writes a whole frame at a time, and nothing at all
   * while the screen does not change, so the newest picture would otherwise wait for the next one to be drawn).
   */
  flush(): AccessUnitOut[] {
    const out: AccessUnitOut[] = [];
    const nals = splitAnnexB(this.tail);
    this.tail = Buffer.alloc(0);
    for (const nal of nals) this.nal(nal, out);
    this.endUnit(out);
    return out;
  }

  /** A new stream begins (the next screenrecord): what is held of the old one is a cut-off picture, dropped. */
  reset(): void {
    this.tail = Buffer.alloc(0);
    this.unit = [];
    this.unitHasPicture = false;
  }

  private nal(nal: Buffer, out: AccessUnitOut[]): void {
    if (!nal.length || nal[0]! & 0x80) return; // forbidden_zero_bit set: not a NAL unit
    const type = nal[0]! & 0x1f;
    if (type === NAL.slice || type === NAL.idr) {
      if (this.unitHasPicture && firstSliceOfPicture(nal)) this.endUnit(out);
      this.unit.push(nal);
      this.unitHasPicture = true;
      return;
    }
    // Anything else after a picture's slices begins the next access unit (H.264 7.4.1.2.3).
    if (this.unitHasPicture) this.endUnit(out);
    if (type === NAL.sps) this.paramSet(this.sps, nal);
    else if (type === NAL.pps) this.paramSet(this.pps, nal);
    else if (type === NAL.sei) this.unit.push(nal);
    // AUD, end of sequence, filler and the rest carry nothing the decoder needs here.
  }

  /** A new SPS after a picture starts a new set (a new stream); repeats of the same one are ignored. */
  private paramSet(list: Buffer[], nal: Buffer): void {
    if (list.some((p) => p.equals(nal))) return;
    if (list === this.sps) {
      this.sps = [Buffer.from(nal)];
      this.pps = [];
    } else list.push(Buffer.from(nal));
  }

  private endUnit(out: AccessUnitOut[]): void {
    const nals = this.unit;
    const picture = this.unitHasPicture;
    this.unit = [];
    this.unitHasPicture = false;
    if (!picture) return;
    const key = nals.some((n) => (n[0]! & 0x1f) === NAL.idr);
    const sets = [...this.sps, ...this.pps].map((b) => b.toString('hex')).join('.');
    if (key && this.sps.length && this.pps.length && sets !== this.configured) {
      const avcC = avcDecoderConfig(this.sps, this.pps);
      const info = avcInfo(avcC);
      out.push({ type: 'config', avcC, codec: info.codec, width: info.width, height: info.height });
      this.configured = sets;
    }
    // Until the decoder has a configuration and a keyframe, a picture cannot be decoded: not sent.
    if (!this.configured) return;
    out.push({ type: 'frame', key, data: toLengthPrefixed(nals) });
  }
}
