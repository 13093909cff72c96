import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmfError, decodeAmf0, decodeAmf0Value, ecmaArray, encodeAmf0, isEcmaArray, AMF_CLASS_NAME, type AmfValue } from './amf0.js';
import { decodeAmf3, encodeAmf3 } from './amf3.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('AMF0 encodes to the exact bytes of the spec', () => {
  const cases: Array<[string, AmfValue, string]> = [
    ['number 0', 0, '00 0000000000000000'],
    ['number 1.5', 1.5, '00 3ff8000000000000'],
    ['boolean true', true, '01 01'],
    ['boolean false', false, '01 00'],
    ['string', 'ab', '02 0002 6162'],
    ['empty string', '', '02 0000'],
    ['null', null, '05'],
    ['undefined', undefined, '06'],
    ['object', { a: 1 }, '03 0001 61 00 3ff0000000000000 0000 09'],
    ['strict array', [true, null], '0a 00000002 0101 05'],
    ['ecma array', ecmaArray({ x: 'y' }), '08 00000001 0001 78 02 0001 79 0000 09'],
    ['date', new Date(0), '0b 0000000000000000 0000'],
  ];
  for (const [name, value, bytes] of cases) {
    assert.equal(encodeAmf0(value).toString('hex'), hex(bytes).toString('hex'), name);
    assert.deepEqual(decodeAmf0(hex(bytes)), [value], name);
  }
});

test('AMF0 round trips values, keeping ECMA arrays and typed objects', () => {
  const typed: Record<string, AmfValue> = { v: 2 };
  Object.defineProperty(typed, AMF_CLASS_NAME, { value: 'com.example.T', enumerable: false });
  const cases: AmfValue[] = [
    -123.25,
    Number.MAX_SAFE_INTEGER,
    'héllo ✓',
    'x'.repeat(70_000), // long string
    { app: 'live', nested: { deep: [1, 'two', { three: 3 }] }, flag: false, nothing: null },
    ecmaArray({ duration: 0, width: 320, height: 240, encoder: 'Lavf' }),
    [],
    [[[]]],
    new Date(1_700_000_000_000),
    typed,
  ];
  for (const v of cases) {
    const enc = encodeAmf0(v);
    const [dec] = decodeAmf0(enc);
    assert.deepEqual(dec, v);
    assert.equal(encodeAmf0(dec).toString('hex'), enc.toString('hex'), 're-encodes identically');
  }
  const [e] = decodeAmf0(encodeAmf0(ecmaArray({ a: 1 })));
  assert.ok(isEcmaArray(e));
  const [t] = decodeAmf0(encodeAmf0(typed));
  assert.equal((t as Record<symbol, unknown>)[AMF_CLASS_NAME], 'com.example.T');
  assert.equal(hex(encodeAmf0('x'.repeat(70_000)).subarray(0, 1).toString('hex'))[0], 0x0c);
});

test('AMF0 decodes a connect command as OBS sends it', () => {
  const body = encodeAmf0('connect', 1, { app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)', tcUrl: 'rtmp://h/live' });
  const v = decodeAmf0(body);
  assert.equal(v[0], 'connect');
  assert.equal(v[1], 1);
  assert.equal((v[2] as Record<string, unknown>).app, 'live');
  const first = decodeAmf0Value(body);
  assert.equal(first.value, 'connect');
  assert.equal(first.end, 10);
});

test('AMF0 rejects malformed input with AmfError, never a RangeError', () => {
  const bad = [
    '00 0000', // truncated number
    '02 0005 6162', // string longer than buffer
    '03 0001 61', // object missing value
    '0a ffffffff', // huge strict array
    '0c ffffffff 00', // huge long string
    '07 0005', // dangling reference
    '09', // stray object end
    '0e', // recordset unsupported
    'ff',
    '11 0a', // switch to AMF3, truncated object
  ];
  for (const b of bad) assert.throws(() => decodeAmf0(hex(b)), AmfError, b);
  // deep nesting is bounded (100 nested one-element strict arrays)
  assert.throws(() => decodeAmf0(Buffer.concat([...Array.from({ length: 100 }, () => hex('0a 00000001')), hex('05')])), /too deep/);
});

test('AMF0 tolerates an object without the end marker at the end of a message, and 0x11 switches to AMF3', () => {
  assert.deepEqual(decodeAmf0(hex('03 0001 61 05 0000')), [{ a: null }]);
  // 0x11 then AMF3 string "hi", then AMF0 number 1
  assert.deepEqual(decodeAmf0(hex('11 06 05 6869 00 3ff0000000000000')), ['hi', 1]);
});

test('AMF3 decodes the spec encodings', () => {
  const cases: Array<[string, string, AmfValue]> = [
    ['undefined', '00', undefined],
    ['null', '01', null],
    ['false', '02', false],
    ['true', '03', true],
    ['int 0', '04 00', 0],
    ['int 127', '04 7f', 127],
    ['int 128', '04 81 00', 128],
    ['int 16384', '04 81 80 00', 16384],
    ['int max 29-bit', '04 bf ff ff ff', 2 ** 28 - 1],
    ['int -1', '04 ff ff ff ff', -1],
    ['double', '05 3ff8000000000000', 1.5],
    ['string', '06 07 616263', 'abc'],
    ['string reference', '09 05 01 06 07 616263 06 00', ['abc', 'abc']],
    ['dense array', '09 05 01 04 01 04 02', [1, 2]],
    ['anonymous dynamic object', '0a 0b 01 03 61 04 01 01', { a: 1 }],
    ['sealed object', '0a 13 01 03 78 04 05', { x: 5 }],
    ['byte array', '0c 07 010203', Buffer.from([1, 2, 3])],
    ['vector int', '0d 05 00 00000001 ffffffff', [1, -1]],
  ];
  for (const [name, bytes, value] of cases) {
    const got = decodeAmf3(hex(bytes));
    assert.deepEqual(got, [value], name);
  }
});

test('AMF3 round trips through its encoder', () => {
  const cases: AmfValue[] = [
    0,
    1,
    -1,
    2 ** 28 - 1,
    -(2 ** 28),
    2 ** 28,
    1.25,
    -0.5,
    'x',
    '',
    'ünïcode',
    true,
    false,
    null,
    undefined,
    [1, 'a', [2]],
    { a: 1, b: { c: 'd' } },
    new Date(12345),
    Buffer.from('bytes'),
  ];
  for (const v of cases) assert.deepEqual(decodeAmf3(encodeAmf3(v)), [v], String(v));
});

test('AMF3 rejects malformed input with AmfError', () => {
  for (const b of ['06 07 61', '09 ff ff ff 7f', '0a 00', '06 02', '0a 07 01', '0d 05', '12', '04 ff']) {
    assert.throws(() => decodeAmf3(hex(b)), AmfError, b);
  }
});
