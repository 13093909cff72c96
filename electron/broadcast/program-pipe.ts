// One ffmpeg run's program pipe (args.ts programFd): the packets that go on air, as FLV, read once and handed on frame
// by frame to the recording and the extra destinations. Its metadata and configs are kept for a recording that starts
// later in the run, and its bytes are what the stream sends (the tee muxer reports no size). Always read: ffmpeg stops
// encoding once a pipe nobody reads is full.
import type { Readable } from 'node:stream';
import { FlvStreamReader } from '../../server/media/flv-file.js';
import type { MediaFrame } from '../../server/media/frame.js';

export class ProgramPipe {
  /** The run's latest metadata and configs (one of each kind and track), in the order they came. */
  readonly heads: MediaFrame[] = [];
  bytes = 0;

  constructor(pipe: Readable, onFrame: (f: MediaFrame) => void) {
    const reader = new FlvStreamReader((f) => {
      if (f.kind === 'meta' || f.kind === 'config') {
        const i = this.heads.findIndex((h) => h.kind === f.kind && h.track === f.track);
        this.heads[i < 0 ? this.heads.length : i] = f;
      }
      onFrame(f);
    });
    let broken = false;
    pipe.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      if (broken) return;
      try {
        reader.push(chunk);
      } catch {
        broken = true; // not FLV: nothing to record or relay from this run, but still drained
      }
    });
    pipe.on('error', () => {});
  }
}
