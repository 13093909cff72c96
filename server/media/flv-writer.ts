// Turns RTMP media messages back into an FLV byte stream, for ffmpeg children that need decoding (the ABR
// ladder). Pure.
import type { MediaMessage } from '../rtmp/types.js';

const TAG_TYPE = { audio: 8, video: 9, data: 18 } as const;

export function flvHeader(hasAudio = true, hasVideo = true): Buffer {
  const b = Buffer.alloc(13);
  b.write('FLV', 0, 'latin1');
  b[3] = 1;
  b[4] = (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0);
  b.writeUInt32BE(9, 5);
  b.writeUInt32BE(0, 9); // PreviousTagSize0
  return b;
}

/** One FLV tag plus its trailing PreviousTagSize, as two buffers (header, payload is shared not copied). */
export function flvTag(msg: MediaMessage, timestampOffset = 0): Buffer[] {
  const size = msg.payload.length;
  const ts = Math.max(0, Math.round(msg.timestamp - timestampOffset));
  const head = Buffer.alloc(11);
  head[0] = TAG_TYPE[msg.type];
  head.writeUIntBE(size, 1, 3);
  head.writeUIntBE(ts & 0xffffff, 4, 3);
  head[7] = (ts >>> 24) & 0xff;
  head.writeUIntBE(0, 8, 3);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(size + 11, 0);
  return [head, msg.payload, tail];
}

/** Sequence headers must reach a decoder before any frame. */
export function isSequenceHeader(msg: MediaMessage): boolean {
  const p = msg.payload;
  if (p.length < 2) return false;
  if (msg.type === 'audio') return p[0] >> 4 === 10 && p[1] === 0;
  if (msg.type === 'video') {
    if (p[0] & 0x80) return (p[0] & 0x0f) === 0; // Enhanced RTMP PacketTypeSequenceStart
    return ((p[0] & 0x0f) === 7 || (p[0] & 0x0f) === 12) && p[1] === 0;
  }
  return false;
}

export function isKeyframe(msg: MediaMessage): boolean {
  return msg.type === 'video' && msg.payload.length > 0 && ((msg.payload[0] >> 4) & 0x07) === 1 && !isSequenceHeader(msg);
}
