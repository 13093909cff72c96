// The Studio's main-process logic, without Electron: the handler of every IPC channel, the account session
// (token and stream key held here, never handed to the renderer except the key on an explicit reveal), the
// broadcast it hosts, and the events it sends. electron/main/index.ts wraps it with ipcMain; the dev bridge
// (electron/dev-bridge) wraps the same object with HTTP. Requests reach it already validated by the contract.
import { PRESETS, type BroadcastHealth, type BroadcastSettings, type BroadcastState, type PresetName } from '../../broadcast/types.js';
import {
  maskKey,
  type BroadcastStatus,
  type EventMap,
  type EventName,
  type InvokeChannel,
  type InvokeReply,
  type InvokeRequest,
  type IpcResult,
  type SessionInfo,
} from '../../ipc-contract.js';
import { ApiRequestError, createApiClient } from '../../../renderer/shared/api.js';
import type { BroadcastLike, PipelineLogger, PipelineModule } from './pipeline.js';
import type { SecretStore, Secrets } from './secret-store.js';
import QRCode from 'qrcode';
import { listSources, snapshot, SourceError, type HostSources } from './sources.js';

export class StudioError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StudioCoreOptions {
  ffmpegPath: string;
  store: SecretStore;
  pipeline: PipelineModule;
  /** Sends an event to the window (or the bridge's listeners). */
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
  /** Where the renderer's chat socket connects, given the Onair server URL. */
  chatBaseUrl(serverUrl: string): string;
  /** Displays and windows the host can enumerate (Electron's screen / desktopCapturer). */
  hostSources?: () => Promise<HostSources>;
  logger?: PipelineLogger;
  fetch?: typeof fetch;
}

type Handlers = { [C in InvokeChannel]: (req: InvokeRequest<C>) => Promise<InvokeReply<C>> };

const ACTIVE: BroadcastState['kind'][] = ['connecting', 'live', 'reconnecting'];
const noopLogger: PipelineLogger = { info() {}, warn() {}, error() {} };

export class StudioCore {
  private broadcast: BroadcastLike | null = null;
  private state: BroadcastState = { kind: 'idle' };
  private health: BroadcastHealth | null = null;
  private encoders: Promise<string[]> | null = null;
  private previewBusy = false;
  private readonly log: PipelineLogger;

  constructor(private readonly o: StudioCoreOptions) {
    this.log = o.logger ?? noopLogger;
  }

  /** Runs a validated request; every failure becomes a plain-words IpcError. */
  async handle<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<IpcResult<InvokeReply<C>>> {
    try {
      const fn = this.handlers[channel] as (r: InvokeRequest<C>) => Promise<InvokeReply<C>>;
      return { ok: true, value: await fn(request) };
    } catch (err) {
      if (err instanceof StudioError) return { ok: false, error: { code: err.code, message: err.message } };
      if (err instanceof ApiRequestError) return { ok: false, error: { code: `api_${err.code}`, message: err.message } };
      if (err instanceof SourceError) return { ok: false, error: { code: 'source_failed', message: err.message } };
      this.log.error({ channel, err: (err as Error)?.message }, 'studio handler failed');
      return { ok: false, error: { code: 'failed', message: 'Something went wrong in Onair Studio; try again.' } };
    }
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

  serverUrl(): string | null {
    const s = this.o.store.get();
    return s?.mode === 'onair' ? s.serverUrl : null;
  }

  get broadcastState(): BroadcastState {
    return this.state;
  }

  get lastHealth(): BroadcastHealth | null {
    return this.health;
  }

  /** Stops a running broadcast (app quit, bridge close). */
  async dispose(): Promise<void> {
    const b = this.broadcast;
    if (b && ACTIVE.includes(this.state.kind)) {
      const ended = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        b.on('state', (s: BroadcastState) => {
          if (s.kind === 'ended' || s.kind === 'failed') {
            clearTimeout(t);
            resolve();
          }
        });
      });
      await b.stop();
      await ended;
    }
  }

  // ---------------------------------------------------------------- helpers

  private session(): SessionInfo {
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

  private setSecrets(s: Secrets | null): SessionInfo {
    if (s) this.o.store.set(s);
    else this.o.store.clear();
    const info = this.session();
    this.o.emit('session:changed', info);
    return info;
  }

  private secrets(): Secrets {
    const s = this.o.store.get();
    if (!s) throw new StudioError('not_signed_in', 'Sign in to an Onair server or enter a custom RTMP server first.');
    return s;
  }

  private onair(): Extract<Secrets, { mode: 'onair' }> {
    const s = this.secrets();
    if (s.mode !== 'onair') throw new StudioError('not_onair', 'This needs an Onair server account (not a custom RTMP server).');
    return s;
  }

  private api(serverUrl: string, token?: string) {
    return createApiClient({ baseUrl: serverUrl, token: () => token, fetch: this.o.fetch });
  }

  private status(): BroadcastStatus {
    return { state: this.state, health: this.health };
  }

  private setState(s: BroadcastState) {
    this.state = s;
    if (!ACTIVE.includes(s.kind)) this.health = null;
    this.o.emit('broadcast:state', s);
  }

  private readonly handlers: Handlers = {
    'session:get': async () => this.session(),

    'session:signIn': async ({ serverUrl, username, password, register }) => {
      const base = serverUrl.replace(/\/+$/, '');
      const client = this.api(base);
      // Studio keeps a bearer token (in the OS keychain); it never uses the browser's session cookie.
      const creds = { username, password, session: 'bearer' as const };
      const auth = register ? await client.register(creds) : await client.login(creds);
      if (!auth.token) throw new StudioError('bad_response', 'The server signed in without giving a token; update the Onair server.');
      const channel = await this.api(base, auth.token).myChannel();
      return this.setSecrets({
        mode: 'onair',
        serverUrl: base,
        username: auth.user.username,
        channel: channel.name,
        rtmpUrl: channel.rtmpUrl,
        token: auth.token,
        streamKey: channel.streamKey,
      });
    },

    'session:useCustom': async ({ rtmpUrl, streamKey }) => this.setSecrets({ mode: 'custom', rtmpUrl: rtmpUrl.replace(/\/+$/, ''), streamKey }),

    'session:signOut': async () => {
      const s = this.o.store.get();
      if (s?.mode === 'onair')
        await this.api(s.serverUrl, s.token)
          .logout()
          .catch(() => undefined);
      return this.setSecrets(null);
    },

    'session:revealKey': async () => ({ streamKey: this.secrets().streamKey }),

    'sources:list': async () => listSources(this.o.ffmpegPath, (await this.o.hostSources?.().catch(() => ({}))) ?? {}),

    'encoders:list': async () => {
      this.encoders ??= this.o.pipeline.probeEncoders(this.o.ffmpegPath).catch(() => []);
      const found = await this.encoders;
      return { encoders: found.length ? found : ['libx264'], presets: Object.keys(PRESETS) };
    },

    'preview:snapshot': async ({ source }) => {
      if (this.previewBusy) throw new StudioError('busy', 'A preview is already being taken.');
      this.previewBusy = true;
      try {
        return { dataUrl: await snapshot(this.o.ffmpegPath, source) };
      } finally {
        this.previewBusy = false;
      }
    },

    'broadcast:start': async ({ settings }) => {
      if (ACTIVE.includes(this.state.kind)) throw new StudioError('busy', 'You are already live. Stop first to change the settings.');
      const s = this.secrets();
      const preset = PRESETS[settings.preset as PresetName];
      const full: BroadcastSettings = {
        server: s.rtmpUrl,
        streamKey: s.streamKey,
        source: settings.source,
        pip: settings.pip,
        video: {
          width: preset.width,
          height: preset.height,
          fps: settings.fps,
          bitrateKbps: settings.bitrateKbps,
          keyframeSeconds: settings.keyframeSeconds,
          encoder: settings.encoder,
        },
        audio: { microphone: settings.microphone, system: settings.systemAudio, bitrateKbps: 128 },
        recordPath: settings.recordPath,
      };
      const b = this.o.pipeline.createBroadcast(full, { ffmpegPath: this.o.ffmpegPath, logger: this.log });
      this.broadcast?.removeAllListeners();
      this.broadcast = b;
      this.health = null;
      b.on('state', (st: BroadcastState) => this.broadcast === b && this.setState(st));
      b.on('health', (h: BroadcastHealth) => {
        if (this.broadcast !== b) return;
        this.health = h;
        this.o.emit('broadcast:health', h);
      });
      await b.start();
      if (this.state === b.state) return this.status();
      this.setState(b.state);
      return this.status();
    },

    'broadcast:stop': async () => {
      if (this.broadcast && ACTIVE.includes(this.state.kind)) await this.broadcast.stop();
      return this.status();
    },

    'broadcast:status': async () => this.status(),

    'invite:create': async (req) => {
      const s = this.onair();
      const inv = await this.api(s.serverUrl, s.token).createInvite(req ?? {});
      return { url: inv.url, expiresAt: inv.expiresAt };
    },

    'phone:setup': async () => {
      const s = this.secrets();
      const link = larixLink(s.rtmpUrl, s.streamKey, s.mode === 'onair' ? `Onair ${s.channel}` : 'Onair');
      const svg = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return {
        rtmpUrl: s.rtmpUrl,
        streamKey: s.streamKey,
        larixLink: link,
        qrSvgDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      };
    },

    'channel:serverView': async () => {
      const s = this.onair();
      const ch = await this.api(s.serverUrl, s.token).myChannel();
      // Only what the window shows, never the key; a server without the measurement simply has no warning.
      const w = ch.keyframes?.warning;
      const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 1000) : '');
      return {
        live: ch.live === true,
        keyframeWarning:
          w && typeof w.intervalSeconds === 'number' ? { intervalSeconds: w.intervalSeconds, message: text(w.message), fix: text(w.fix) } : null,
      };
    },

    'monitor:source': async () => {
      const s = this.onair();
      const client = this.api(s.serverUrl, s.token);
      // The server the Studio signed in to, which it reaches by definition (the channel's public URL may not be).
      const hlsUrl = `${s.serverUrl}/hls/${encodeURIComponent(s.channel)}/index.m3u8`;
      if ((await client.myChannel()).visibility === 'public') return { hlsUrl };
      const { token } = await client.mediaToken(s.channel);
      return { hlsUrl: `${hlsUrl}?t=${encodeURIComponent(token)}` };
    },

    'chat:endpoint': async () => {
      const s = this.onair();
      return { baseUrl: this.o.chatBaseUrl(s.serverUrl), channel: s.channel, viewerUrl: `${s.serverUrl}/c/${encodeURIComponent(s.channel)}` };
    },
  };
}

/** Larix Broadcaster's import link: one RTMP connection with the key appended to the URL. */
export function larixLink(rtmpUrl: string, streamKey: string, name: string): string {
  const url = `${rtmpUrl.replace(/\/+$/, '')}/${streamKey}`;
  const q = [`conn[][url]=${encodeURIComponent(url)}`, `conn[][name]=${encodeURIComponent(name)}`, 'conn[][overwrite]=on'];
  return `larix://set/v1?${q.join('&')}`;
}
