// The contract between the RTMP layer and everything after it. The RTMP layer turns bytes into media frames
// (server/media/frame.ts: parsed once, here at the edge) and asks the hooks whether a publisher or player may
// proceed; it knows nothing of HLS.
import type { MediaFrame } from '../media/frame.js';

export type { MediaFrame } from '../media/frame.js';

/** Where an accepted publisher's frames go. Calls are synchronous and must be cheap. */
export interface MediaSink {
  /**
   * A frame from the publisher. Its bytes may be views of a media slab that is reused once this call returns: a sink
   * that keeps them holds and releases them, or pins them (server/media/media-slabs.ts).
   */
  write(frame: MediaFrame): void;
  /**
   * True when nothing behind this sink needs inter frames as they arrive (see waitsForKeyframe): they may then come
   * in one batch when the next keyframe (or any other message) does, while no RTMP player watches. A segmenter loses nothing by it.
   */
  readonly batchable?: boolean;
  /**
   * A video keyframe with this timestamp has begun to arrive (its first chunk is in; the rest is on the wire). A
   * segmenter may close the segment it ends now. The keyframe itself still comes through write().
   */
  keyframeStarting?(timestamp: number): void;
  /** The publisher is gone. `unpublish`: it said so; `disconnect`: the socket closed; `kicked`: we dropped it. */
  end(reason: 'unpublish' | 'disconnect' | 'kicked' | 'error'): void;
}

export interface PublishRequest {
  app: string;
  /** The stream key from `publish`, query string removed. Never log it. */
  streamKey: string;
  /** Query string given with the key (`key?x=y` -> `x=y`), or ''. */
  query: string;
  remoteAddress: string;
  connectionId: string;
}

export type PublishRefusal = 'bad_name' | 'already_live' | 'bad_app' | 'unavailable' | 'account_disabled';

export type PublishDecision = { ok: true; channel: string; sink: MediaSink } | { ok: false; code: PublishRefusal; reason: string };

export interface PlayRequest {
  app: string;
  /** Channel name as the player asked for it, query string removed. */
  name: string;
  /** Query string given with the name (`alice?t=…` -> `t=…`), or ''. May carry a media token: never log it. */
  query: string;
  remoteAddress: string;
  connectionId: string;
}

export type PlayDecision = { ok: true; channel: string } | { ok: false; code: 'not_found' | 'forbidden'; reason: string };

export interface RtmpHooks {
  /** Decide before NetStream.Publish.Start is sent: a refusal after Start puts OBS in a reconnect loop. */
  authorizePublish(req: PublishRequest): Promise<PublishDecision>;
  /** Optional; when absent any live channel may be played. */
  authorizePlay?(req: PlayRequest): Promise<PlayDecision>;
}
