// Input rules for accounts and channels. Pure functions; they throw ValidationError with a code and a
// message meant for the user.
import { checkTags, TAG_LIMITS } from '../api/tag-rules.js';
import { graphemeLength, hasBidiControl, isInvisibleOnly } from '../api/text-rules.js';
import { ValidationError } from './errors.js';

export const ACCOUNT_LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  /** Bounds the cost of hashing an attacker-supplied password. */
  passwordMax: 256,
  titleMax: 140,
} as const;

const USERNAME = /^[a-zA-Z0-9_-]+$/;

/**
 * Names that would collide with routes (`/hls/...`, `/api/...`) or impersonate the operator. Compared
 * lowercased. Extend it when the HTTP layer gains a new top-level path.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'root',
  'system',
  'moderator',
  'mod',
  'owner',
  'staff',
  'support',
  'onair',
  'api',
  'hls',
  'dash',
  'vod',
  'live',
  'static',
  'stat',
  'stats',
  'metrics',
  'healthz',
  'health',
  'status',
  'i',
  'c',
  'embed',
  'assets',
  'public',
  'replays',
  'replay',
  'channels',
  'channel',
  'users',
  'user',
  'auth',
  'login',
  'logout',
  'signup',
  'register',
  'settings',
  'studio',
  'chat',
  'ws',
  'rtmp',
  'socket-io',
  'new',
  'me',
  'help',
  'about',
  'www',
  'null',
  'undefined',
  'favicon',
  'robots',
  'thumbnails',
  'media',
]);

/** Returns the username unchanged if valid. */
export function validateUsername(username: unknown): string {
  if (typeof username !== 'string') throw new ValidationError('invalid_username', 'A username is required.');
  const { usernameMin: min, usernameMax: max } = ACCOUNT_LIMITS;
  if (username.length < min || username.length > max || !USERNAME.test(username)) {
    throw new ValidationError('invalid_username', `Usernames are ${min} to ${max} characters: letters, digits, "_" and "-".`);
  }
  if (RESERVED_USERNAMES.has(username.toLowerCase())) {
    throw new ValidationError('username_reserved', `The name "${username}" is reserved; please pick another.`);
  }
  return username;
}

/**
 * At least passwordMin grapheme clusters (what the person typed as characters: an emoji or an accented letter is
 * one), not all of them blank; at most passwordMax UTF-16 units, which bounds the hashing cost.
 */
export function validatePassword(password: unknown): string {
  const { passwordMin: min, passwordMax: max } = ACCOUNT_LIMITS;
  if (typeof password !== 'string') throw new ValidationError('weak_password', `Passwords need at least ${min} characters.`);
  if (password.length > max) throw new ValidationError('password_too_long', `Passwords can be at most ${max} characters.`);
  if (graphemeLength(password, min) < min) throw new ValidationError('weak_password', `Passwords need at least ${min} characters.`);
  if (isInvisibleOnly(password)) throw new ValidationError('weak_password', 'Passwords cannot be only spaces or other invisible characters.');
  return password;
}

// C0/C1 controls, and the line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Trims; refuses control characters, bidi controls, text that shows nothing, and more than titleMax grapheme
 * clusters. An empty title is allowed (the UI shows a fallback).
 */
export function validateTitle(title: unknown): string {
  if (typeof title !== 'string') throw new ValidationError('invalid_title', 'The title must be text.');
  const t = title.trim();
  const max = ACCOUNT_LIMITS.titleMax;
  if (graphemeLength(t, max) > max) {
    throw new ValidationError('invalid_title', `Titles can be at most ${max} characters.`);
  }
  if (CONTROL.test(t)) throw new ValidationError('invalid_title', 'Titles cannot contain line breaks or control characters.');
  if (hasBidiControl(t)) {
    throw new ValidationError(
      'invalid_title',
      'Titles cannot contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069): they change the order text is shown in.',
    );
  }
  if (t.length > 0 && isInvisibleOnly(t)) {
    throw new ValidationError(
      'invalid_title',
      'The title shows nothing: it has only spaces or invisible characters. Leave it empty for the default title.',
    );
  }
  return t;
}

/**
 * A replay's new title: the rules of validateTitle, and never empty (a replay keeps the title it was streamed
 * with until its owner renames it, so there is no default to fall back to).
 */
export function validateReplayTitle(title: unknown): string {
  if (typeof title !== 'string') throw new ValidationError('invalid_title', 'The title must be text.');
  const t = title.trim();
  if (t.length === 0 || isInvisibleOnly(t)) {
    throw new ValidationError('invalid_title', `A replay needs a title that shows something: 1 to ${ACCOUNT_LIMITS.titleMax} characters.`);
  }
  return validateTitle(t);
}

export { TAG_LIMITS };

/**
 * A channel's tags as stored (server/api/tag-rules.ts, shared with the viewer app): each trimmed, lowercased, a
 * leading "#" dropped, inner white space one space ("Chill Vibes" is the one tag "chill vibes"); duplicates dropped
 * (first kept). A tag outside [a-z0-9 -] or 2–25 characters, or more than 5 distinct tags, is refused with a message
 * that names the problem.
 */
export function normalizeTags(input: unknown): string[] {
  const checked = checkTags(input);
  if (!checked.ok) throw new ValidationError('invalid_tags', checked.message);
  return checked.tags;
}

export const VISIBILITIES = ['public', 'followers', 'invite'] as const;

export function validateVisibility(v: unknown): (typeof VISIBILITIES)[number] {
  if (typeof v === 'string' && (VISIBILITIES as readonly string[]).includes(v)) return v as (typeof VISIBILITIES)[number];
  throw new ValidationError(
    'invalid_visibility',
    'Visibility must be "public" (anyone), "followers" (signed-in followers) or "invite" (people with an invite link).',
  );
}
