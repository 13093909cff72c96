// Bit-level reading of codec bitstreams: an MSB-first reader with Exp-Golomb codes, and the removal of H.264/H.265
// emulation-prevention bytes. Shared by the video parameter-set parsers (codecs.ts), the AudioSpecificConfig parser
// (aac-config.ts) and the record builders (codec-records.ts); none of it knows a codec.

/** MSB-first bit reader over an RBSP (emulation-prevention bytes already removed). */
export class BitReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get bitsLeft(): number {
    return this.buf.length * 8 - this.pos;
  }

  bit(): number {
    if (this.pos >= this.buf.length * 8) throw new RangeError('bitstream overrun');
    const b = (this.buf[this.pos >> 3] >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }

  skip(n: number): void {
    if (this.pos + n > this.buf.length * 8) throw new RangeError('bitstream overrun');
    this.pos += n;
  }

  /** Unsigned Exp-Golomb. */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros > 31) throw new RangeError('bad exp-golomb code');
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.bits(zeros);
  }

  /** Signed Exp-Golomb. */
  se(): number {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -(k / 2);
  }

  /** AV1 leb128 is byte-aligned; uvlc etc. are not needed here. */
}

/** Remove H.264/H.265 emulation-prevention bytes (00 00 03 -> 00 00). */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  let zeros = 0;
  let needs = false;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) {
      needs = true;
      break;
    }
    zeros = b === 0 ? zeros + 1 : 0;
  }
  if (!needs) return nal;
  const out = new Uint8Array(nal.length);
  let n = 0;
  zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}
