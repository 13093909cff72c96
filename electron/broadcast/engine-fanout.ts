// The engine mode's extra destinations: the window's encoded chunks as frames on the session's timeline, handed to
// the same fan-out the ffmpeg pipeline uses (fanout.ts: one restream pusher per destination, each reconnecting and
// dropping to a keyframe on its own). One encode in the window, so each destination costs an upload, no encoder.
import type { Logger } from 'pino';
import { dataFrame } from '../../server/media/flv.js';
import type { MediaChunk } from '../media-chunk.js';
import { chunkFrame, engineMetadata, type EngineSenderSettings } from './engine-sender.js';
import { DestinationFanout } from './fanout.js';
import type { DestinationStatus, RestreamTarget } from './types.js';

export class EngineFanout {
  private readonly fanout: DestinationFanout;
  private hasAudio = false;
  private metaSent = false;

  constructor(
    targets: RestreamTarget[],
    private readonly settings: Pick<EngineSenderSettings, 'video' | 'audio'>,
    logger?: Logger,
  ) {
    this.fanout = new DestinationFanout(targets, logger);
  }

  push(c: MediaChunk): void {
    const dts = Math.round(c.timestampUs / 1000);
    if (c.kind === 'audio-config') this.hasAudio = true;
    // Metadata once the picture starts (the pushers keep it and send it first on every connection).
    if ((c.kind === 'video-key' || c.kind === 'video-delta') && !this.metaSent) {
      this.metaSent = true;
      this.fanout.frame(dataFrame(dts, engineMetadata(this.settings, this.hasAudio)));
    }
    let frame;
    try {
      frame = chunkFrame(c, dts);
    } catch {
      return; // a chunk the codec library refuses: the main sender says so and counts it; the thread goes on
    }
    this.fanout.frame(frame);
  }

  statuses(): DestinationStatus[] {
    return this.fanout.statuses();
  }

  stop(): void {
    this.fanout.stop();
  }
}
