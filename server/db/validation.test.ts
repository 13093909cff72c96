import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from './errors.js';
import { validatePassword, validateTitle } from './validation.js';

const FAMILY = '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}';

/** The code a validator throws, or 'ok'. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof ValidationError) return e.code;
    throw e;
  }
}

describe('validatePassword: at least 8 characters as people see them, not all blank', () => {
  const cases: Array<[string, unknown, string]> = [
    ['8 letters', 'abcdefgh', 'ok'],
    ['7 letters', 'abcdefg', 'weak_password'],
    ['empty', '', 'weak_password'],
    ['not text', 12345678, 'weak_password'],
    ['8 spaces', ' '.repeat(8), 'weak_password'],
    ['8 tabs and newlines', '\t\n\t\n\t\n\t\n', 'weak_password'],
    ['8 no-break / ideographic spaces', '\u00a0\u3000'.repeat(4), 'weak_password'],
    ['8 zero-width spaces', '\u200b'.repeat(8), 'weak_password'],
    ['spaces around letters', '  pass word  ', 'ok'],
    ['8 accented letters', '\u00e9'.repeat(8), 'ok'],
    ['8 decomposed accented letters', 'e\u0301'.repeat(8), 'ok'],
    ['a letter and 7 combining marks (1 character)', 'a' + '\u0301'.repeat(7), 'weak_password'],
    ['2 family emoji (14 code points, 2 characters)', FAMILY.repeat(2), 'weak_password'],
    ['8 family emoji', FAMILY.repeat(8), 'ok'],
    ['256 units', 'x'.repeat(256), 'ok'],
    ['257 units', 'x'.repeat(257), 'password_too_long'],
  ];
  for (const [name, pw, want] of cases)
    it(name, () =>
      assert.equal(
        outcome(() => validatePassword(pw)),
        want,
      ),
    );
});

describe('validateTitle: 140 grapheme clusters, no controls, no bidi, not invisible', () => {
  const cases: Array<[string, unknown, string]> = [
    ['plain', 'Speedrun night', 'ok'],
    ['empty (the UI shows a fallback)', '', 'ok'],
    ['only spaces trims to empty', '   ', 'ok'],
    ['140 letters', 'x'.repeat(140), 'ok'],
    ['141 letters', 'x'.repeat(141), 'invalid_title'],
    ['140 family emoji', FAMILY.repeat(140), 'ok'],
    ['141 family emoji', FAMILY.repeat(141), 'invalid_title'],
    ['140 decomposed é', 'e\u0301'.repeat(140), 'ok'],
    ['Arabic', '\u0628\u062b \u0645\u0628\u0627\u0634\u0631', 'ok'],
    ['Hebrew with an RLM', '\u200f\u05e9\u05d9\u05d3\u05d5\u05e8 \u05d7\u05d9', 'ok'],
    ['right-to-left override', 'free \u202egpj.exe', 'invalid_title'],
    ['left-to-right isolate', 'a\u2066b\u2069', 'invalid_title'],
    ['newline', 'a\nb', 'invalid_title'],
    ['zero-width only', '\u200b\u200d', 'invalid_title'],
    ['Hangul filler only', '\u3164\u3164', 'invalid_title'],
    ['braille blank only', '\u2800', 'invalid_title'],
    ['not text', 5, 'invalid_title'],
  ];
  for (const [name, title, want] of cases)
    it(name, () =>
      assert.equal(
        outcome(() => validateTitle(title)),
        want,
      ),
    );

  it('returns the trimmed title', () => assert.equal(validateTitle(`  ${FAMILY} live  `), `${FAMILY} live`));
});
