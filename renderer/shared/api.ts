// Typed client for the Onair HTTP API. Every failure becomes an ApiRequestError carrying the server's stable
// `code` and its plain-words `message`, so pages show the reason and tests can switch on the code.
// The viewer app uses the session cookie (same origin); Onair Studio passes a base URL and a bearer token.
import type {
  ApiError,
  ApiInvite,
  ApiReplay,
  ApiUser,
  AuthResult,
  ChannelSettingsUpdate,
  Credentials,
  FollowState,
  InviteCreated,
  InviteLanding,
  InviteRequest,
  LiveChannel,
  MediaToken,
  MyChannel,
  NewStreamKey,
  PasswordChange,
  PublicChannel,
  RedeemResult,
  ReplayWithChannel,
  TagCount,
} from './contracts.js';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    /** The server's code (`not_found`, `unauthorized`, …), or `network` / `bad_response` from this client. */
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

export interface ApiClientOptions {
  /** '' for the page's own origin (the viewer app); the server URL for Onair Studio. */
  baseUrl?: string;
  /** Bearer token (Onair Studio); without it the browser sends the session cookie. */
  token?: () => string | null | undefined;
  fetch?: typeof fetch;
}

const enc = encodeURIComponent;

export function createApiClient(opts: ApiClientOptions = {}) {
  const base = (opts.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = opts.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers,
        body: body !== undefined ? JSON.stringify(body) : undefined,
        credentials: base ? 'include' : 'same-origin',
      });
    } catch {
      throw new ApiRequestError(0, 'network', 'Cannot reach the Onair server. Check your connection and try again.');
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const e = (parsed as Partial<ApiError> | undefined)?.error;
      if (e && typeof e.code === 'string')
        throw new ApiRequestError(res.status, e.code, e.message || `Request failed (${res.status}).`, e.retryAfterSeconds);
      throw new ApiRequestError(
        res.status,
        res.status === 404 ? 'not_found' : 'bad_response',
        `The server answered ${res.status} ${res.statusText}.`,
      );
    }
    if (parsed === undefined && text) throw new ApiRequestError(res.status, 'bad_response', 'The server sent an answer this app cannot read.');
    return parsed as T;
  }

  return {
    request,
    // accounts
    /** `c.session`: 'cookie' for the browser app (no token in the answer), 'bearer' (the default) for Studio. */
    register: (c: Credentials) => request<AuthResult>('POST', '/api/auth/register', c),
    login: (c: Credentials) => request<AuthResult>('POST', '/api/auth/login', c),
    logout: () => request<void>('POST', '/api/auth/logout'),
    /** Ends every session and bearer token of the account, this one included. */
    logoutEverywhere: () => request<void>('POST', '/api/auth/logout-all'),
    /** Every other session and bearer token of the account ends; this one stays signed in. */
    changePassword: (c: PasswordChange) => request<void>('POST', '/api/me/password', c),
    me: () => request<{ user: ApiUser }>('GET', '/api/me'),
    myChannel: () => request<MyChannel>('GET', '/api/me/channel'),
    regenerateStreamKey: () => request<NewStreamKey>('POST', '/api/me/channel/stream-key'),
    updateMyChannel: (patch: ChannelSettingsUpdate) => request<MyChannel>('PATCH', '/api/me/channel', patch),
    // channels and replays
    channel: (name: string) => request<PublicChannel>('GET', `/api/channels/${enc(name)}`),
    replays: (name: string) => request<ApiReplay[]>('GET', `/api/channels/${enc(name)}/replays`),
    replay: (id: string) => request<ReplayWithChannel>('GET', `/api/replays/${enc(id)}`),
    liveChannels: (filter: { tag?: string; q?: string } = {}) => {
      const qs = new URLSearchParams();
      if (filter.tag) qs.set('tag', filter.tag);
      if (filter.q) qs.set('q', filter.q);
      const s = qs.toString();
      return request<LiveChannel[]>('GET', `/api/channels/live${s ? `?${s}` : ''}`);
    },
    followingLive: () => request<LiveChannel[]>('GET', '/api/me/following/live'),
    tags: () => request<TagCount[]>('GET', '/api/tags'),
    follow: (name: string) => request<FollowState>('POST', `/api/channels/${enc(name)}/follow`),
    unfollow: (name: string) => request<FollowState>('DELETE', `/api/channels/${enc(name)}/follow`),
    mediaToken: (name: string) => request<MediaToken>('GET', `/api/channels/${enc(name)}/media-token`),
    // invites
    createInvite: (req: InviteRequest) => request<InviteCreated>('POST', '/api/me/invites', req),
    invites: () => request<ApiInvite[]>('GET', '/api/me/invites'),
    revokeInvite: (id: number | string) => request<void>('DELETE', `/api/me/invites/${enc(String(id))}`),
    invite: (token: string) => request<InviteLanding>('GET', `/api/invites/${enc(token)}`),
    redeemInvite: (token: string, displayName?: string) =>
      request<RedeemResult>('POST', `/api/invites/${enc(token)}/redeem`, displayName ? { displayName } : {}),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** The viewer app's client: same origin, session cookie. */
export const api = createApiClient();

/** A reason in plain words for any error a page catches. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiRequestError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}

export function errorCode(err: unknown): string | undefined {
  return err instanceof ApiRequestError ? err.code : undefined;
}

/**
 * Media URLs from the API are absolute on the server's public URL. The viewer app is served by that same server,
 * so it plays them from its own origin: this keeps working behind a proxy, on another port, or when the public
 * URL is not set. Onair Studio (another origin) passes keepOrigin.
 */
export function mediaPath(url: string | null | undefined, keepOrigin = false): string | null {
  if (!url) return null;
  if (keepOrigin) return url;
  try {
    const u = new URL(url, 'http://x.invalid');
    return u.pathname + u.search;
  } catch {
    return url;
  }
}
