// The one message format for encoded media going from the Studio's engine (renderer) to the sender (main side):
// each message is one ArrayBuffer, a fixed 16-byte header and the payload, so it crosses a MessagePort as a
// transferable or a WebSocket as one binary frame without copies or JSON. Pure: no Node, no DOM.
//
//   0  u8   version (1)
//   1  u8   kind (MEDIA_KINDS)
//   2  u8   output (MEDIA_OUTPUTS): which picture's encode a video chunk belongs to; audio is the main output's,
//           shared by every output (one AAC encode)
//   3  u8   reserved (0)
//   4  f64  timestamp, microseconds on the session clock (may be negative for the first audio, see priming)
//   12 i32  composition offset, microseconds (video; 0 when frames are not reordered)
//   16 ...  payload: avcC record, H.264 access unit as AVCC (length-prefixed NAL units), AudioSpecificConfig, raw AAC

export const MEDIA_CHUNK_VERSION = 1;
export const MEDIA_CHUNK_HEADER = 16;
/** A 1080p keyframe at 50 Mb/s stays well under this; anything bigger is not ours. */
export const MEDIA_CHUNK_MAX_PAYLOAD = 8 * 1024 * 1024;

export const MEDIA_KINDS = ['video-config', 'video-key', 'video-delta', 'audio-config', 'audio-frame'] as const;
export type MediaChunkKind = (typeof MEDIA_KINDS)[number];
/** `main`: the horizontal canvas (and the one audio track); `vertical`: the vertical canvas's own video encode. */
export const MEDIA_OUTPUTS = ['main', 'vertical'] as const;
export type MediaOutput = (typeof MEDIA_OUTPUTS)[number];

export interface MediaChunk {
  kind: MediaChunkKind;
  timestampUs: number;
  compositionUs: number;
  data: Uint8Array;
  /** `main` when absent. */
  output?: MediaOutput;
}

/** One message: a fresh ArrayBuffer holding header and payload (the caller may transfer it). */
export function encodeMediaChunk(c: MediaChunk): ArrayBuffer {
  if (!Number.isFinite(c.timestampUs)) throw new RangeError('A media chunk needs a finite timestamp.');
  if (!Number.isInteger(c.compositionUs) || Math.abs(c.compositionUs) > 0x7fffffff) throw new RangeError('Composition offset out of range.');
  if (c.data.byteLength > MEDIA_CHUNK_MAX_PAYLOAD) throw new RangeError(`A media chunk of ${c.data.byteLength} bytes is too large.`);
  const buf = new ArrayBuffer(MEDIA_CHUNK_HEADER + c.data.byteLength);
  const v = new DataView(buf);
  v.setUint8(0, MEDIA_CHUNK_VERSION);
  v.setUint8(1, MEDIA_KINDS.indexOf(c.kind));
  v.setUint8(2, MEDIA_OUTPUTS.indexOf(c.output ?? 'main'));
  v.setUint8(3, 0);
  v.setFloat64(4, c.timestampUs);
  v.setInt32(12, c.compositionUs);
  new Uint8Array(buf, MEDIA_CHUNK_HEADER).set(c.data);
  return buf;
}

/** The message back, or an Error saying what is wrong with it (never throws). `data` is a view, not a copy. */
export function decodeMediaChunk(msg: ArrayBuffer | ArrayBufferView): MediaChunk | Error {
  const bytes = msg instanceof ArrayBuffer ? new Uint8Array(msg) : new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
  if (bytes.byteLength < MEDIA_CHUNK_HEADER) return new Error(`A media chunk needs ${MEDIA_CHUNK_HEADER} header bytes; got ${bytes.byteLength}.`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint8(0) !== MEDIA_CHUNK_VERSION) return new Error(`Media chunk version ${v.getUint8(0)} is not ${MEDIA_CHUNK_VERSION}.`);
  const kind = MEDIA_KINDS[v.getUint8(1)];
  if (!kind) return new Error(`Unknown media chunk kind ${v.getUint8(1)}.`);
  const output = MEDIA_OUTPUTS[v.getUint8(2)];
  if (!output) return new Error(`Unknown media chunk output ${v.getUint8(2)}.`);
  const timestampUs = v.getFloat64(4);
  if (!Number.isFinite(timestampUs)) return new Error('A media chunk timestamp is not a number.');
  const data = bytes.subarray(MEDIA_CHUNK_HEADER);
  if (data.byteLength > MEDIA_CHUNK_MAX_PAYLOAD) return new Error(`A media chunk of ${data.byteLength} bytes is too large.`);
  if (data.byteLength === 0) return new Error('A media chunk has no payload.');
  return { kind, timestampUs, compositionUs: v.getInt32(12), data, output };
}

/**
 * For a config message (an avcC or an AudioSpecificConfig), which output and track it sets, as one number; null for
 * any other message. Reads the header only: main keeps the latest config of each to replay to a sender that starts
 * while the encoders already run.
 */
export function mediaConfigSlot(msg: Uint8Array): number | null {
  if (msg.byteLength <= MEDIA_CHUNK_HEADER || msg[0] !== MEDIA_CHUNK_VERSION) return null;
  const kind = MEDIA_KINDS[msg[1]!];
  if (kind !== 'video-config' && kind !== 'audio-config') return null;
  return msg[1]! * MEDIA_OUTPUTS.length + msg[2]!;
}
