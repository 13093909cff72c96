// The feeds main sends a layer's source on, for what the window cannot open itself: an Android phone's screen (adb
// screenrecord, H.264, cut by main into access units and sent as the engine's own media chunks: electron/media-chunk.ts,
// `video-config` with the avcC, `video-key` / `video-delta` one access unit as AVCC) and a web page rendered
// offscreen (each picture one JPEG), with small state events in between. The desktop app carries a feed's messages on
// a MessagePort the preload opens (FEED_PORT_*); the dev bridge, which has no port, streams them in one HTTP response
// (SOURCE_FEED_PATH), each framed as below. Pure: no Node, no DOM.
//
//   frame: u32 length of what follows (big-endian), u8 tag (0: event as UTF-8 JSON, 1: bytes), payload

/** The dev bridge's streamed response: `GET /bridge/feed?request=<FeedRequest as JSON>` with `x-onair-bridge: 1`. */
export const SOURCE_FEED_PATH = '/bridge/feed';
/** The ipc channel (after IPC_PREFIX) on which the preload hands main its end of a feed's port. */
export const FEED_PORT_CHANNEL = 'feed-port';
/** The window message that carries a feed's port: this, a colon and the nonce the page asked with. */
export const FEED_PORT_MESSAGE = 'onair:feed-port';

/** A web page's size in CSS pixels, as OBS's browser source takes it. */
export const WEB_PAGE_SIZE = { min: 16, max: 3840 } as const;

export type FeedRequest =
  /** `serial` as `adb devices` lists it, or '' for the one phone connected. */
  | { kind: 'phone'; serial: string }
  /** An http(s) page, rendered at width x height. */
  | { kind: 'web'; url: string; width: number; height: number };

export const FEED_STATES = ['starting', 'live', 'reconnecting', 'failed'] as const;
export type FeedState = (typeof FEED_STATES)[number];

export type FeedEvent =
  /** `reason` in plain words for `reconnecting` and `failed` (adb missing, no phone, a page that did not load). */
  | { type: 'state'; state: FeedState; reason?: string }
  /** A phone's picture codec, read from the SPS by main; the `video-config` chunk with the avcC comes right after it. */
  | { type: 'video'; codec: string; width: number; height: number };

/** An event, or bytes: a media chunk message (phone) or a JPEG picture (web page). */
export type FeedMessage = FeedEvent | Uint8Array;

/** A serial as adb prints it (`R58M…`, `emulator-5554`, `192.168.1.5:5555`), or '' for "the one phone connected". */
export function isPhoneSerial(v: unknown): v is string {
  return typeof v === 'string' && (v === '' || /^[\w.:-]{1,128}$/.test(v));
}

/** An http or https address (no file:, data: or javascript:: a layer shows a page, never reads this machine). */
export function isWebPageUrl(v: unknown): v is string {
  if (typeof v !== 'string' || v.length > 2048) return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function isWebPageSize(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= WEB_PAGE_SIZE.min && (v as number) <= WEB_PAGE_SIZE.max;
}

export function isFeedRequest(v: unknown): v is FeedRequest {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  if (r.kind === 'phone') return isPhoneSerial(r.serial);
  if (r.kind === 'web') return isWebPageUrl(r.url) && isWebPageSize(r.width) && isWebPageSize(r.height);
  return false;
}

export function isFeedEvent(v: unknown): v is FeedEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  if (e.type === 'state') return (FEED_STATES as readonly unknown[]).includes(e.state) && (e.reason === undefined || typeof e.reason === 'string');
  if (e.type === 'video')
    return typeof e.codec === 'string' && /^avc1\.[0-9a-f]{6}$/i.test(e.codec) && Number.isInteger(e.width) && Number.isInteger(e.height);
  return false;
}

/** A frame of the dev bridge's stream. */
export function encodeFeedFrame(m: FeedMessage): Uint8Array {
  const bytes = m instanceof Uint8Array;
  const payload = bytes ? m : new TextEncoder().encode(JSON.stringify(m));
  const out = new Uint8Array(5 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, payload.byteLength + 1);
  out[4] = bytes ? 1 : 0;
  out.set(payload, 5);
  return out;
}

/** A frame bigger than this is not ours: the stream is broken. */
const MAX_FRAME = 16 * 1024 * 1024;

/** Reads the dev bridge's stream back, whatever pieces it arrives in. Throws on a stream that is not one. */
export class FeedFrameReader {
  private buf = new Uint8Array(0);

  push(bytes: Uint8Array): FeedMessage[] {
    const joined = new Uint8Array(this.buf.byteLength + bytes.byteLength);
    joined.set(this.buf);
    joined.set(bytes, this.buf.byteLength);
    const out: FeedMessage[] = [];
    let p = 0;
    while (joined.byteLength - p >= 5) {
      const len = new DataView(joined.buffer, p).getUint32(0);
      if (len < 1 || len > MAX_FRAME) throw new Error('The feed is not a stream of frames.');
      if (joined.byteLength - p - 4 < len) break;
      const payload = joined.subarray(p + 5, p + 4 + len);
      if (joined[p + 4] === 1) out.push(payload.slice());
      else {
        const e: unknown = JSON.parse(new TextDecoder().decode(payload));
        if (!isFeedEvent(e)) throw new Error('The feed sent an event that is not one.');
        out.push(e);
      }
      p += 4 + len;
    }
    this.buf = joined.slice(p);
    return out;
  }
}
