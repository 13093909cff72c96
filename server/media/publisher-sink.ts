// What a publisher's frames do to its live stream: the MediaSink the RTMP and SRT sessions write into. Counts, the
// codec configs and metadata kept for outputs that join later, the restream taps, the keyframe meter, the packager and
// the ABR ladder, in that order; and what the publisher's end means (at once, or after the grace period).
import type { MediaConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { MediaSink } from '../rtmp/types.js';
import type { MediaFrame } from './frame.js';
import type { LiveStream } from './live-stream.js';
import { mediaSlabs } from './media-slabs.js';

export interface PublisherSinkSide {
  media: MediaConfig;
  logger: Logger;
  /** True while this sink's publisher is the stream's current one. */
  isCurrent(): boolean;
  /** A frame for the ABR ladder's encoder. */
  abrFrame(frame: MediaFrame): void;
  packagerFailed(err: Error): void;
  /** Ends the stream (ENDLIST, the replay). */
  finish(reason: string): void;
}

export function publisherSink(stream: LiveStream, side: PublisherSinkSide): MediaSink {
  const { media, logger } = side;
  const batchable = !media.abr && !media.lowLatency;
  return {
    // The packager needs inter frames only at the next keyframe, unless it cuts parts; the ABR ladder's encoder
    // and restream destinations want them as they come.
    get batchable() {
      return batchable && stream.taps.size === 0;
    },
    write: (frame: MediaFrame) => {
      if (!side.isCurrent()) return;
      stream.bytesIn += frame.tag.length;
      if (frame.track === 'video' && (frame.kind === 'key' || frame.kind === 'inter')) stream.videoFrames++;
      if (frame.kind === 'config' && frame.codec !== '') {
        mediaSlabs.pin(frame.tag); // kept for outputs that join later
        stream.sequenceHeaders = [...stream.sequenceHeaders.filter((h) => h.track !== frame.track), frame];
      }
      if (frame.kind === 'meta') {
        mediaSlabs.pin(frame.tag);
        stream.metadata = frame;
      }
      // Restream destinations and the ABR ladder's encoder write frames to sockets and pipes (media-slabs.ts).
      if (stream.taps.size > 0 || media.abr) mediaSlabs.pin(frame.tag);
      for (const tap of stream.taps) tap(frame);
      if (frame.track === 'video' && frame.kind === 'key') keyframeSeen(stream, frame.dts, media, logger);
      try {
        stream.packager.push(frame);
      } catch (err) {
        side.packagerFailed(err as Error);
      }
      side.abrFrame(frame);
    },
    keyframeStarting: (timestamp: number) => {
      if (!side.isCurrent()) return;
      try {
        stream.packager.keyframeStarting(timestamp);
      } catch (err) {
        side.packagerFailed(err as Error);
      }
    },
    end: (reason) => {
      if (!side.isCurrent()) return;
      const grace = media.gracePeriodSeconds;
      // An explicit stop (Stop Streaming in OBS) or a kick ends at once; a dropped connection may come back.
      if (reason === 'unpublish' || reason === 'kicked' || grace <= 0) {
        side.finish(reason);
        return;
      }
      stream.state = 'waiting';
      stream.publisherAddress = null;
      logger.info({ channel: stream.channel, streamId: stream.streamId, reason, graceSeconds: grace }, 'publisher lost; waiting');
      stream.graceTimer = setTimeout(() => side.finish('grace period over'), grace * 1000);
      stream.graceTimer.unref();
    },
  };
}

/** Meters the keyframe interval, and warns once per stream when it is far above the segment target. */
function keyframeSeen(stream: LiveStream, dts: number, media: MediaConfig, logger: Logger): void {
  stream.keyframes.keyframe(dts);
  if (stream.keyframeWarned || !stream.keyframes.warns) return;
  stream.keyframeWarned = true;
  const { maxIntervalSeconds } = stream.keyframes.summary();
  logger.warn(
    {
      channel: stream.channel,
      streamId: stream.streamId,
      keyframeIntervalSeconds: maxIntervalSeconds,
      segmentTargetSeconds: media.segmentSeconds,
    },
    'keyframe interval far above the segment target: segments get long (the streamer is shown the encoder setting to fix)',
  );
}
