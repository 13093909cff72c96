// Input rules for accounts and channels. Pure functions; they throw ValidationError with a code and a
// message meant for the user.
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
  'admin', 'administrator', 'root', 'system', 'moderator', 'mod', 'owner', 'staff', 'support', 'onair',
  'api', 'hls', 'dash', 'vod', 'live', 'static', 'stat', 'stats', 'metrics', 'healthz', 'health', 'status',
  'i', 'c', 'embed', 'assets', 'public', 'replays', 'replay', 'channels', 'channel', 'users', 'user',
  'auth', 'login', 'logout', 'signup', 'register', 'settings', 'studio', 'chat', 'ws', 'rtmp', 'socket-io',
  'new', 'me', 'help', 'about', 'www', 'null', 'undefined', 'favicon', 'robots', 'thumbnails', 'media',
]);

/** Returns the username unchanged if valid. */
export function validateUsername(username: unknown): string {
  if (typeof username !== 'string') throw new ValidationError('invalid_username', 'A username is required.');
  const { usernameMin: min, usernameMax: max } = ACCOUNT_LIMITS;
  if (username.length < min || username.length > max || !USERNAME.test(username)) {
    throw new ValidationError(
      'invalid_username',
      `Usernames are ${min} to ${max} characters: letters, digits, "_" and "-".`,
    );
  }
  if (RESERVED_USERNAMES.has(username.toLowerCase())) {
    throw new ValidationError('username_reserved', `The name "${username}" is reserved; please pick another.`);
  }
  return username;
}

export function validatePassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < ACCOUNT_LIMITS.passwordMin) {
    throw new ValidationError('weak_password', `Passwords need at least ${ACCOUNT_LIMITS.passwordMin} characters.`);
  }
  if (password.length > ACCOUNT_LIMITS.passwordMax) {
    throw new ValidationError('password_too_long', `Passwords can be at most ${ACCOUNT_LIMITS.passwordMax} characters.`);
  }
  return password;
}

// C0/C1 controls, and the line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Trims; rejects control characters and overlong titles. An empty title is allowed (the UI shows a fallback). */
export function validateTitle(title: unknown): string {
  if (typeof title !== 'string') throw new ValidationError('invalid_title', 'The title must be text.');
  const t = title.trim();
  if (t.length > ACCOUNT_LIMITS.titleMax) {
    throw new ValidationError('invalid_title', `Titles can be at most ${ACCOUNT_LIMITS.titleMax} characters.`);
  }
  if (CONTROL.test(t)) throw new ValidationError('invalid_title', 'Titles cannot contain line breaks or control characters.');
  return t;
}
