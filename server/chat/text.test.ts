import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanMessageText, isChannelName, RateLimiter } from './text.js';

const FAMILY = '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}';
const BIDI =
  'Messages cannot contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069): they change the order text is shown in.';
const EMPTY = { ok: false, code: 'empty', message: 'The message is empty.' } as const;

describe('cleanMessageText', () => {
  const cases: Array<[unknown, ReturnType<typeof cleanMessageText>]> = [
    ['hi', { ok: true, text: 'hi' }],
    ['  padded  ', { ok: true, text: 'padded' }],
    ['a\u0000b\u001fc\u007fd\u009fe', { ok: true, text: 'abcde' }],
    ['line1\nline2\r\n', { ok: true, text: 'line1line2' }],
    ['\u202eevil\u2066', { ok: false, code: 'bad_request', message: BIDI }],
    ['ok \u202a', { ok: false, code: 'bad_request', message: BIDI }],
    ['\u2069', { ok: false, code: 'bad_request', message: BIDI }],
    ['\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627', { ok: true, text: '\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627' }],
    ['caf\u0065\u0301 \u200f', { ok: true, text: 'caf\u0065\u0301 \u200f' }],
    [`gg ${FAMILY}`, { ok: true, text: `gg ${FAMILY}` }],
    ['', EMPTY],
    [' \t\n\u0000 ', EMPTY],
    ['\u200b\u200c\u200d\u2060\ufeff', EMPTY],
    ['\u180e', EMPTY],
    ['\u115f\u1160\u3164\uffa0', EMPTY],
    ['\u2800\u2800\u2800', EMPTY],
    ['\u0301\u0302', EMPTY],
    ['\ufe0f\u{e0100}', EMPTY],
    ['\u{e0001}\u{e0068}\u{e0069}\u{e007f}', EMPTY],
    [42, { ok: false, code: 'bad_request', message: 'The message text must be a string.' }],
    [null, { ok: false, code: 'bad_request', message: 'The message text must be a string.' }],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)}`, () => assert.deepEqual(cleanMessageText(input), want));

  it('counts grapheme clusters, after trimming', () => {
    assert.equal(cleanMessageText('x'.repeat(500)).ok, true);
    assert.equal(cleanMessageText(' ' + 'x'.repeat(500) + ' ').ok, true);
    assert.equal(cleanMessageText('😀'.repeat(500)).ok, true);
    assert.equal(cleanMessageText(FAMILY.repeat(500)).ok, true);
    assert.equal(cleanMessageText('e\u0301'.repeat(500)).ok, true);
    for (const over of ['x'.repeat(501), FAMILY.repeat(501), 'e\u0301'.repeat(501), 'x'.repeat(1_000_000)]) {
      const r = cleanMessageText(over);
      assert.equal(r.ok === false && r.code, 'too_long');
    }
  });
});

describe('isChannelName', () => {
  for (const [v, ok] of [
    ['alice', true],
    ['A_b-9', true],
    ['', false],
    ['a b', false],
    ['../x', false],
    ['x'.repeat(65), false],
    [5, false],
  ] as const) {
    it(`${JSON.stringify(v)} -> ${ok}`, () => assert.equal(isChannelName(v), ok));
  }
});

describe('RateLimiter', () => {
  it('allows a burst, then refills continuously, per key, and sweeps full buckets', () => {
    let t = 0;
    const rl = new RateLimiter(5, 5000, () => t);
    for (let i = 0; i < 5; i++) assert.equal(rl.take('a'), 0);
    assert.equal(rl.take('a'), 1000);
    assert.equal(rl.take('b'), 0, 'other key');
    t = 500;
    assert.equal(rl.take('a'), 500);
    t = 1000;
    assert.equal(rl.take('a'), 0);
    assert.equal(rl.take('a'), 1000);
    t = 100_000;
    rl.sweep();
    assert.equal(rl.size, 0);
  });
});
