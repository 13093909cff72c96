// Turns media frames back into an FLV byte stream (their tag bodies, untouched), for ffmpeg children that need
// decoding (the ABR ladder). Pure.
import type { MediaFrame } from './frame.js';

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
export function flvTag(frame: MediaFrame, timestampOffset = 0): Buffer[] {
  const size = frame.tag.length;
  const ts = Math.max(0, Math.round(frame.dts - timestampOffset));
  const head = Buffer.alloc(11);
  head[0] = TAG_TYPE[frame.track];
  head.writeUIntBE(size, 1, 3);
  head.writeUIntBE(ts & 0xffffff, 4, 3);
  head[7] = (ts >>> 24) & 0xff;
  head.writeUIntBE(0, 8, 3);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(size + 11, 0);
  return [head, frame.tag, tail];
}
