import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTag, checkTags, splitTagText, tagKey, TAG_LIMITS } from './tag-rules.js';

describe('tag rules (server and viewer app)', () => {
  it('a several-word tag stays one tag: lowercased, one space inside', () => {
    assert.deepEqual(checkTag('Chill Vibes'), { ok: true, tag: 'chill vibes' });
    assert.deepEqual(checkTag('  Chill \t  Vibes  '), { ok: true, tag: 'chill vibes' });
    assert.deepEqual(checkTag('#Speed-Run'), { ok: true, tag: 'speed-run' });
    assert.equal(tagKey('  ##Lo-Fi   Beats '), 'lo-fi beats');
  });

  it('typed text splits at commas and line breaks, never at spaces', () => {
    assert.deepEqual(splitTagText('Chill Vibes, music,,\n lo fi '), ['Chill Vibes', 'music', 'lo fi']);
    assert.deepEqual(splitTagText(' , '), []);
  });

  it('refuses in plain words, naming the tag', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['x', /"x" must be 2 to 25 characters/],
      ['y'.repeat(TAG_LIMITS.maxChars + 1), /2 to 25 characters/],
      ['c++', /"c\+\+" can only use letters a–z, digits, spaces and "-"/],
      ['émoji', /letters a–z/],
      ['- dash', /start and end with a letter or a digit/],
      [7, /must be text/],
    ];
    for (const [raw, message] of cases) {
      const c = checkTag(raw);
      assert.ok(!c.ok && message.test(c.message), `${JSON.stringify(raw)}: ${JSON.stringify(c)}`);
    }
    assert.deepEqual(checkTag('y'.repeat(TAG_LIMITS.maxChars)).ok, true, '25 characters, as Twitch allows');
  });

  it('a list: duplicates (after normalising) dropped, at most 5', () => {
    assert.deepEqual(checkTags(['Music', 'chill vibes', 'CHILL  VIBES', 'music']), { ok: true, tags: ['music', 'chill vibes'] });
    const six = checkTags(['a1', 'b2', 'c3', 'd4', 'e5', 'f6']);
    assert.ok(!six.ok && /at most 5 tags; you gave 6/.test(six.message));
    const notList = checkTags('music');
    assert.ok(!notList.ok && /list/.test(notList.message));
  });
});
