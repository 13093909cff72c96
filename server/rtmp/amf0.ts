// AMF0 encoder and decoder (Action Message Format 0), as RTMP commands and script data use it.
// Decoding is defensive: every read is bounds-checked, nesting depth is limited, and a malformed input raises
// AmfError (never a RangeError from Buffer), so callers can turn it into a protocol error.

import { decodeAmf3Value, Amf3Reader } from './amf3.js';

export type AmfValue = number | boolean | string | null | undefined | Date | Buffer | AmfValue[] | AmfObject;

export interface AmfObject {
  [key: string]: AmfValue;
}

/** Marks a decoded object that was an ECMA array on the wire, so that it is re-encoded as one. */
export const AMF_ECMA_ARRAY: unique symbol = Symbol('amf.ecmaArray');
/** Class name of a decoded typed object (AMF0 0x10, AMF3 sealed class), kept for re-encoding. */
export const AMF_CLASS_NAME: unique symbol = Symbol('amf.className');

export class AmfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmfError';
  }
}

export const AMF0 = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  movieclip: 0x04,
  null: 0x05,
  undefined: 0x06,
  reference: 0x07,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  date: 0x0b,
  longString: 0x0c,
  unsupported: 0x0d,
  recordset: 0x0e,
  xmlDocument: 0x0f,
  typedObject: 0x10,
  switchToAmf3: 0x11,
} as const;

const MAX_DEPTH = 64;

/** Make a plain object that encodes as an AMF0 ECMA array. */
export function ecmaArray(entries: Record<string, AmfValue>): AmfObject {
  const o: AmfObject = { ...entries };
  Object.defineProperty(o, AMF_ECMA_ARRAY, { value: true, enumerable: false });
  return o;
}

export function isEcmaArray(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[AMF_ECMA_ARRAY] === true;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

export class Amf0Reader {
  pos: number;
  private readonly refs: AmfValue[] = [];
  private amf3: Amf3Reader | null = null;

  constructor(
    readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new AmfError(`AMF0: truncated (need ${n} bytes at ${this.pos})`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  utf8(len: number): string {
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  shortString(): string {
    return this.utf8(this.u16());
  }

  longString(): string {
    return this.utf8(this.u32());
  }

  /** Read one value. */
  value(depth = 0): AmfValue {
    if (depth > MAX_DEPTH) throw new AmfError('AMF0: nesting too deep');
    const marker = this.u8();
    switch (marker) {
      case AMF0.number:
        return this.f64();
      case AMF0.boolean:
        return this.u8() !== 0;
      case AMF0.string:
        return this.shortString();
      case AMF0.object: {
        const o: AmfObject = {};
        this.refs.push(o);
        this.properties(o, depth);
        return o;
      }
      case AMF0.movieclip:
        // Reserved, never sent in practice; its body is a string URL.
        return this.shortString();
      case AMF0.null:
        return null;
      case AMF0.undefined:
      case AMF0.unsupported:
        return undefined;
      case AMF0.reference: {
        const i = this.u16();
        if (i >= this.refs.length) throw new AmfError('AMF0: bad reference');
        return this.refs[i];
      }
      case AMF0.ecmaArray: {
        this.u32(); // associative count: a hint only, the list ends with the object-end marker
        const o = ecmaArray({});
        this.refs.push(o);
        this.properties(o, depth);
        return o;
      }
      case AMF0.strictArray: {
        const n = this.u32();
        if (n > this.remaining) throw new AmfError('AMF0: strict array longer than the message');
        const a: AmfValue[] = [];
        this.refs.push(a);
        for (let i = 0; i < n; i++) a.push(this.value(depth + 1));
        return a;
      }
      case AMF0.date: {
        const ms = this.f64();
        this.u16(); // time zone: reserved, should be 0
        return new Date(ms);
      }
      case AMF0.longString:
      case AMF0.xmlDocument:
        return this.longString();
      case AMF0.typedObject: {
        const className = this.shortString();
        const o: AmfObject = {};
        Object.defineProperty(o, AMF_CLASS_NAME, { value: className, enumerable: false });
        this.refs.push(o);
        this.properties(o, depth);
        return o;
      }
      case AMF0.switchToAmf3: {
        // One AMF3 value follows. AMF3 reference tables live for the whole message.
        if (!this.amf3) this.amf3 = new Amf3Reader(this.buf, this.pos);
        this.amf3.pos = this.pos;
        const v = decodeAmf3Value(this.amf3, depth + 1);
        this.pos = this.amf3.pos;
        return v;
      }
      case AMF0.objectEnd:
        throw new AmfError('AMF0: unexpected object end');
      case AMF0.recordset:
      default:
        throw new AmfError(`AMF0: unknown marker 0x${marker.toString(16)}`);
    }
  }

  private properties(o: AmfObject, depth: number): void {
    // Keys are short strings; an empty key followed by 0x09 ends the object. Bounded by the buffer length.
    for (;;) {
      const key = this.shortString();
      if (key === '') {
        if (this.remaining === 0) return; // tolerate a missing end marker at the end of the message
        if (this.buf[this.pos] === AMF0.objectEnd) {
          this.pos++;
          return;
        }
      }
      if (this.remaining === 0) throw new AmfError('AMF0: truncated object');
      const v = this.value(depth + 1);
      if (key === '__proto__') continue; // never let the wire set a prototype
      o[key] = v;
    }
  }
}

/** Decode every value in `buf` (a whole command or data message body). */
export function decodeAmf0(buf: Buffer, start = 0): AmfValue[] {
  const r = new Amf0Reader(buf, start);
  const out: AmfValue[] = [];
  while (r.remaining > 0) out.push(r.value());
  return out;
}

/** Decode one value and report where it ended. */
export function decodeAmf0Value(buf: Buffer, start = 0): { value: AmfValue; end: number } {
  const r = new Amf0Reader(buf, start);
  const value = r.value();
  return { value, end: r.pos };
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

class Writer {
  private parts: Buffer[] = [];
  u8(v: number): void {
    this.parts.push(Buffer.from([v & 0xff]));
  }
  raw(b: Buffer): void {
    this.parts.push(b);
  }
  f64(v: number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(v, 0);
    this.parts.push(b);
  }
  u16(v: number): void {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v, 0);
    this.parts.push(b);
  }
  u32(v: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0, 0);
    this.parts.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeKey(w: Writer, key: string): void {
  const b = Buffer.from(key, 'utf8');
  if (b.length > 0xffff) throw new AmfError('AMF0: key too long');
  w.u16(b.length);
  w.raw(b);
}

function writeProps(w: Writer, o: AmfObject, depth: number): void {
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined && !Object.prototype.hasOwnProperty.call(o, k)) continue;
    writeKey(w, k);
    writeValue(w, v, depth + 1);
  }
  w.u16(0);
  w.u8(AMF0.objectEnd);
}

function writeValue(w: Writer, v: AmfValue, depth: number): void {
  if (depth > MAX_DEPTH) throw new AmfError('AMF0: nesting too deep');
  if (v === null) return w.u8(AMF0.null);
  if (v === undefined) return w.u8(AMF0.undefined);
  switch (typeof v) {
    case 'number':
      w.u8(AMF0.number);
      return w.f64(v);
    case 'boolean':
      w.u8(AMF0.boolean);
      return w.u8(v ? 1 : 0);
    case 'string': {
      const b = Buffer.from(v, 'utf8');
      if (b.length > 0xffff) {
        w.u8(AMF0.longString);
        w.u32(b.length);
      } else {
        w.u8(AMF0.string);
        w.u16(b.length);
      }
      return w.raw(b);
    }
    default:
      break;
  }
  if (v instanceof Date) {
    w.u8(AMF0.date);
    w.f64(v.getTime());
    return w.u16(0);
  }
  if (Buffer.isBuffer(v)) {
    // AMF0 has no byte array; send it as a long string of latin1 bytes (only used for tolerance).
    w.u8(AMF0.longString);
    w.u32(v.length);
    return w.raw(v);
  }
  if (Array.isArray(v)) {
    w.u8(AMF0.strictArray);
    w.u32(v.length);
    for (const item of v) writeValue(w, item, depth + 1);
    return;
  }
  const o = v as AmfObject;
  if (isEcmaArray(o)) {
    w.u8(AMF0.ecmaArray);
    w.u32(Object.keys(o).length);
    return writeProps(w, o, depth);
  }
  const className = (o as Record<symbol, unknown>)[AMF_CLASS_NAME];
  if (typeof className === 'string') {
    w.u8(AMF0.typedObject);
    writeKey(w, className);
    return writeProps(w, o, depth);
  }
  w.u8(AMF0.object);
  writeProps(w, o, depth);
}

/** Encode values one after another (a command: name, transaction id, command object, arguments...). */
export function encodeAmf0(...values: AmfValue[]): Buffer {
  const w = new Writer();
  for (const v of values) writeValue(w, v, 0);
  return w.done();
}
