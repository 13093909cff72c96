// The engine mode's extra destinations: the window's encoded chunks as frames on the session's timeline, handed to
// the same fan-out the ffmpeg pipeline uses (fanout.ts: one restream pusher per destination, each reconnecting and
// dropping to a keyframe on its own). One encode in the window, so each destination costs an upload, no encoder.
import type { Logger } from 'pino';
import { aacConfigFrame, aacFrame, avcConfigFrame, avcFrame } from '../../server/media/flv-tags.js';
import { dataFrame } from '../../server/media/flv.js';
import type { MediaChunk } from '../media-chunk.js';
import { engineMetadata, type EngineSenderSettings } from './engine-sender.js';
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
    switch (c.kind) {
      case 'video-config':
        return this.fanout.frame(avcConfigFrame(dts, c.data));
      case 'audio-config':
        this.hasAudio = true;
        return this.fanout.frame(aacConfigFrame(dts, c.data));
      case 'video-key':
      case 'video-delta':
        // Metadata once the picture starts (the pushers keep it and send it first on every connection).
        if (!this.metaSent) {
          this.metaSent = true;
          this.fanout.frame(dataFrame(dts, engineMetadata(this.settings, this.hasAudio)));
        }
        return this.fanout.frame(avcFrame(dts, c.kind === 'video-key', c.data, Math.round(c.compositionUs / 1000)));
      default:
        return this.fanout.frame(aacFrame(dts, c.data));
    }
  }

  statuses(): DestinationStatus[] {
    return this.fanout.statuses();
  }

  stop(): void {
    this.fanout.stop();
  }
}
