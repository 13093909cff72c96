// What a channel tag is, one reading for the server (which refuses what breaks it) and the viewer app (which shows
// each tag as it will be saved before anything is sent). No Node imports here: the renderer bundles this file.
//
// A tag may be several words: "Chill Vibes" is the tag "chill vibes", not two tags. Tags are lowercased so that
// one tag is one filter on the home page; spaces inside are kept (runs of white space become one space).

export const TAG_LIMITS = {
  minChars: 2,
  maxChars: 25,
  maxTags: 5,
} as const;

/** Letters a–z and digits, with single spaces or "-" between them; starts and ends with a letter or digit. */
const TAG = /^[a-z0-9](?:[a-z0-9 -]*[a-z0-9])?$/;
const TAG_CHARS = /^[a-z0-9 -]*$/;

export type TagCheck = { ok: true; tag: string } | { ok: false; message: string };
export type TagsCheck = { ok: true; tags: string[] } | { ok: false; message: string };

/**
 * The form a tag is stored and matched in: trimmed, a leading "#" dropped, lowercased, each run of white space one
 * space. Not a check: "c++" stays "c++" (checkTag refuses it).
 */
export function tagKey(raw: string): string {
  return raw.trim().replace(/^#+/, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** One tag as it will be saved, or why it cannot be. */
export function checkTag(raw: unknown): TagCheck {
  if (typeof raw !== 'string') return { ok: false, message: 'Each tag must be text.' };
  const tag = tagKey(raw);
  const shown = JSON.stringify(raw.trim().slice(0, 40));
  const { minChars: min, maxChars: max } = TAG_LIMITS;
  if (tag.length < min || tag.length > max) return { ok: false, message: `The tag ${shown} must be ${min} to ${max} characters long.` };
  if (!TAG_CHARS.test(tag)) return { ok: false, message: `The tag ${shown} can only use letters a–z, digits, spaces and "-".` };
  if (!TAG.test(tag)) return { ok: false, message: `The tag ${shown} must start and end with a letter or a digit.` };
  return { ok: true, tag };
}

/** A channel's tags as they will be saved (each checked, duplicates dropped keeping the first), or the first problem. */
export function checkTags(input: unknown): TagsCheck {
  if (!Array.isArray(input)) return { ok: false, message: 'Tags must be a list, e.g. ["music", "chill vibes"].' };
  const tags: string[] = [];
  for (const raw of input) {
    const c = checkTag(raw);
    if (!c.ok) return c;
    if (!tags.includes(c.tag)) tags.push(c.tag);
  }
  if (tags.length > TAG_LIMITS.maxTags) {
    return { ok: false, message: `A channel can have at most ${TAG_LIMITS.maxTags} tags; you gave ${tags.length}.` };
  }
  return { ok: true, tags };
}

/** What a person typed into a tag field, split where they meant a new tag: at commas and line breaks, never at spaces. */
export function splitTagText(text: string): string[] {
  return text
    .split(/[,\n\r]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}
