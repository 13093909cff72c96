// What counts as text people see: lengths in grapheme clusters, characters that reorder text, and text that shows
// nothing. One reading for titles, chat messages, display names and passwords on the server, and for the viewer
// app's own checks. No Node imports here: the renderer bundles this file.

// Node (22 and newer) always has Intl.Segmenter; a browser without it (Firefox before 125) counts code points instead.
const graphemes = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/**
 * User-perceived characters (extended grapheme clusters, UAX #29): 👨‍👩‍👧‍👦 is 1, "é" as e + U+0301 is 1, 🇫🇷 is 1.
 * Counting stops once it passes `stopAfter`, so a caller checking a limit does no more work than the limit needs.
 */
export function graphemeLength(text: string, stopAfter = Infinity): number {
  let n = 0;
  for (const _ of graphemes ? graphemes.segment(text) : text) if (++n > stopAfter) break;
  return n;
}

/**
 * Explicit bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they make text display in an
 * order other than the one it was written in ("Trojan Source"). RTL letters and the LRM / RLM / ALM marks are fine.
 */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;

export function hasBidiControl(text: string): boolean {
  return BIDI_CONTROL.test(text);
}

/**
 * Characters that draw nothing on their own: white space; zero-width space / non-joiner / joiner, LRM / RLM / ALM,
 * word joiner and invisible operators, BOM, soft hyphen, Mongolian vowel separator; Hangul fillers; the blank braille
 * pattern; combining marks and variation selectors (Unicode category M) without a base; the tags block; and the
 * bidi controls above.
 */
const INVISIBLE_ONLY = new RegExp(
  '^[' +
    '\\p{White_Space}\\p{M}' +
    '\\u00ad\\u061c\\u115f\\u1160\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u2800\\u3164\\ufeff\\uffa0' +
    '\\u{1d173}-\\u{1d17a}\\u{e0000}-\\u{e007f}' +
    ']*$',
  'u',
);

/** True when the text shows nothing (the empty string included). */
export function isInvisibleOnly(text: string): boolean {
  return INVISIBLE_ONLY.test(text);
}
