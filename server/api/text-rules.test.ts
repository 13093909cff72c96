import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanDisplayName } from '../access/access.js';
import { graphemeLength, hasBidiControl, isInvisibleOnly } from './text-rules.js';

const FAMILY = '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}'; // 👨‍👩‍👧‍👦: 7 code points, 11 UTF-16 units
const FLAG_ENGLAND = '\u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}'; // 🏴󠁧󠁢󠁥󠁮󠁧󠁿: tag sequence

describe('graphemeLength counts what people see', () => {
  const cases: Array<[string, string, number]> = [
    ['empty', '', 0],
    ['ASCII', 'hello', 5],
    ['family emoji (ZWJ sequence)', FAMILY, 1],
    ['140 family emoji', FAMILY.repeat(140), 140],
    ['flag of England (tag sequence)', FLAG_ENGLAND, 1],
    ['regional-indicator flags', '\u{1f1eb}\u{1f1f7}\u{1f1e9}\u{1f1ea}', 2],
    ['skin tone modifier', '\u{1f44d}\u{1f3fd}', 1],
    ['e + combining acute', 'e\u0301', 1],
    ['precomposed é', '\u00e9', 1],
    ['Hangul jamo syllable', '\u1100\u1161\u11a8', 1],
    ['Devanagari', '\u0928\u092e\u0938\u094d\u0924\u0947', 3],
    ['Arabic', '\u0645\u0631\u062d\u0628\u0627', 5],
    ['CRLF is one', 'a\r\nb', 3],
    ['astral plane letters', '\u{1d400}\u{1d401}', 2],
  ];
  for (const [name, text, n] of cases) it(name, () => assert.equal(graphemeLength(text), n));

  it('stops counting past stopAfter', () => {
    assert.equal(graphemeLength('x'.repeat(10_000), 140), 141);
    assert.equal(graphemeLength('x'.repeat(140), 140), 140);
  });
});

describe('hasBidiControl', () => {
  const cases: Array<[string, boolean]> = [
    ['plain', false],
    ['\u05e9\u05dc\u05d5\u05dd Hebrew', false],
    ['\u0645\u0631\u062d\u0628\u0627 Arabic', false],
    ['marks \u200e\u200f\u061c are fine', false],
    [`emoji ${FAMILY}`, false],
    ...['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'].map((c): [string, boolean] => [`a${c}b`, true]),
  ];
  for (const [text, want] of cases) it(JSON.stringify(text), () => assert.equal(hasBidiControl(text), want));
});

describe('isInvisibleOnly', () => {
  const invisible: Array<[string, string]> = [
    ['empty', ''],
    ['spaces and tabs', ' \t '],
    ['no-break and ideographic spaces', '\u00a0\u3000\u2003'],
    ['zero-width space / non-joiner / joiner', '\u200b\u200c\u200d'],
    ['word joiner', '\u2060'],
    ['BOM', '\ufeff'],
    ['Mongolian vowel separator', '\u180e'],
    ['Hangul fillers', '\u115f\u1160\u3164\uffa0'],
    ['braille blank', '\u2800\u2800'],
    ['combining marks alone', '\u0301\u0308'],
    ['variation selectors', '\ufe0f\ufe0e\u{e0100}'],
    ['tags block', '\u{e0001}\u{e0041}\u{e007f}'],
    ['LRM / RLM', '\u200e\u200f'],
    ['soft hyphen', '\u00ad'],
    ['a mix', ' \u200b\u3164\u2800\u0301\ufe0f\u{e0020} '],
  ];
  for (const [name, text] of invisible) it(`${name}: invisible`, () => assert.equal(isInvisibleOnly(text), true));

  const visible: Array<[string, string]> = [
    ['a letter', 'a'],
    ['a letter among invisibles', '\u200b a \u200b'],
    ['family emoji', FAMILY],
    ['keycap (digit + VS16 + combining keycap)', '1\ufe0f\u20e3'],
    ['flag of England', FLAG_ENGLAND],
    ['letter with combining marks', 'e\u0301\u0308'],
    ['Arabic', '\u0645\u0631\u062d\u0628\u0627'],
    ['Hebrew with RLM', '\u200f\u05e9\u05dc\u05d5\u05dd'],
    ['Hangul syllable', '\ud55c'],
    ['braille letter', '\u2801'],
    ['punctuation', '.'],
  ];
  for (const [name, text] of visible) it(`${name}: visible`, () => assert.equal(isInvisibleOnly(text), false));
});

describe('cleanDisplayName', () => {
  const cases: Array<[unknown, string | null]> = [
    ['Sam', 'Sam'],
    ['  Sam   Lee  ', 'Sam Lee'],
    [FAMILY.repeat(32), FAMILY.repeat(32)],
    [FAMILY.repeat(33), null],
    ['x'.repeat(32), 'x'.repeat(32)],
    ['x'.repeat(33), null],
    ['\u0645\u0631\u062d\u0628\u0627', '\u0645\u0631\u062d\u0628\u0627'],
    ['Jos\u0065\u0301', 'Jos\u0065\u0301'],
    ['', null],
    ['\u200b\u200b', null],
    ['\u3164', null],
    ['\u2800', null],
    ['\u0301', null],
    ['ad\u202emin', null],
    ['a\u2066b', null],
    ['a\nb', 'a b'],
    ['a\u0000b', null],
    [42, null],
  ];
  for (const [input, want] of cases) it(JSON.stringify(input), () => assert.equal(cleanDisplayName(input), want));
});
