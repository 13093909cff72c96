// Typed client for the Onair HTTP API. Every failure becomes an ApiRequestError carrying the server's stable
// `code` and its plain-words `message`, so pages show the reason and tests can switch on the code.
// The viewer app uses the session cookie (same origin); Onair Studio passes a base URL and a bearer token.
import type {
  ApiError,
  ApiModerator,
  ChatSettings,
  ModerationLogPage,
  PublicChatSettings,
  ApiInvite,
  ApiReplay,
  ApiUser,
  ApiWebhook,
  ApiDestination,
  DestinationRequest,
  AuthResult,
  ChannelSettingsUpdate,
  Credentials,
  FollowState,
  InviteCreated,
  InviteLanding,
  InviteLink,
  InviteRequest,
  LiveChannel,
  MediaToken,
  MyChannel,
  NewStreamKey,
  PasswordChange,
  PublicChannel,
  RedeemResult,
  ReplayUpdate,
  ReplayWithChannel,
  SignupPolicy,
  TagCount,
  WebhookRequest,
  WebhookTestResult,
  MyStreams,
  StreamMetrics,
  AdminOverview,
  AdminUsers,
  AdminUserChange,
  AdminReplays,
  AdminSystem,
} from './contracts.js';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    /** The server's code (`not_found`, `unauthorized`, …), or `network` / `bad_response` from this client. */
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
    /** A `forbidden` answer's channel: whose channel the caller may not watch. */
    readonly channel?: string,
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
        throw new ApiRequestError(res.status, e.code, e.message || `Request failed (${res.status}).`, e.retryAfterSeconds, e.channel);
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
    /** Who may sign up here (ONAIR_SIGNUPS): 'open', 'invite' (with an invite link's token in `invite`) or 'closed'. */
    signups: () => request<SignupPolicy>('GET', '/api/auth/signups'),
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
    /** The channel's owner only. */
    renameReplay: (id: string, update: ReplayUpdate) => request<ApiReplay>('PATCH', `/api/replays/${enc(id)}`, update),
    /** The channel's owner only: the replay and its files are gone for good. */
    deleteReplay: (id: string) => request<void>('DELETE', `/api/replays/${enc(id)}`),
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
    /** An invite's link again, for its owner. */
    inviteLink: (id: number | string) => request<InviteLink>('GET', `/api/me/invites/${enc(String(id))}/link`),
    invite: (token: string) => request<InviteLanding>('GET', `/api/invites/${enc(token)}`),
    redeemInvite: (token: string, displayName?: string) =>
      request<RedeemResult>('POST', `/api/invites/${enc(token)}/redeem`, displayName ? { displayName } : {}),
    // webhooks
    webhooks: () => request<ApiWebhook[]>('GET', '/api/me/webhooks'),
    createWebhook: (req: WebhookRequest) => request<ApiWebhook>('POST', '/api/me/webhooks', req),
    updateWebhook: (id: number, patch: Partial<WebhookRequest>) => request<ApiWebhook>('PATCH', `/api/me/webhooks/${id}`, patch),
    deleteWebhook: (id: number) => request<void>('DELETE', `/api/me/webhooks/${id}`),
    testWebhook: (id: number) => request<WebhookTestResult>('POST', `/api/me/webhooks/${id}/test`),
    // restream destinations
    destinations: () => request<ApiDestination[]>('GET', '/api/me/destinations'),
    createDestination: (req: DestinationRequest) => request<ApiDestination>('POST', '/api/me/destinations', req),
    updateDestination: (id: number, patch: Partial<DestinationRequest>) => request<ApiDestination>('PATCH', `/api/me/destinations/${id}`, patch),
    deleteDestination: (id: number) => request<void>('DELETE', `/api/me/destinations/${id}`),
    // chat moderation
    moderators: () => request<ApiModerator[]>('GET', '/api/me/moderators'),
    addModerator: (username: string) => request<ApiModerator>('POST', '/api/me/moderators', { username }),
    removeModerator: (username: string) => request<void>('DELETE', `/api/me/moderators/${enc(username)}`),
    moderationLog: (before?: number) => request<ModerationLogPage>('GET', `/api/me/moderation-log${before ? `?before=${before}` : ''}`),
    /** The full settings for the owner and moderators; without the blocked terms for everyone else. */
    chatSettings: (channel: string) => request<ChatSettings | PublicChatSettings>('GET', `/api/channels/${enc(channel)}/chat-settings`),
    updateChatSettings: (channel: string, patch: Partial<ChatSettings>) =>
      request<ChatSettings>('PATCH', `/api/channels/${enc(channel)}/chat-settings`, patch),
    // the streamer's dashboard
    myStreams: () => request<MyStreams>('GET', '/api/me/streams'),
    streamMetrics: (id: string) => request<StreamMetrics>('GET', `/api/me/streams/${enc(id)}/metrics`),
    // the operator's page (admin accounts only)
    adminOverview: () => request<AdminOverview>('GET', '/api/admin/overview'),
    adminUsers: (q: { search?: string; offset?: number; limit?: number } = {}) => {
      const qs = new URLSearchParams();
      if (q.search) qs.set('q', q.search);
      if (q.offset) qs.set('offset', String(q.offset));
      if (q.limit) qs.set('limit', String(q.limit));
      const s = qs.toString();
      return request<AdminUsers>('GET', `/api/admin/users${s ? `?${s}` : ''}`);
    },
    adminSetDisabled: (name: string, disabled: boolean) =>
      request<AdminUserChange>('POST', `/api/admin/users/${enc(name)}/${disabled ? 'disable' : 'enable'}`),
    adminResetKey: (name: string) => request<AdminUserChange>('POST', `/api/admin/users/${enc(name)}/reset-key`),
    adminReplays: (q: { offset?: number; limit?: number } = {}) =>
      request<AdminReplays>('GET', `/api/admin/replays?offset=${q.offset ?? 0}&limit=${q.limit ?? 25}`),
    adminSystem: () => request<AdminSystem>('GET', '/api/admin/system'),
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

/** The channel a `forbidden` answer names (whose channel the caller may not watch), if any. */
export function errorChannel(err: unknown): string | undefined {
  return err instanceof ApiRequestError ? err.channel : undefined;
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
