// Where credentials are read from a request: the Authorization header and cookies. One reading for HTTP, media
// and chat, so every door accepts the same spellings (RFC 9110: the auth scheme is case-insensitive).

export const SESSION_COOKIE = 'onair_session';
export const GUEST_COOKIE = 'onair_guest';

/** The token of an `Authorization: Bearer <token>` header, any case of "Bearer"; undefined otherwise. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Reads one cookie from a raw Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}
