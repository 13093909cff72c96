// FLV byte streams into the media frames the RTMP edge would hand over (tag bodies as subarrays of the bytes): whole
// files (tests replay recordings into the packager) and streams read as they arrive (the ABR ladder's ffmpeg
// outputs, FlvStreamReader).

import { readFile } from 'node:fs/promises';
import { parseTag } from './flv.js';
import type { MediaFrame } from './frame.js';

/** The tag at `p` as a frame and where the next tag starts, or undefined when the tag is not whole yet. */
function tagAt(buf: Buffer, p: number): { frame?: MediaFrame; next: number } | undefined {
  if (p + 11 > buf.length) return undefined;
  const type = buf[p] & 0x1f;
  const size = buf.readUIntBE(p + 1, 3);
  const timestamp = (buf.readUIntBE(p + 4, 3) | (buf[p + 7] << 24)) >>> 0;
  const body = p + 11;
  if (body + size + 4 > buf.length) return undefined;
  const payload = buf.subarray(body, body + size);
  const next = body + size + 4;
  if (type === 8) return { frame: parseTag('audio', timestamp, payload), next };
  if (type === 9) return { frame: parseTag('video', timestamp, payload), next };
  if (type === 18) return { frame: parseTag('data', timestamp, payload), next };
  return { next };
}

/** The offset of the first tag after an FLV header; throws when `buf` does not start like FLV. */
function firstTag(buf: Buffer): number {
  if (buf.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV stream');
  return buf.readUInt32BE(5) + 4; // header, then PreviousTagSize0
}

/** Iterate over the tags of an FLV file held in memory. Stops quietly at a truncated tag. */
export function* parseFlvFile(buf: Buffer): Generator<MediaFrame> {
  if (buf.length < 9) throw new Error('not an FLV file');
  let p = firstTag(buf);
  // A truncated last tag (no trailing PreviousTagSize) is still read.
  const padded = Buffer.concat([buf, Buffer.alloc(4)]);
  for (let t = tagAt(padded, p); t && t.next <= padded.length; t = tagAt(padded, p)) {
    if (t.frame) yield t.frame;
    p = t.next;
  }
}

export async function readFlvFile(path: string): Promise<MediaFrame[]> {
  return [...parseFlvFile(await readFile(path))];
}

/** An FLV byte stream read as it arrives: each whole tag becomes a frame, in order. */
export class FlvStreamReader {
  private pending: Buffer = Buffer.alloc(0);
  private started = false;

  constructor(private readonly onFrame: (frame: MediaFrame) => void) {}

  /** Bytes of the stream, in order; throws when the stream does not start with an FLV header. */
  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let p = 0;
    if (!this.started) {
      if (buf.length < 13) {
        this.pending = buf;
        return;
      }
      p = firstTag(buf);
      this.started = true;
    }
    // Bounded: each pass moves past one whole tag.
    for (let t = tagAt(buf, p); t; t = tagAt(buf, p)) {
      if (t.frame) this.onFrame(t.frame);
      p = t.next;
    }
    buf = buf.subarray(p);
    // Keep the partial tag in its own buffer, not a view pinning the whole chunk.
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }
}
