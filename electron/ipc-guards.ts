// The guard of every channel of the Studio's IPC contract (ipc-contract.ts): what main and the dev bridge check each
// request with before anything acts on it, and what the preload allow-lists. Pure functions only: no Node, no
// Electron, no DOM.
import { isStudioFrameRate, MICROPHONE_APIS, PIP_POSITIONS, PIP_SIZE, PRESETS, type PictureInPicture, type SourceSpec } from './broadcast/types.js';
import {
  BROADCAST_MODES,
  LIMITS,
  VERTICAL_SIZES,
  isCaptureTarget,
  type InvokeChannel,
  type InvokeRequest,
  type IpcError,
  type StudioSettings,
  type VerticalOutputSettings,
} from './ipc-contract.js';

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

export const isPip: Guard<PictureInPicture> = (v): v is PictureInPicture =>
  shape(
    v,
    {
      camera: (x) => safeText(x, LIMITS.id),
      position: (x) => (PIP_POSITIONS as readonly unknown[]).includes(x),
      size: (x) => num(x, PIP_SIZE.min, PIP_SIZE.max),
    },
    ['camera', 'position', 'size'],
  );

const ENCODER_RE = /^[a-z0-9_]{2,32}$/;
/** A recording's file: a video container the Studio writes (args.ts recordFormat). */
const isRecordPath = (x: unknown): x is string => safeText(x, LIMITS.path) && /\.(mp4|mkv|flv|mov)$/i.test(x as string);
export const isStudioSettings: Guard<StudioSettings> = (v): v is StudioSettings =>
  shape(
    v,
    {
      source: isSourceSpec,
      preset: (x) => typeof x === 'string' && Object.hasOwn(PRESETS, x),
      encoder: (x) => typeof x === 'string' && ENCODER_RE.test(x),
      bitrateKbps: (x) => int(x, LIMITS.bitrateKbps.min, LIMITS.bitrateKbps.max),
      fps: isStudioFrameRate,
      keyframeSeconds: (x) => num(x, LIMITS.keyframeSeconds.min, LIMITS.keyframeSeconds.max),
      pip: isPip,
      recordPath: isRecordPath,
      microphone: (x) => safeText(x, LIMITS.id),
      microphoneApi: (x) => typeof x === 'string' && (MICROPHONE_APIS as readonly string[]).includes(x),
      systemAudio: (x) => typeof x === 'boolean',
      mode: (x) => typeof x === 'string' && (BROADCAST_MODES as readonly string[]).includes(x),
      vertical: (x) =>
        shape(
          x,
          {
            width: (w) => VERTICAL_SIZES.some((z) => z.width === w && z.height === (x as VerticalOutputSettings).height),
            height: (h) => typeof h === 'number',
            bitrateKbps: (b) => int(b, LIMITS.bitrateKbps.min, LIMITS.bitrateKbps.max),
          },
          ['width', 'height', 'bitrateKbps'],
        ),
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
  'recording:start': (v): v is InvokeRequest<'recording:start'> =>
    v === undefined || v === null || shape(v, { path: isRecordPath, settings: isStudioSettings }),
  'recording:stop': empty,
  'invite:link': empty,
  'phone:setup': empty,
  'chat:endpoint': empty,
  'channel:serverView': empty,
  'channel:liveMetrics': empty,
  'monitor:source': empty,
  'destinations:list': empty,
  'destinations:save': (v): v is InvokeRequest<'destinations:save'> =>
    shape(
      v,
      {
        id: (x) => safeText(x, LIMITS.id),
        name: (x) => safeText(x, 100),
        url: isRtmpUrl,
        key: (x) => safeText(x, LIMITS.streamKey),
        enabled: (x) => typeof x === 'boolean',
      },
      ['name', 'url', 'enabled'],
    ),
  'destinations:remove': (v): v is InvokeRequest<'destinations:remove'> => shape(v, { id: (x) => safeText(x, LIMITS.id) }, ['id']),
  'vertical:destination': empty,
  // Loose on the text: main checks the URL and key with the rules of the multistream destinations and says what is wrong.
  'vertical:setDestination': (v): v is InvokeRequest<'vertical:setDestination'> =>
    shape(
      v,
      {
        use: (x) => x === 'channel' || x === 'rtmp',
        url: (x) => str(x, LIMITS.url, 0),
        key: (x) => str(x, LIMITS.streamKey, 0),
      },
      ['use'],
    ),
  'control:get': empty,
  'control:set': (v): v is InvokeRequest<'control:set'> =>
    shape(
      v,
      {
        enabled: (x) => typeof x === 'boolean',
        port: (x) => int(x, 1024, 65535),
        password: (x) => typeof x === 'string' && x.length <= 128 && !/[\u0000-\u001f]/.test(x),
      },
      ['enabled', 'port', 'password'],
    ),
  'control:reply': (v): v is InvokeRequest<'control:reply'> =>
    shape(v, { id: (x) => int(x, 1, Number.MAX_SAFE_INTEGER), code: (x) => int(x, 0, 999), comment: (x) => str(x, 1000, 0), data: isObj }, [
      'id',
      'code',
    ]),
  'control:event': (v): v is InvokeRequest<'control:event'> =>
    shape(v, { eventType: (x) => safeText(x, 100), intent: (x) => int(x, 1, 1 << 20), data: isObj }, ['eventType', 'intent']),
  'scenes:load': empty,
  'scenes:save': (v): v is InvokeRequest<'scenes:save'> => shape(v, { json: (x) => str(x, LIMITS.scenesJson, 2) }, ['json']),
  'capture:targets': empty,
  'capture:choose': (v): v is InvokeRequest<'capture:choose'> => shape(v, { target: (x) => x === null || isCaptureTarget(x) }, ['target']),
};

export const INVOKE_CHANNELS = Object.keys(REQUEST_GUARDS) as InvokeChannel[];

export function isInvokeChannel(v: unknown): v is InvokeChannel {
  return typeof v === 'string' && Object.hasOwn(REQUEST_GUARDS, v);
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
