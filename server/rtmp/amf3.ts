// AMF3 decoder and a small encoder. RTMP clients with objectEncoding 3 send commands as message type 17
// (a 0x00 byte, then AMF0 values that may switch to AMF3 with marker 0x11) and data as type 15.

import { AmfError, AMF_CLASS_NAME, AMF_ECMA_ARRAY, type AmfObject, type AmfValue } from './amf0.js';

export const AMF3 = {
  undefined: 0x00,
  null: 0x01,
  false: 0x02,
  true: 0x03,
  integer: 0x04,
  double: 0x05,
  string: 0x06,
  xmlDoc: 0x07,
  date: 0x08,
  array: 0x09,
  object: 0x0a,
  xml: 0x0b,
  byteArray: 0x0c,
  vectorInt: 0x0d,
  vectorUint: 0x0e,
  vectorDouble: 0x0f,
  vectorObject: 0x10,
  dictionary: 0x11,
} as const;

const MAX_DEPTH = 64;
const INT29_MIN = -(2 ** 28);
const INT29_MAX = 2 ** 28 - 1;

interface Traits {
  className: string;
  dynamic: boolean;
  externalizable: boolean;
  sealed: string[];
}

export class Amf3Reader {
  readonly strings: string[] = [];
  readonly objects: AmfValue[] = [];
  readonly traits: Traits[] = [];

  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new AmfError(`AMF3: truncated (need ${n} bytes at ${this.pos})`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  /** Variable-length unsigned 29-bit integer. */
  u29(): number {
    let v = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.u8();
      v = (v << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) return v;
    }
    return ((v << 8) | this.u8()) >>> 0;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const h = this.u29();
    if ((h & 1) === 0) {
      const i = h >>> 1;
      if (i >= this.strings.length) throw new AmfError('AMF3: bad string reference');
      return this.strings[i];
    }
    const len = h >>> 1;
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    if (len > 0) this.strings.push(s);
    return s;
  }
}

function objectRef(r: Amf3Reader, h: number): AmfValue {
  const i = h >>> 1;
  if (i >= r.objects.length) throw new AmfError('AMF3: bad object reference');
  return r.objects[i];
}

export function decodeAmf3Value(r: Amf3Reader, depth = 0): AmfValue {
  if (depth > MAX_DEPTH) throw new AmfError('AMF3: nesting too deep');
  const marker = r.u8();
  switch (marker) {
    case AMF3.undefined:
      return undefined;
    case AMF3.null:
      return null;
    case AMF3.false:
      return false;
    case AMF3.true:
      return true;
    case AMF3.integer: {
      const v = r.u29();
      return v & 0x10000000 ? v - 0x20000000 : v;
    }
    case AMF3.double:
      return r.f64();
    case AMF3.string:
      return r.string();
    case AMF3.xmlDoc:
    case AMF3.xml: {
      const h = r.u29();
      if ((h & 1) === 0) return objectRef(r, h);
      const len = h >>> 1;
      r.need(len);
      const s = r.buf.toString('utf8', r.pos, r.pos + len);
      r.pos += len;
      r.objects.push(s);
      return s;
    }
    case AMF3.date: {
      const h = r.u29();
      if ((h & 1) === 0) return objectRef(r, h);
      const d = new Date(r.f64());
      r.objects.push(d);
      return d;
    }
    case AMF3.array: {
      const h = r.u29();
      if ((h & 1) === 0) return objectRef(r, h);
      const dense = h >>> 1;
      if (dense > r.remaining) throw new AmfError('AMF3: array longer than the message');
      // Associative part first (name/value pairs until the empty name), then the dense part.
      const assoc: AmfObject = {};
      let hasAssoc = false;
      const placeholder: AmfValue[] = [];
      const idx = r.objects.length;
      r.objects.push(placeholder);
      for (;;) {
        const key = r.string();
        if (key === '') break;
        const v = decodeAmf3Value(r, depth + 1);
        if (key !== '__proto__') assoc[key] = v;
        hasAssoc = true;
      }
      for (let i = 0; i < dense; i++) placeholder.push(decodeAmf3Value(r, depth + 1));
      if (!hasAssoc) return placeholder;
      // Mixed array: present as an ECMA-array-like object.
      const o: AmfObject = {};
      placeholder.forEach((v, i) => (o[String(i)] = v));
      Object.assign(o, assoc);
      Object.defineProperty(o, AMF_ECMA_ARRAY, { value: true, enumerable: false });
      r.objects[idx] = o;
      return o;
    }
    case AMF3.object: {
      const h = r.u29();
      if ((h & 1) === 0) return objectRef(r, h);
      let traits: Traits;
      if ((h & 2) === 0) {
        const ti = h >>> 2;
        if (ti >= r.traits.length) throw new AmfError('AMF3: bad traits reference');
        traits = r.traits[ti];
      } else {
        const externalizable = (h & 4) !== 0;
        const dynamic = (h & 8) !== 0;
        const count = h >>> 4;
        if (count > r.remaining) throw new AmfError('AMF3: too many sealed members');
        const className = r.string();
        const sealed: string[] = [];
        for (let i = 0; i < count; i++) sealed.push(r.string());
        traits = { className, dynamic, externalizable, sealed };
        r.traits.push(traits);
      }
      if (traits.externalizable) {
        // flex.messaging.io.ArrayCollection / ObjectProxy wrap one value; anything else we cannot read.
        if (traits.className === 'flex.messaging.io.ArrayCollection' || traits.className === 'flex.messaging.io.ObjectProxy') {
          const v = decodeAmf3Value(r, depth + 1);
          r.objects.push(v);
          return v;
        }
        throw new AmfError(`AMF3: cannot read externalizable class ${traits.className}`);
      }
      const o: AmfObject = {};
      if (traits.className) Object.defineProperty(o, AMF_CLASS_NAME, { value: traits.className, enumerable: false });
      r.objects.push(o);
      for (const k of traits.sealed) {
        const v = decodeAmf3Value(r, depth + 1);
        if (k !== '__proto__') o[k] = v;
      }
      if (traits.dynamic) {
        for (;;) {
          const k = r.string();
          if (k === '') break;
          const v = decodeAmf3Value(r, depth + 1);
          if (k !== '__proto__') o[k] = v;
        }
      }
      return o;
    }
    case AMF3.byteArray: {
      const h = r.u29();
      if ((h & 1) === 0) return objectRef(r, h);
      const len = h >>> 1;
      r.need(len);
      const b = Buffer.from(r.buf.subarray(r.pos, r.pos + len));
      r.pos += len;
      r.objects.push(b);
      return b;
    }
    case AMF3.vectorInt:
    case AMF3.vectorUint:
    case AMF3.vectorDouble:
    case AMF3.vectorObject: {
      const h = r.u29();
      if ((h & 1) === 0) return objectRef(r, h);
      const n = h >>> 1;
      r.u8(); // fixed-length flag
      const a: AmfValue[] = [];
      r.objects.push(a);
      if (marker === AMF3.vectorObject) {
        if (n > r.remaining) throw new AmfError('AMF3: vector longer than the message');
        r.string(); // element type name
        for (let i = 0; i < n; i++) a.push(decodeAmf3Value(r, depth + 1));
      } else {
        const size = marker === AMF3.vectorDouble ? 8 : 4;
        r.need(n * size);
        for (let i = 0; i < n; i++) {
          const at = r.pos + i * size;
          a.push(marker === AMF3.vectorInt ? r.buf.readInt32BE(at) : marker === AMF3.vectorUint ? r.buf.readUInt32BE(at) : r.buf.readDoubleBE(at));
        }
        r.pos += n * size;
      }
      return a;
    }
    case AMF3.dictionary: {
      const h = r.u29();
      if ((h & 1) === 0) return objectRef(r, h);
      const n = h >>> 1;
      if (n > r.remaining) throw new AmfError('AMF3: dictionary longer than the message');
      r.u8(); // weak keys flag
      const o: AmfObject = {};
      r.objects.push(o);
      for (let i = 0; i < n; i++) {
        const k = decodeAmf3Value(r, depth + 1);
        const v = decodeAmf3Value(r, depth + 1);
        const ks = String(k);
        if (ks !== '__proto__') o[ks] = v;
      }
      return o;
    }
    default:
      throw new AmfError(`AMF3: unknown marker 0x${marker.toString(16)}`);
  }
}

/** Decode every AMF3 value in `buf`. */
export function decodeAmf3(buf: Buffer, start = 0): AmfValue[] {
  const r = new Amf3Reader(buf, start);
  const out: AmfValue[] = [];
  while (r.remaining > 0) out.push(decodeAmf3Value(r));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding (no reference tables: every string and object is written inline, which any reader accepts).

function u29(v: number): Buffer {
  v = v >>> 0;
  if (v < 0x80) return Buffer.from([v]);
  if (v < 0x4000) return Buffer.from([(v >> 7) | 0x80, v & 0x7f]);
  if (v < 0x200000) return Buffer.from([(v >> 14) | 0x80, ((v >> 7) & 0x7f) | 0x80, v & 0x7f]);
  if (v < 0x20000000) return Buffer.from([(v >> 22) | 0x80, ((v >> 15) & 0x7f) | 0x80, ((v >> 8) & 0x7f) | 0x80, v & 0xff]);
  throw new AmfError('AMF3: integer out of range');
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u29((b.length << 1) | 1), b]);
}

function enc(v: AmfValue, parts: Buffer[], depth: number): void {
  if (depth > MAX_DEPTH) throw new AmfError('AMF3: nesting too deep');
  if (v === undefined) return void parts.push(Buffer.from([AMF3.undefined]));
  if (v === null) return void parts.push(Buffer.from([AMF3.null]));
  if (v === true) return void parts.push(Buffer.from([AMF3.true]));
  if (v === false) return void parts.push(Buffer.from([AMF3.false]));
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= INT29_MIN && v <= INT29_MAX && !Object.is(v, -0)) {
      parts.push(Buffer.from([AMF3.integer]), u29(v & 0x1fffffff));
    } else {
      const b = Buffer.allocUnsafe(9);
      b[0] = AMF3.double;
      b.writeDoubleBE(v, 1);
      parts.push(b);
    }
    return;
  }
  if (typeof v === 'string') return void parts.push(Buffer.from([AMF3.string]), str(v));
  if (v instanceof Date) {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(v.getTime(), 0);
    return void parts.push(Buffer.from([AMF3.date]), u29(1), b);
  }
  if (Buffer.isBuffer(v)) return void parts.push(Buffer.from([AMF3.byteArray]), u29((v.length << 1) | 1), v);
  if (Array.isArray(v)) {
    parts.push(Buffer.from([AMF3.array]), u29((v.length << 1) | 1), str(''));
    for (const item of v) enc(item, parts, depth + 1);
    return;
  }
  // Anonymous dynamic object: U29O-traits = 0b1011 (inline object, inline traits, dynamic, 0 sealed members).
  parts.push(Buffer.from([AMF3.object]), u29(0x0b), str(''));
  for (const [k, val] of Object.entries(v)) {
    if (k === '') continue;
    parts.push(str(k));
    enc(val, parts, depth + 1);
  }
  parts.push(str(''));
}

export function encodeAmf3(...values: AmfValue[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) enc(v, parts, 0);
  return Buffer.concat(parts);
}
