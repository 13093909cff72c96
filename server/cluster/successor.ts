// A player reloading the playlist of a stream whose origin just died gets errors until the encoder comes back to some
// node and that node takes the channel over (origins.ts), and hls.js gives up after two retries, a few seconds. Such
// a request is held instead, as a blocking playlist reload is, until the stream's successor answers (on this node or
// another) or the bound passes. Each check reads this node's streams and the cluster's cached lookup: one Redis read
// per quarter second per node, however many players wait.
import type { LiveStream } from '../media/live-stream.js';
import type { LiveStreams } from '../media/live-streams.js';
import type { Origin, OriginRegistry } from './origins.js';

export const SUCCESSOR_WAIT = {
  /** Under hls.js's 10 s to the first byte of a playlist, and past a dead node's lease (4 s) and a reconnect. */
  boundMs: 8_000,
  checkMs: 250,
} as const;

export type Successor = { local: LiveStream } | { remote: Origin };

/**
 * The stream that took `streamId` over, once there is one within `boundMs`; undefined when none came. `deadNode`:
 * the node that failed to answer for it, never taken for the successor.
 */
export async function awaitSuccessor(
  streamId: string,
  streams: LiveStreams,
  origins: OriginRegistry,
  deadNode: string | undefined,
  boundMs: number = SUCCESSOR_WAIT.boundMs,
): Promise<Successor | undefined> {
  const until = Date.now() + boundMs;
  for (;;) {
    const local = streams.successorOf(streamId);
    if (local) return { local };
    // The successor's record answers for the dead stream's id too, naming its own stream.
    const remote = await origins.originOfStream(streamId);
    if (remote && remote.nodeId !== deadNode && remote.streamId !== streamId) return { remote };
    const left = until - Date.now();
    if (left <= 0) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(left, SUCCESSOR_WAIT.checkMs)));
  }
}
