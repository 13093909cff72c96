// Read an FLV file into the media frames the RTMP edge would hand over (tag bodies as subarrays of the file).
// Used by tests to replay a recording into the packager.

import { readFile } from 'node:fs/promises';
import { parseTag } from './flv.js';
import type { MediaFrame } from './frame.js';

/** Iterate over the tags of an FLV file held in memory. Stops quietly at a truncated tag. */
export function* parseFlvFile(buf: Buffer): Generator<MediaFrame> {
  if (buf.length < 9 || buf.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV file');
  let p = buf.readUInt32BE(5) + 4; // header, then PreviousTagSize0
  while (p + 11 <= buf.length) {
    const type = buf[p] & 0x1f;
    const size = buf.readUIntBE(p + 1, 3);
    const timestamp = (buf.readUIntBE(p + 4, 3) | (buf[p + 7] << 24)) >>> 0;
    const body = p + 11;
    if (body + size > buf.length) return;
    const payload = buf.subarray(body, body + size);
    if (type === 8) yield parseTag('audio', timestamp, payload);
    else if (type === 9) yield parseTag('video', timestamp, payload);
    else if (type === 18) yield parseTag('data', timestamp, payload);
    p = body + size + 4;
  }
}

export async function readFlvFile(path: string): Promise<MediaFrame[]> {
  return [...parseFlvFile(await readFile(path))];
}
