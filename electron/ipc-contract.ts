// The Studio's IPC contract: every channel the renderer may invoke, every event it may listen to, their payload
// types and the type guards that check them. ONE file, imported by electron/main (validates every request),
// electron/preload (allow-lists channels and events) and renderer/studio (types), and by the dev bridge, which
// serves the same contract over HTTP. Plain data and pure functions only: no Node, no Electron, no DOM.
import type { BroadcastHealth, BroadcastState, PictureInPicture, SourceSpec } from './broadcast/types.js';
import { PRESETS } from './broadcast/types.js';

export type { BroadcastHealth, BroadcastState, PictureInPicture, SourceSpec };

// ---------------------------------------------------------------- shared shapes

/** What the renderer may know about the account: never the token, never the full stream key. */
export type SessionInfo =
  | { mode: 'signed-out'; persisted: boolean }
  | { mode: 'onair'; serverUrl: string; username: string; channel: string; rtmpUrl: string; keyMasked: string; persisted: boolean }
  | { mode: 'custom'; rtmpUrl: string; keyMasked: string; persisted: boolean };

export interface SourceOption {
  /** Stable id for the picker. */
  id: string;
  label: string;
  spec: SourceSpec;
}

export interface SourceList {
  sources: SourceOption[];
  /** Camera names (for picture-in-picture). */
  cameras: string[];
  /** Where a list is fixed rather than enumerated, in plain words. */
  notes: string[];
}

/** What the Studio sends to go live: everything but the server and the key, which main holds. */
export interface StudioSettings {
  source: SourceSpec;
  preset: string;
  encoder: string;
  bitrateKbps: number;
  fps: number;
  keyframeSeconds: number;
  pip?: PictureInPicture;
  /** Record a local copy to this file too. */
  recordPath?: string;
  microphone?: string;
  /** Mix in system audio where the operating system allows it. */
  systemAudio?: boolean;
}

export interface BroadcastStatus {
  state: BroadcastState;
  health: BroadcastHealth | null;
}

/**
 * What the Onair server sees of the signed-in channel's stream (whoever publishes it: this Studio, OBS, a phone).
 * `keyframeWarning`: the server's keyframe interval warning (see docs/API.md), in its own words.
 */
export interface ServerStreamView {
  live: boolean;
  keyframeWarning: { intervalSeconds: number; message: string; fix: string } | null;
}

export interface IpcError {
  /** Stable, for code: `bad_request`, `unknown_channel`, `forbidden`, `not_signed_in`, `api`, `busy`, `failed`, … */
  code: string;
  /** Plain words, for people. */
  message: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

// ---------------------------------------------------------------- channels

/** Every invokable channel: request and reply types. */
export interface InvokeMap {
  'session:get': { req: Record<string, never>; res: SessionInfo };
  'session:signIn': { req: { serverUrl: string; username: string; password: string; register: boolean }; res: SessionInfo };
  'session:useCustom': { req: { rtmpUrl: string; streamKey: string }; res: SessionInfo };
  'session:signOut': { req: Record<string, never>; res: SessionInfo };
  /** The full stream key, on the user's explicit request (the reveal button). */
  'session:revealKey': { req: Record<string, never>; res: { streamKey: string } };
  'sources:list': { req: Record<string, never>; res: SourceList };
  'encoders:list': { req: Record<string, never>; res: { encoders: string[]; presets: string[] } };
  /** One JPEG frame of a source, grabbed by main with ffmpeg. */
  'preview:snapshot': { req: { source: SourceSpec }; res: { dataUrl: string } };
  'broadcast:start': { req: { settings: StudioSettings }; res: BroadcastStatus };
  'broadcast:stop': { req: Record<string, never>; res: BroadcastStatus };
  'broadcast:status': { req: Record<string, never>; res: BroadcastStatus };
  /** POST /api/me/invites through main. */
  'invite:create': { req: { expiresInSeconds?: number; maxUses?: number }; res: { url: string; expiresAt: string | null } };
  /** Phone streaming help: server URL, key and a Larix Broadcaster deep link (asked for explicitly, like reveal). */
  'phone:setup': {
    req: Record<string, never>;
    res: { rtmpUrl: string; streamKey: string; larixLink: string; /** The link as a QR code (SVG data URL). */ qrSvgDataUrl: string };
  };
  /**
   * Where the chat socket connects and which channel. No token: main adds the bearer to the chat requests itself
   * (Electron: session.webRequest; dev bridge: its /socket.io proxy).
   */
  'chat:endpoint': { req: Record<string, never>; res: { baseUrl: string; channel: string; viewerUrl: string } };
  /** GET /api/me/channel through main, without the key: is the channel live, and does the server warn about it. */
  'channel:serverView': { req: Record<string, never>; res: ServerStreamView };
  /**
   * The channel's live HLS master as viewers get it, for the Studio's monitor. On a channel that is not public it
   * carries a media token in `?t=` (this channel only, 6 h, worth what the owner's access is worth): what every
   * player of a private channel holds. Never the account token.
   */
  'monitor:source': { req: Record<string, never>; res: { hlsUrl: string } };
}

export type InvokeChannel = keyof InvokeMap;
export type InvokeRequest<C extends InvokeChannel> = InvokeMap[C]['req'];
export type InvokeReply<C extends InvokeChannel> = InvokeMap[C]['res'];

/** Events main sends to the window. */
export interface EventMap {
  'broadcast:state': BroadcastState;
  'broadcast:health': BroadcastHealth;
  'session:changed': SessionInfo;
}
export type EventName = keyof EventMap;

/** What the preload exposes as `window.onair` (and the dev bridge's browser client implements). */
export interface OnairApi {
  invoke<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<IpcResult<InvokeReply<C>>>;
  /** Returns an unsubscribe function. */
  on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void): () => void;
}

/** Electron ipc channel names are prefixed so they cannot collide with anything else on ipcMain. */
export const IPC_PREFIX = 'onair:';

// ---------------------------------------------------------------- limits

export const LIMITS = {
  url: 2048,
  username: 64,
  password: 256,
  streamKey: 512,
  id: 256,
  path: 4096,
  bitrateKbps: { min: 200, max: 50_000 },
  fps: { min: 1, max: 120 },
  keyframeSeconds: { min: 1, max: 10 },
  inviteSeconds: { min: 60, max: 60 * 60 * 24 * 365 },
  inviteUses: { min: 1, max: 100_000 },
} as const;

// ---------------------------------------------------------------- guards (pure)

type Guard<T> = (v: unknown) => v is T;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max: number, min = 1): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
const int = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const num = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
/** Only these keys, each checked when present; `required` must be present. */
function shape(v: unknown, fields: Record<string, (x: unknown) => boolean>, required: string[] = []): v is Record<string, unknown> {
  if (!isObj(v)) return false;
  for (const k of Object.keys(v)) {
    const check = fields[k];
    if (!check) return false;
    if (v[k] === undefined && !required.includes(k)) continue;
    if (!check(v[k])) return false;
  }
  return required.every((k) => k in v && v[k] !== undefined);
}
const empty = (v: unknown): v is Record<string, never> => v === undefined || v === null || shape(v, {});

export function isHttpUrl(v: unknown): v is string {
  if (!str(v, LIMITS.url)) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname && !u.username && !u.password;
  } catch {
    return false;
  }
}

export function isRtmpUrl(v: unknown): v is string {
  if (!str(v, LIMITS.url)) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'rtmp:' || u.protocol === 'rtmps:') && !!u.hostname;
  } catch {
    return false;
  }
}

/** No control characters and no path traversal tricks in a name or id. */
const safeText = (v: unknown, max: number): v is string => str(v, max) && !/[\u0000-\u001f\u007f]/.test(v);

export const isSourceSpec: Guard<SourceSpec> = (v): v is SourceSpec => {
  if (!isObj(v)) return false;
  switch (v.kind) {
    case 'test':
      return shape(v, { kind: () => true });
    case 'screen':
      return shape(v, { kind: () => true, display: (x) => int(x, 0, 64) });
    case 'window':
      return shape(v, { kind: () => true, id: (x) => safeText(x, LIMITS.id), title: (x) => typeof x === 'string' && x.length <= 512 }, ['id']);
    case 'camera':
      return shape(v, { kind: () => true, name: (x) => safeText(x, LIMITS.id) }, ['name']);
    case 'android':
      return shape(v, { kind: () => true, serial: (x) => typeof x === 'string' && /^[\w.:-]{1,128}$/.test(x) });
    default:
      return false;
  }
};

const PIP_POSITIONS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];
export const isPip: Guard<PictureInPicture> = (v): v is PictureInPicture =>
  shape(
    v,
    { camera: (x) => safeText(x, LIMITS.id), position: (x) => typeof x === 'string' && PIP_POSITIONS.includes(x), size: (x) => num(x, 0.1, 0.5) },
    ['camera', 'position', 'size'],
  );

const ENCODER_RE = /^[a-z0-9_]{2,32}$/;
export const isStudioSettings: Guard<StudioSettings> = (v): v is StudioSettings =>
  shape(
    v,
    {
      source: isSourceSpec,
      preset: (x) => typeof x === 'string' && Object.hasOwn(PRESETS, x),
      encoder: (x) => typeof x === 'string' && ENCODER_RE.test(x),
      bitrateKbps: (x) => int(x, LIMITS.bitrateKbps.min, LIMITS.bitrateKbps.max),
      fps: (x) => int(x, LIMITS.fps.min, LIMITS.fps.max),
      keyframeSeconds: (x) => num(x, LIMITS.keyframeSeconds.min, LIMITS.keyframeSeconds.max),
      pip: isPip,
      recordPath: (x) => safeText(x, LIMITS.path) && /\.(mp4|mkv|flv|mov)$/i.test(x),
      microphone: (x) => safeText(x, LIMITS.id),
      systemAudio: (x) => typeof x === 'boolean',
    },
    ['source', 'preset', 'encoder', 'bitrateKbps', 'fps', 'keyframeSeconds'],
  );

/** The request guard of each channel. A channel missing here cannot be invoked. */
export const REQUEST_GUARDS: { [C in InvokeChannel]: Guard<InvokeRequest<C>> } = {
  'session:get': empty,
  'session:signIn': (v): v is InvokeRequest<'session:signIn'> =>
    shape(
      v,
      {
        serverUrl: isHttpUrl,
        username: (x) => safeText(x, LIMITS.username),
        password: (x) => str(x, LIMITS.password),
        register: (x) => typeof x === 'boolean',
      },
      ['serverUrl', 'username', 'password', 'register'],
    ),
  'session:useCustom': (v): v is InvokeRequest<'session:useCustom'> =>
    shape(v, { rtmpUrl: isRtmpUrl, streamKey: (x) => safeText(x, LIMITS.streamKey) }, ['rtmpUrl', 'streamKey']),
  'session:signOut': empty,
  'session:revealKey': empty,
  'sources:list': empty,
  'encoders:list': empty,
  'preview:snapshot': (v): v is InvokeRequest<'preview:snapshot'> => shape(v, { source: isSourceSpec }, ['source']),
  'broadcast:start': (v): v is InvokeRequest<'broadcast:start'> => shape(v, { settings: isStudioSettings }, ['settings']),
  'broadcast:stop': empty,
  'broadcast:status': empty,
  'invite:create': (v): v is InvokeRequest<'invite:create'> =>
    empty(v) ||
    shape(v, {
      expiresInSeconds: (x) => int(x, LIMITS.inviteSeconds.min, LIMITS.inviteSeconds.max),
      maxUses: (x) => int(x, LIMITS.inviteUses.min, LIMITS.inviteUses.max),
    }),
  'phone:setup': empty,
  'chat:endpoint': empty,
  'channel:serverView': empty,
  'monitor:source': empty,
};

export const INVOKE_CHANNELS = Object.keys(REQUEST_GUARDS) as InvokeChannel[];
export const EVENT_NAMES: readonly EventName[] = ['broadcast:state', 'broadcast:health', 'session:changed'];

export function isInvokeChannel(v: unknown): v is InvokeChannel {
  return typeof v === 'string' && Object.hasOwn(REQUEST_GUARDS, v);
}

export function isEventName(v: unknown): v is EventName {
  return typeof v === 'string' && (EVENT_NAMES as readonly string[]).includes(v);
}

/** Checks a channel name and its request; the one gate main and the dev bridge pass every request through. */
export function validateRequest(
  channel: unknown,
  request: unknown,
): { ok: true; channel: InvokeChannel; request: unknown } | { ok: false; error: IpcError } {
  if (!isInvokeChannel(channel))
    return { ok: false, error: { code: 'unknown_channel', message: 'The app asked for something it is not allowed to.' } };
  const guard = REQUEST_GUARDS[channel] as Guard<unknown>;
  if (!guard(request)) return { ok: false, error: { code: 'bad_request', message: `The request for ${channel} is not valid.` } };
  return { ok: true, channel, request: request ?? {} };
}

/** `abcd••••••••wxyz`: enough to recognise a key, not enough to use it. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '•'.repeat(Math.max(4, key.length));
  return `${key.slice(0, 4)}${'•'.repeat(8)}${key.slice(-4)}`;
}
