// One accepted SRT publisher: the receiver's in-order payloads (MPEG-TS) into media frames (server/media/mpegts.ts),
// and the frames to the sink (the packager) and the relay channel (RTMP players, stats), as an RTMP publisher's
// would go. It appears in the relay as a publisher like any other, so kick, stats and RTMP players need nothing new.

import type { Logger } from '../log.js';
import type { MediaFrame } from '../media/frame.js';
import { TsFrameReader } from '../media/mpegts-frames.js';
import type { LiveChannel } from '../rtmp/relay.js';
import type { MediaSink } from '../rtmp/types.js';

export type PublisherEnd = 'unpublish' | 'disconnect' | 'kicked' | 'error';

export class SrtPublisher {
  private readonly reader: TsFrameReader;
  private sinkErrorLogged = false;
  private ended = false;
  frames = 0;

  constructor(private readonly o: { connectionId: string; channel: string; sink: MediaSink; live: LiveChannel; log: Logger }) {
    this.reader = new TsFrameReader((f) => this.deliver(f));
  }

  /** One SRT payload (whole TS packets, normally seven). */
  payload(b: Buffer): void {
    if (!this.ended) this.reader.push(b);
  }

  /** Packets were lost for good: what was being reassembled is dropped, video resumes at the next keyframe. */
  lost(): void {
    if (!this.ended) this.reader.discontinuity();
  }

  end(reason: PublisherEnd): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.o.sink.end(reason);
    } catch (e) {
      this.o.log.error({ connectionId: this.o.connectionId, err: (e as Error)?.message }, 'srt sink.end threw');
    }
  }

  private deliver(frame: MediaFrame): void {
    this.frames++;
    try {
      this.o.sink.write(frame);
    } catch (e) {
      if (!this.sinkErrorLogged) {
        this.sinkErrorLogged = true;
        this.o.log.error({ connectionId: this.o.connectionId, channel: this.o.channel, err: (e as Error)?.message }, 'srt sink.write threw');
      }
    }
    this.o.live.ingest(frame);
  }
}
