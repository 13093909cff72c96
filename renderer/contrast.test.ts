// The viewer app's button colours against their white text: WCAG AA asks 4.5:1 for normal text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const css = readFileSync(new URL('./viewer/src/styles.css', import.meta.url), 'utf8');

/** WCAG relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5]
    .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrastWithWhite = (hex: string): number => 1.05 / (luminance(hex) + 0.05);

test('white text on the accent (primary buttons) and on their hover colour is at least 4.5:1', () => {
  const accent = /--accent:\s*(#[0-9a-f]{6})/i.exec(css)?.[1];
  const hover = /\.btn--primary:hover\s*{\s*background:\s*(#[0-9a-f]{6})/i.exec(css)?.[1];
  assert.ok(accent && hover, 'styles.css names --accent and the primary hover colour');
  for (const c of [accent, hover]) assert.ok(contrastWithWhite(c) >= 4.5, `${c}: ${contrastWithWhite(c).toFixed(2)}:1`);
  // The colour this replaced, as a check that the test can fail.
  assert.ok(contrastWithWhite('#7c5cff') < 4.5);
});
