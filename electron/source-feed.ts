// The phone layer's feed from main to the window: an Android phone's screen (adb screenrecord, H.264) cut by main
// into access units and sent as the engine's own media chunks (electron/media-chunk.ts: `video-config` carries the
// avcC, `video-key` / `video-delta` one access unit as AVCC), with small state events in between. The desktop app
// carries these messages on a MessagePort the preload opens (PHONE_PORT_*); the dev bridge, which has no port, streams
// them in one HTTP response (PHONE_FEED_PATH), each framed as below. Pure: no Node, no DOM.
//
//   frame: u32 length of what follows (big-endian), u8 tag (0: event as UTF-8 JSON, 1: media chunk), payload

/** The dev bridge's streamed response: `GET /bridge/phone?serial=…` with `x-onair-bridge: 1`. */
export const PHONE_FEED_PATH = '/bridge/phone';
/** The ipc channel (after IPC_PREFIX) on which the preload hands main its end of a phone feed's port. */
export const PHONE_PORT_CHANNEL = 'phone-port';
/** The window message that carries a phone feed's port: this, a colon and the nonce the page asked with. */
export const PHONE_PORT_MESSAGE = 'onair:phone-port';

export const PHONE_STATES = ['starting', 'live', 'reconnecting', 'failed'] as const;
export type PhoneState = (typeof PHONE_STATES)[number];

export type PhoneFeedEvent =
  /** `reason` in plain words for `reconnecting` and `failed` (adb missing, no phone, not allowed on the phone). */
  | { type: 'state'; state: PhoneState; reason?: string }
  /** The picture's codec, read from the SPS by main; the `video-config` chunk with the avcC comes right after it. */
  | { type: 'video'; codec: string; width: number; height: number };

/** An event, or a media chunk message (electron/media-chunk.ts) as bytes. */
export type PhoneFeedMessage = PhoneFeedEvent | Uint8Array;

/** A serial as adb prints it (`R58M…`, `emulator-5554`, `192.168.1.5:5555`), or '' for "the one phone connected". */
export function isPhoneSerial(v: unknown): v is string {
  return typeof v === 'string' && (v === '' || /^[\w.:-]{1,128}$/.test(v));
}

export function isPhoneFeedEvent(v: unknown): v is PhoneFeedEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  if (e.type === 'state') return (PHONE_STATES as readonly unknown[]).includes(e.state) && (e.reason === undefined || typeof e.reason === 'string');
  if (e.type === 'video')
    return typeof e.codec === 'string' && /^avc1\.[0-9a-f]{6}$/i.test(e.codec) && Number.isInteger(e.width) && Number.isInteger(e.height);
  return false;
}

/** A frame of the dev bridge's stream. */
export function encodePhoneFrame(m: PhoneFeedMessage): Uint8Array {
  const media = m instanceof Uint8Array;
  const payload = media ? m : new TextEncoder().encode(JSON.stringify(m));
  const out = new Uint8Array(5 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, payload.byteLength + 1);
  out[4] = media ? 1 : 0;
  out.set(payload, 5);
  return out;
}

/** A frame bigger than this is not ours: the stream is broken. */
const MAX_FRAME = 16 * 1024 * 1024;

/** Reads the dev bridge's stream back, whatever pieces it arrives in. Throws on a stream that is not one. */
export class PhoneFrameReader {
  private buf = new Uint8Array(0);

  push(bytes: Uint8Array): PhoneFeedMessage[] {
    const joined = new Uint8Array(this.buf.byteLength + bytes.byteLength);
    joined.set(this.buf);
    joined.set(bytes, this.buf.byteLength);
    const out: PhoneFeedMessage[] = [];
    let p = 0;
    while (joined.byteLength - p >= 5) {
      const len = new DataView(joined.buffer, p).getUint32(0);
      if (len < 1 || len > MAX_FRAME) throw new Error('The phone feed is not a stream of frames.');
      if (joined.byteLength - p - 4 < len) break;
      const payload = joined.subarray(p + 5, p + 4 + len);
      if (joined[p + 4] === 1) out.push(payload.slice());
      else {
        const e: unknown = JSON.parse(new TextDecoder().decode(payload));
        if (!isPhoneFeedEvent(e)) throw new Error('The phone feed sent an event that is not one.');
        out.push(e);
      }
      p += 4 + len;
    }
    this.buf = joined.slice(p);
    return out;
  }
}
