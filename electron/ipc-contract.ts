// The Studio's IPC contract: every channel the renderer may invoke, every event it may listen to, their payload
// types and limits. ONE file, imported by electron/main, electron/preload (allow-lists events) and renderer/studio
// (types), and by the dev bridge, which serves the same contract over HTTP; the guard that checks each request is
// in ipc-guards.ts. Plain data and pure functions only: no Node, no Electron, no DOM.
import type {
  BroadcastHealth,
  BroadcastState,
  DestinationStatus,
  MicrophoneApi,
  PictureInPicture,
  RecordingStatus,
  SourceSpec,
} from './broadcast/types.js';
import type { FeedRequest } from './source-feed.js';
import type { DestinationStatus as ApiDestinationStatus } from '../server/api/outbound.js';

export type { BroadcastHealth, BroadcastState, DestinationStatus, MicrophoneApi, PictureInPicture, SourceSpec };

/** A broadcast that runs (starting, live or reconnecting): what a stop ends, and what settings shaping the stream wait for. */
export function broadcastRuns(kind: BroadcastState['kind']): boolean {
  return kind === 'connecting' || kind === 'live' || kind === 'reconnecting';
}

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

/** A microphone ffmpeg listed (or the system's default one), as the Studio's picker offers it. */
export interface MicrophoneOption {
  /** Stable id for the picker. */
  id: string;
  label: string;
  /** What goes into StudioSettings.microphone: the device name ffmpeg opens ('default' for the system's default). */
  device: string;
  /** Linux: the audio system the device belongs to (PulseAudio/PipeWire, or ALSA when no sound server runs). */
  api?: MicrophoneApi;
}

export interface SourceList {
  sources: SourceOption[];
  /** Camera names (for picture-in-picture). */
  cameras: string[];
  /** Microphones, the system's default first where the platform has one (Windows' DirectShow has none). */
  microphones: MicrophoneOption[];
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
  /** Linux only: which audio system `microphone` belongs to (default pulse). */
  microphoneApi?: MicrophoneApi;
  /** Mix in system audio where the operating system allows it. */
  systemAudio?: boolean;
  /**
   * Who encodes: `pipeline` (default), main's ffmpeg captures and encodes `source`; `engine`, the Studio's own
   * encoder in the window (WebCodecs) sends chunks over the media channel and main only publishes them.
   */
  mode?: BroadcastMode;
  /**
   * Engine mode only: also send the vertical canvas, its own H.264 encode (this size and bitrate, a keyframe each
   * second) with the same audio. Where it goes is main's (VerticalDestination, 'vertical:setDestination'): the
   * channel's vertical ingest (the session's RTMP URL with `vertical` for its application, the same key: docs/API.md,
   * Vertical companion) or another RTMP server with its own key. Absent: no vertical output.
   */
  vertical?: VerticalOutputSettings;
}

/** The vertical canvas sizes the Studio sends (the scene model's). */
export const VERTICAL_SIZES = [
  { width: 720, height: 1280 },
  { width: 1080, height: 1920 },
] as const;

export interface VerticalOutputSettings {
  width: number;
  height: number;
  bitrateKbps: number;
}

/**
 * Where the vertical output goes, as the window sees it: `channel`, this Onair channel's vertical rendition (the
 * default); `rtmp`, another RTMP server with its own key (TikTok, YouTube Shorts). `rtmp` is the other server as kept
 * (also while `channel` is chosen, to switch back): its URL, host and a masked key, never the key itself.
 */
export interface VerticalDestination {
  use: 'channel' | 'rtmp';
  rtmp: { url: string; host: string; keyMasked: string } | null;
}

/** A change of the vertical destination: `url` and `key` left out keep the ones kept (the key only on the same host). */
export interface VerticalDestinationChange {
  use: 'channel' | 'rtmp';
  url?: string;
  key?: string;
}

export const BROADCAST_MODES = ['pipeline', 'engine'] as const;
export type BroadcastMode = (typeof BROADCAST_MODES)[number];

export interface BroadcastStatus {
  state: BroadcastState;
  health: BroadcastHealth | null;
  /** The vertical output's own state while a broadcast with one runs (it reconnects and fails on its own); else null. */
  vertical: BroadcastState | null;
  /** The local recording of the broadcast running or last run ("Also record to"); null without one. */
  recording: RecordingStatus | null;
}

/**
 * What the Onair server sees of the signed-in channel's stream (whoever publishes it: this Studio, OBS, a phone).
 * `keyframeWarning`: the server's keyframe interval warning (see docs/API.md), in its own words.
 */
export interface ServerStreamView {
  live: boolean;
  keyframeWarning: { intervalSeconds: number; message: string; fix: string } | null;
  /** The channel's restream destinations on the server (it pushes them, not the Studio), with each one's state. */
  restreams: ServerRestream[];
}

/** A server-side restream destination as the Studio shows it: its name and host, never its URL path or key. */
export interface ServerRestream {
  id: number;
  name: string;
  host: string;
  enabled: boolean;
  status: Pick<ApiDestinationStatus, 'state' | 'reason' | 'bitrateKbps' | 'droppedFrames'>;
}

/**
 * The Studio's invite link: one bounded invite per account, made on the first copy and handed out again while the
 * server still counts it valid (GET /api/me/invites), so copying the link twice does not make two invites.
 */
export interface StudioInvite {
  url: string;
  expiresAt: string | null;
  maxUses: number | null;
  /** Uses so far, as the server counts them. */
  uses: number;
  /** True when this is the invite the Studio made earlier; false when it was made just now. */
  reused: boolean;
}

/**
 * An extra destination the Studio sends to besides the Onair channel (Twitch, YouTube, …), as the window sees it:
 * never its key, only a masked form. Main keeps the list encrypted like the account's key.
 */
export interface StudioDestination {
  id: string;
  name: string;
  /** rtmp:// or rtmps:// ingest address with its application path. */
  url: string;
  keyMasked: string;
  /** Enabled destinations get the stream when the broadcast starts. */
  enabled: boolean;
}

/** The Studio's remote control (obs-websocket 5 on a local port), as the window shows and sets it. */
export interface ControlInfo {
  enabled: boolean;
  /** The port asked for (default 4455). */
  port: number;
  /** The password clients must give (the user's own, shown to them as OBS shows its connect info). */
  password: string;
  listening: boolean;
  /** The port actually bound while listening. */
  boundPort: number | null;
  /** Identified clients connected now. */
  clients: number;
  /** Why it is not listening although enabled (the port taken), in plain words. */
  error: string | null;
}

/** A control request main passes to the window's engine, which answers with 'control:reply'. */
export interface ControlRequest {
  id: number;
  requestType: string;
  requestData: Record<string, unknown>;
}

/** One frame of the program preview: the picture being sent, a small JPEG, about twice a second while live. */
export interface ProgramFrame {
  dataUrl: string;
}

export interface IpcError {
  /** Stable, for code: `bad_request`, `unknown_channel`, `forbidden`, `not_signed_in`, `api`, `busy`, `failed`, … */
  code: string;
  /** Plain words, for people. */
  message: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/**
 * A screen or window a screen layer captures, as the desktop app's capturer lists it: `id` as it gives it, and `name`
 * to find a window again once its id has changed (a new session), as OBS finds windows by title.
 */
export interface CaptureTarget {
  type: 'screen' | 'window';
  id: string;
  name: string;
}
/** One entry of the picker: a target with a small picture of it (a JPEG data URL; '' when there is none). */
export interface CaptureTargetOption extends CaptureTarget {
  thumbnail: string;
}

/** A capture target as saved in a scene (the scenes file) or chosen in the picker: an id and a name without control characters. */
export function isCaptureTarget(v: unknown): v is CaptureTarget {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  const text = (x: unknown, max: number, min: number) => typeof x === 'string' && x.length >= min && x.length <= max;
  return (t.type === 'screen' || t.type === 'window') && text(t.id, 256, 1) && !/[\u0000-\u001f\u007f]/.test(t.id as string) && text(t.name, 512, 0);
}

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
  /**
   * One JPEG frame of a source, grabbed by main with ffmpeg while not live. While live, the latest frame of the
   * program (what is being sent; see the 'broadcast:preview' event) instead: the source is the broadcast's.
   */
  'preview:snapshot': { req: { source: SourceSpec }; res: { dataUrl: string } };
  'broadcast:start': { req: { settings: StudioSettings }; res: BroadcastStatus };
  'broadcast:stop': { req: Record<string, never>; res: BroadcastStatus };
  'broadcast:status': { req: Record<string, never>; res: BroadcastStatus };
  /**
   * Starts recording (the Record button, StartRecord): to `path` (its first free sibling), else to the Videos folder as
   * "Onair <date> <time>.mkv". While a broadcast runs, from its encode (either mode). With no stream, a recording
   * alone: the window sends the `settings` its encoders are about to run with (engine mode), then starts them; a Go
   * Live later joins it and a Stop leaves it running. Refused in words without engine `settings` when not live, or
   * when recording already. The status names the file.
   */
  'recording:start': { req: { path?: string; settings?: StudioSettings }; res: BroadcastStatus };
  /** Stops the recording; a stream goes on. Answers once the files are finished. */
  'recording:stop': { req: Record<string, never>; res: BroadcastStatus };
  /** The Studio's invite link (see StudioInvite): reused while valid, else a new bounded one (STUDIO_INVITE). */
  'invite:link': { req: Record<string, never>; res: StudioInvite };
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
   * The live stream's dashboard through main: the server's GET /api/me/streams/:id/metrics answer as it came (its
   * type, StreamMetrics, lives with the server's API types, which this file may not import); null while not live.
   */
  'channel:liveMetrics': { req: Record<string, never>; res: unknown };
  /**
   * The channel's live HLS master as viewers get it, for the Studio's monitor. On a channel that is not public it
   * carries a media token in `?t=` (this channel only, 6 h, worth what the owner's access is worth): what every
   * player of a private channel holds. Never the account token.
   */
  'monitor:source': { req: Record<string, never>; res: { hlsUrl: string } };
  /** Extra destinations (multistream): the list, add or change one (no id: add; no key: keep it), remove one. */
  'destinations:list': { req: Record<string, never>; res: StudioDestination[] };
  'destinations:save': { req: { id?: string; name: string; url: string; key?: string; enabled: boolean }; res: StudioDestination[] };
  'destinations:remove': { req: { id: string }; res: StudioDestination[] };
  /** Where the vertical output goes (main keeps the other server's key, encrypted); changing it is refused while live. */
  'vertical:destination': { req: Record<string, never>; res: VerticalDestination };
  'vertical:setDestination': { req: VerticalDestinationChange; res: VerticalDestination };
  /** The remote control's settings and state; set them (an empty password gets a generated one). */
  'control:get': { req: Record<string, never>; res: ControlInfo };
  'control:set': { req: { enabled: boolean; port: number; password: string }; res: ControlInfo };
  /** The window's answer to a 'control:request' (obs-websocket's status code, a comment, response data). */
  'control:reply': { req: { id: number; code: number; comment?: string; data?: Record<string, unknown> }; res: Record<string, never> };
  /** An event of the window's engine for control clients (obs-websocket's type, subscription bit, data). */
  'control:event': { req: { eventType: string; intent: number; data?: Record<string, unknown> }; res: Record<string, never> };
  /**
   * The Studio's scenes as last saved (versioned JSON text, read by renderer/studio/engine/scene/json.ts), kept by
   * main in the app's data folder; null when none were saved yet (a first run).
   */
  'scenes:load': { req: Record<string, never>; res: { json: string | null } };
  /** Saves the scenes (versioned JSON text, at most LIMITS.scenesJson characters), replacing what was saved. */
  'scenes:save': { req: { json: string }; res: { saved: true } };
  /**
   * The screens and windows a screen layer may capture, for the picker; empty where the host has no list (in a
   * browser, the browser's own picker asks when the layer starts).
   */
  'capture:targets': { req: Record<string, never>; res: { targets: CaptureTargetOption[] } };
  /** What the window's next getDisplayMedia captures (a screen layer opening); null: the first screen. */
  'capture:choose': { req: { target: CaptureTarget | null }; res: Record<string, never> };
}

export type InvokeChannel = keyof InvokeMap;
export type InvokeRequest<C extends InvokeChannel> = InvokeMap[C]['req'];
export type InvokeReply<C extends InvokeChannel> = InvokeMap[C]['res'];

/** Events main sends to the window. */
export interface EventMap {
  'broadcast:state': BroadcastState;
  'broadcast:health': BroadcastHealth;
  /** While a broadcast runs: the picture being sent, about twice a second. */
  'broadcast:preview': ProgramFrame;
  'session:changed': SessionInfo;
  /** While a broadcast with extra destinations runs: each one's state, once a second (idle once it ends). */
  'broadcast:destinations': DestinationStatus[];
  /** The vertical output's state (a broadcast with one), as it changes; `idle` when a broadcast starts without one. */
  'broadcast:vertical': BroadcastState;
  /** The local recording's state as it changes (which file, stopped, failed and why); null when a broadcast starts without one. */
  'broadcast:recording': RecordingStatus | null;
  /** The vertical output's destination, when it changed (the window's switch or a remote control). */
  'vertical:destination': VerticalDestination;
  /** A remote control client's request for the window's engine (scenes, inputs, mixer, going live). */
  'control:request': ControlRequest;
  /**
   * Every 50 ms while a control client subscribed to InputVolumeMeters (never otherwise): the window answers with
   * that event ('control:event'), from its mixer's meters.
   */
  'control:meters': Record<string, never>;
}
export type EventName = keyof EventMap;

/** What the preload exposes as `window.onair` (and the dev bridge's browser client implements). */
export interface OnairApi {
  invoke<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<IpcResult<InvokeReply<C>>>;
  /** Returns an unsubscribe function. */
  on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void): () => void;
  /**
   * Desktop app only: asks the preload for the media channel of the engine mode. The preload hands main one end
   * of a MessageChannel and posts the other to this window as a `message` event whose data is MEDIA_PORT_MESSAGE
   * (contextBridge cannot pass a MessagePort itself). The dev bridge has none: the page uses MEDIA_SOCKET_PATH.
   */
  openMediaPort?(): void;
  /**
   * Desktop app only: a phone or web page layer's feed (electron/source-feed.ts). As openMediaPort, but main sends
   * on the port: the window gets the page's end as a `message` event whose data is `FEED_PORT_MESSAGE:nonce`. The
   * dev bridge has none: the page reads SOURCE_FEED_PATH.
   */
  openFeedPort?(request: FeedRequest, nonce: string): void;
}

/** The ipc channel (after IPC_PREFIX) on which the preload hands main its end of the media port. */
export const MEDIA_PORT_CHANNEL = 'media-port';
/** The window message that carries the engine's media port (electron/preload). */
export const MEDIA_PORT_MESSAGE = 'onair:media-port';
/** The dev bridge's WebSocket for the engine's media chunks (binary frames, electron/media-chunk.ts). */
export const MEDIA_SOCKET_PATH = '/bridge/media';

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
  /** The scenes file (images are referenced by URL, not embedded). */
  scenesJson: 256 * 1024,
} as const;

/** The bounds of the invite the Studio makes: a week, 50 uses (a link posted to friends, not to the world). */
export const STUDIO_INVITE = { expiresInSeconds: 7 * 24 * 60 * 60, maxUses: 50 } as const;

// ---------------------------------------------------------------- events and keys (the request guards: ipc-guards.ts)

export const EVENT_NAMES: readonly EventName[] = [
  'broadcast:state',
  'broadcast:health',
  'broadcast:preview',
  'broadcast:destinations',
  'broadcast:vertical',
  'broadcast:recording',
  'vertical:destination',
  'session:changed',
  'control:request',
  'control:meters',
];

export function isEventName(v: unknown): v is EventName {
  return typeof v === 'string' && (EVENT_NAMES as readonly string[]).includes(v);
}

/** `abcd••••••••wxyz`: enough to recognise a key, not enough to use it. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '•'.repeat(Math.max(4, key.length));
  return `${key.slice(0, 4)}${'•'.repeat(8)}${key.slice(-4)}`;
}
