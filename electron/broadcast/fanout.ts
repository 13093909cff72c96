// Extra destinations of one broadcast (Twitch, YouTube, another Onair): ffmpeg writes the encoded stream once more
// as FLV on a pipe (or the engine's sender hands over the frames it builds from the window's chunks), and each
// destination gets those same packets on an RTMP connection of its own, through the
// restream pusher the server uses (server/restream/pusher.ts): reconnects with growing pauses, a refusal reported in
// the destination's own words, and a slow destination dropped to the next keyframe instead of holding anything up.
// The pushers outlive ffmpeg's restarts (the Onair connection's reconnects): each run's pipe is read anew.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { silentLogger } from '../../server/log.js';
import { FlvStreamReader } from '../../server/media/flv-file.js';
import type { MediaFrame } from '../../server/media/frame.js';
import { DestinationPusher, PUSHER_LIMITS } from '../../server/restream/pusher.js';
import type { DestinationStatus, RestreamTarget } from './types.js';

/** A streamer's own destinations may be on their network (a local server, a LAN box): unlike the server's, allowed. */
const STUDIO_PUSHER_LIMITS = { ...PUSHER_LIMITS, allowPrivateAddresses: true };

export class DestinationFanout {
  private readonly pushers: { target: RestreamTarget; pusher: DestinationPusher }[];

  constructor(targets: RestreamTarget[], logger?: Logger) {
    const log = logger ?? silentLogger();
    this.pushers = targets.map((target) => ({
      target,
      pusher: new DestinationPusher({ url: target.url, key: target.key }, log.child({ destination: target.name }), [], STUDIO_PUSHER_LIMITS),
    }));
  }

  /** One frame to every destination (the engine's sender builds its frames from the window's chunks). */
  frame(f: MediaFrame): void {
    for (const { pusher } of this.pushers) pusher.frame(f);
  }

  /** One ffmpeg run's FLV pipe: every frame to every destination, in order. A pipe that is not FLV is dropped. */
  read(pipe: Readable): void {
    const reader = new FlvStreamReader((frame) => this.frame(frame));
    let broken = false;
    pipe.on('data', (chunk: Buffer) => {
      if (broken) return;
      try {
        reader.push(chunk);
      } catch {
        broken = true; // keep draining: ffmpeg stops encoding once a pipe nobody reads is full
      }
    });
    pipe.on('error', () => {});
  }

  statuses(): DestinationStatus[] {
    return this.pushers.map(({ target, pusher }) => {
      const s = pusher.snapshot();
      return { id: target.id, name: target.name, state: s.state, reason: s.reason, bitrateKbps: s.bitrateKbps, droppedFrames: s.droppedFrames };
    });
  }

  stop(): void {
    for (const { pusher } of this.pushers) pusher.stop();
  }
}
