// The account session main holds: the secrets (the bearer token and the stream key, never handed to the renderer
// except the key on an explicit reveal), what the window is told of them, signing in and out, and the Onair server's
// API client for the account. Plain Node, no Electron.
import { maskKey, type EventMap, type EventName, type SessionInfo } from '../../ipc-contract.js';
import { createApiClient } from '../../../renderer/shared/api.js';
import type { SecretStore, Secrets } from './secret-store.js';
import { StudioError } from './studio-error.js';

export class StudioSession {
  constructor(
    private readonly o: {
      store: SecretStore;
      emit<E extends EventName>(event: E, payload: EventMap[E]): void;
      fetch?: typeof fetch;
    },
  ) {}

  /** What the window may know of the session: never the token, the key masked. */
  info(): SessionInfo {
    const s = this.o.store.get();
    const persisted = this.o.store.persistent;
    if (!s) return { mode: 'signed-out', persisted };
    if (s.mode === 'custom') return { mode: 'custom', rtmpUrl: s.rtmpUrl, keyMasked: maskKey(s.streamKey), persisted };
    return {
      mode: 'onair',
      serverUrl: s.serverUrl,
      username: s.username,
      channel: s.channel,
      rtmpUrl: s.rtmpUrl,
      keyMasked: maskKey(s.streamKey),
      persisted,
    };
  }

  /** The secrets in use; refused in words when signed out. */
  secrets(): Secrets {
    const s = this.o.store.get();
    if (!s) throw new StudioError('not_signed_in', 'Sign in to an Onair server or enter a custom RTMP server first.');
    return s;
  }

  /** The Onair account's secrets; refused in words when signed out or on a custom RTMP server. */
  onair(): Extract<Secrets, { mode: 'onair' }> {
    const s = this.secrets();
    if (s.mode !== 'onair') throw new StudioError('not_onair', 'This needs an Onair server account (not a custom RTMP server).');
    return s;
  }

  /** The signed-in Onair server's URL; null otherwise. */
  serverUrl(): string | null {
    const s = this.o.store.get();
    return s?.mode === 'onair' ? s.serverUrl : null;
  }

  /** The bearer token for a request to `url`, when it goes to the signed-in server (chat header injection). */
  bearerFor(url: string): string | null {
    const s = this.o.store.get();
    if (s?.mode !== 'onair') return null;
    try {
      return new URL(url).origin === new URL(s.serverUrl).origin ? s.token : null;
    } catch {
      return null;
    }
  }

  /** The API client for `serverUrl`, as the account (`token`) or anonymous. */
  api(serverUrl: string, token?: string) {
    return createApiClient({ baseUrl: serverUrl, token: () => token, fetch: this.o.fetch });
  }

  /** The account's API client; refused in words unless signed in to an Onair server. */
  account() {
    const s = this.onair();
    return { secrets: s, api: this.api(s.serverUrl, s.token) };
  }

  async signIn(req: { serverUrl: string; username: string; password: string; register?: boolean }): Promise<SessionInfo> {
    const base = req.serverUrl.replace(/\/+$/, '');
    const client = this.api(base);
    // Studio keeps a bearer token (in the OS keychain); it never uses the browser's session cookie.
    const creds = { username: req.username, password: req.password, session: 'bearer' as const };
    const auth = req.register ? await client.register(creds) : await client.login(creds);
    if (!auth.token) throw new StudioError('bad_response', 'The server signed in without giving a token; update the Onair server.');
    const channel = await this.api(base, auth.token).myChannel();
    return this.set({
      mode: 'onair',
      serverUrl: base,
      username: auth.user.username,
      channel: channel.name,
      rtmpUrl: channel.rtmpUrl,
      token: auth.token,
      streamKey: channel.streamKey,
    });
  }

  useCustom(rtmpUrl: string, streamKey: string): SessionInfo {
    return this.set({ mode: 'custom', rtmpUrl: rtmpUrl.replace(/\/+$/, ''), streamKey });
  }

  async signOut(): Promise<SessionInfo> {
    const s = this.o.store.get();
    if (s?.mode === 'onair')
      await this.api(s.serverUrl, s.token)
        .logout()
        .catch(() => undefined);
    return this.set(null);
  }

  /** Keeps `s` (null: forgets the secrets) and tells the window. */
  set(s: Secrets | null): SessionInfo {
    if (s) this.o.store.set(s);
    else this.o.store.clear();
    const info = this.info();
    this.o.emit('session:changed', info);
    return info;
  }
}
