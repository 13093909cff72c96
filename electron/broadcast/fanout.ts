// Extra destinations of one broadcast (Twitch, YouTube, another Onair): the frames of the program (read from
// ffmpeg's program pipe by the broadcast, or built by the engine's sender from the window's chunks), and each
// destination gets those same packets on an RTMP connection of its own, through the
// restream pusher the server uses (server/restream/pusher.ts): reconnects with growing pauses, a refusal reported in
// the destination's own words, and a slow destination dropped to the next keyframe instead of holding anything up.
// The pushers outlive ffmpeg's restarts (the Onair connection's reconnects).
import type { Logger } from 'pino';
import { silentLogger } from '../../server/log.js';
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

  /** One frame of the program to every destination, in order. */
  frame(f: MediaFrame): void {
    for (const { pusher } of this.pushers) pusher.frame(f);
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
