// Blocked terms: a channel's list compiled once into one matcher, checked against every message. Both the terms
// and the message are reduced to the same "skeleton" first, so look-alike spellings match what they imitate:
//   1. NFKC (full-width and stylised letters become plain ones), lower case, diacritics stripped (é -> e);
//   2. look-alikes mapped to one letter: Cyrillic and Greek letters that look Latin, and the usual substitutions
//      0 -> o, 1 / l -> i, 3 -> e, 4 -> a, 5 -> s, 7 -> t, 8 -> b; the symbols @ -> a, $ -> s, ! / | -> i only
//      inside a word (a mention "@bob" or a final "!" stays punctuation);
//   3. anything that is not a letter or digit is a separator; runs of single characters split by separators are
//      joined ("b.a.d" and "b a d" read "bad");
//   4. repeated letters collapse ("baaad" reads "bad").
// A term matches whole words; `*` stands for any letters within a word ("bad*" matches "badly"). A term of several
// words matches them in a row.
import { CHAT_SETTINGS_LIMITS } from '../api/chat.js';

// prettier-ignore
const CONFUSABLES: Record<string, string> = {
  // digits
  '0': 'o', '1': 'i', l: 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b',
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', з: '3', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't',
  у: 'y', х: 'x', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'i',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', ϲ: 'c', μ: 'u',
  // Latin look-alikes NFKC leaves alone
  ı: 'i', ł: 'i', ø: 'o', đ: 'd', ß: 'ss', æ: 'ae', œ: 'oe',
};
// З maps to 3 then 3 to e: resolve chains once.
for (const [k, v] of Object.entries(CONFUSABLES)) if (CONFUSABLES[v] && v.length === 1) CONFUSABLES[k] = CONFUSABLES[v];

/** Symbols that stand for a letter when they sit between letters or digits. */
const SYMBOLS: Record<string, string> = { '@': 'a', $: 's', '!': 'i', '|': 'i' };

const MARKS = /\p{M}+/gu;
const WORD_CHAR = /[\p{L}\p{N}*]/u;

/** The words of a text's skeleton (see the top of this file). `keepStar` keeps `*` (terms) as a letter. */
export function skeletonWords(text: string, keepStar = false): string[] {
  const base = text.normalize('NFKC').toLowerCase().normalize('NFD').replace(MARKS, '');
  let mapped = '';
  const chars = [...base];
  const isWord = (c: string | undefined) => c !== undefined && (CONFUSABLES[c] !== undefined || WORD_CHAR.test(c));
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const m = CONFUSABLES[ch] ?? (SYMBOLS[ch] !== undefined && isWord(chars[i - 1]) && isWord(chars[i + 1]) ? SYMBOLS[ch] : undefined);
    if (m !== undefined) mapped += m;
    else if (ch === '*' ? keepStar : WORD_CHAR.test(ch)) mapped += ch;
    else mapped += ' ';
  }
  const tokens = mapped.split(' ').filter(Boolean);
  // Join runs of single characters ("b a d" -> "bad").
  const words: string[] = [];
  let run = '';
  for (const t of tokens) {
    if ([...t].length === 1) {
      run += t;
      continue;
    }
    if (run) words.push(run);
    run = '';
    words.push(t);
  }
  if (run) words.push(run);
  return words.map(collapseRepeats);
}

const collapseRepeats = (w: string) => w.replace(/(.)\1+/gu, '$1');

/** A text reduced to its skeleton: words joined by single spaces. */
export const skeleton = (text: string) => skeletonWords(text).join(' ');

export type TermCheck = { ok: true; term: string } | { ok: false; message: string };

/** One term as the owner typed it, checked: the trimmed term or why it cannot be used. */
export function checkTerm(raw: unknown): TermCheck {
  const max = CHAT_SETTINGS_LIMITS.blockedTermMaxChars;
  if (typeof raw !== 'string') return { ok: false, message: 'Each blocked term must be a string.' };
  const term = raw.trim();
  if (term.length === 0 || term.length > max) return { ok: false, message: `Each blocked term must be 1 to ${max} characters.` };
  const words = skeletonWords(term, true);
  if (words.length === 0) return { ok: false, message: `"${term}" has no letters or digits to match.` };
  if (words.some((w) => w.replace(/\*/g, '').length === 0))
    return { ok: false, message: `"${term}" would match every word: give letters besides *.` };
  return { ok: true, term };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles a channel's terms (already checked) into one matcher; null when there are none. */
export function compileBlockedTerms(terms: readonly string[]): ((text: string) => boolean) | null {
  const alternatives = [
    ...new Set(
      terms.map((t) =>
        skeletonWords(t, true)
          .map((w) => w.split('*').map(escape).join('[^ ]*'))
          .join(' '),
      ),
    ),
  ].filter(Boolean);
  if (alternatives.length === 0) return null;
  const re = new RegExp(`(?:^| )(?:${alternatives.join('|')})(?= |$)`, 'u');
  return (text) => re.test(skeleton(text));
}
