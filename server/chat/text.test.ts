import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanMessageText, isChannelName, RateLimiter } from './text.js';

describe('cleanMessageText', () => {
  const cases: Array<[unknown, ReturnType<typeof cleanMessageText>]> = [
    ['hi', { ok: true, text: 'hi' }],
    ['  padded  ', { ok: true, text: 'padded' }],
    ['a\u0000b\u001fc\u007fd\u009fe', { ok: true, text: 'abcde' }],
    ['line1\nline2\r\n', { ok: true, text: 'line1line2' }],
    ['\u202eevil\u2066', { ok: true, text: 'evil' }],
    ['', { ok: false, code: 'empty', message: 'The message is empty.' }],
    [' \t\n\u0000 ', { ok: false, code: 'empty', message: 'The message is empty.' }],
    [42, { ok: false, code: 'bad_request', message: 'The message text must be a string.' }],
    [null, { ok: false, code: 'bad_request', message: 'The message text must be a string.' }],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)}`, () => assert.deepEqual(cleanMessageText(input), want));

  it('counts code points, after trimming', () => {
    assert.equal(cleanMessageText('x'.repeat(500)).ok, true);
    assert.equal(cleanMessageText(' ' + 'x'.repeat(500) + ' ').ok, true);
    assert.equal(cleanMessageText('😀'.repeat(500)).ok, true);
    const r = cleanMessageText('x'.repeat(501));
    assert.equal(r.ok === false && r.code, 'too_long');
    assert.equal((cleanMessageText('x'.repeat(1_000_000)) as any).code, 'too_long');
  });
});

describe('isChannelName', () => {
  for (const [v, ok] of [['alice', true], ['A_b-9', true], ['', false], ['a b', false], ['../x', false], ['x'.repeat(65), false], [5, false]] as const) {
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
