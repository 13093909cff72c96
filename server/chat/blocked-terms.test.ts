// The blocked-term matcher and the chat-mode input checks: pure, table-driven.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHAT_SETTINGS_OFF } from '../api/chat.js';
import { checkTerm, compileBlockedTerms, skeleton } from './blocked-terms.js';
import { applySettingsPatch, describeModes } from './chat-modes.js';

describe('blocked terms', () => {
  const match = compileBlockedTerms(['badword', 'spoil*', 'go away', 'héllo'])!;

  const blocked: Array<[string, string]> = [
    ['plain', 'that is a badword'],
    ['upper case', 'BADWORD!'],
    ['digits for letters', 'b4dw0rd'],
    ['symbols for letters', 'b@dword'],
    ['symbols for letters, then punctuation', 'b@dw!rd$ was not it, badw0rd!'],
    ['Cyrillic look-alikes', 'bаdwоrd'], // а and о are Cyrillic
    ['Greek look-alikes', 'bαdwοrd'],
    ['full-width letters', 'ｂａｄｗｏｒｄ'],
    ['diacritics', 'bádwörd'],
    ['repeated letters', 'baaaadwoooord'],
    ['separated letters', 'b.a.d.w.o.r.d'],
    ['spaced letters', 'b a d w o r d now'],
    ['wildcard', 'no spoilers please'],
    ['wildcard with look-alikes', 'SP0ILER'],
    ['phrase', 'please go   away'],
    ['term with diacritics matches without', 'hello there'],
    ['combining marks', 'bad\u0301word'],
  ];
  for (const [name, text] of blocked) it(`blocks ${name}: ${JSON.stringify(text)}`, () => assert.equal(match(text), true));

  const allowed: Array<[string, string]> = [
    ['other words', 'a good word'],
    ['a term inside a longer word without *', 'badwords'],
    ['the phrase split by other words', 'go far away'],
    ['prefix of the wildcard stem', 'spoon'],
  ];
  for (const [name, text] of allowed) it(`allows ${name}: ${JSON.stringify(text)}`, () => assert.equal(match(text), false));

  it('builds skeletons the same way for terms and text', () => {
    assert.equal(skeleton('Ｈéllo, W0RLD!!'), 'heio worid');
    assert.equal(skeleton('hi @bob, $5 is sh!t'), 'hi bob s is shit');
    assert.equal(compileBlockedTerms([]), null);
  });

  it('refuses terms that cannot be matched or would match everything', () => {
    assert.equal(checkTerm('  ok  ').ok && (checkTerm('  ok  ') as { term: string }).term, 'ok');
    for (const bad of ['', '   ', '*', '** *', '...', 'x'.repeat(101), 42]) assert.equal(checkTerm(bad).ok, false, String(bad));
  });

  it('treats regular expression characters in terms as text', () => {
    const m = compileBlockedTerms(['a+b(c'])!;
    assert.equal(m('a+b(c'), true);
    assert.equal(m('aab'), false);
  });
});

describe('chat mode changes', () => {
  const off = { ...CHAT_SETTINGS_OFF };

  it('applies the fields given and keeps the others', () => {
    const r = applySettingsPatch({ ...off, signedInOnly: true }, { slowModeSeconds: 10, blockedTerms: ['a*b', 'a*b', ' x '] });
    assert.deepEqual(r, { ok: true, settings: { ...off, signedInOnly: true, slowModeSeconds: 10, blockedTerms: ['a*b', 'x'] } });
    const cleared = applySettingsPatch({ ...off, slowModeSeconds: 10 }, { slowModeSeconds: null, followersOnlyMinutes: 0 });
    assert.deepEqual(cleared, { ok: true, settings: { ...off, followersOnlyMinutes: 0 } });
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['slow mode too short', { slowModeSeconds: 2 }, /slowModeSeconds .* 3 to 120/],
    ['slow mode too long', { slowModeSeconds: 121 }, /3 to 120/],
    ['slow mode fractional', { slowModeSeconds: 5.5 }, /whole number/],
    ['followers-only negative', { followersOnlyMinutes: -1 }, /followersOnlyMinutes/],
    ['first-message delay zero', { firstMessageDelayMinutes: 0 }, /firstMessageDelayMinutes .* 1 to/],
    ['signedInOnly not boolean', { signedInOnly: 'yes' }, /true or false/],
    ['blockedTerms not an array', { blockedTerms: 'bad' }, /array of strings/],
    ['too many terms', { blockedTerms: Array.from({ length: 201 }, (_, i) => `t${i}`) }, /At most 200/],
    ['unknown field', { slowmode: 5 }, /Unknown field slowmode/],
  ];
  for (const [name, patch, re] of bad) {
    it(`refuses ${name}`, () => {
      const r = applySettingsPatch(off, patch);
      assert.equal(r.ok, false);
      assert.match((r as { message: string }).message, re);
    });
  }

  it('describes the modes in words', () => {
    assert.equal(describeModes({ ...off, blockedTermsCount: 0 }), 'all modes off');
    assert.equal(
      describeModes({ slowModeSeconds: 10, followersOnlyMinutes: 60, signedInOnly: true, firstMessageDelayMinutes: 1440, blockedTermsCount: 2 }),
      'slow mode 10 s, followers only (1 h), signed-in only, new accounts wait 1 d, 2 blocked terms',
    );
  });
});
