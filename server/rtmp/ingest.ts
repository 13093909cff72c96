// What a publisher sends, into frames: RTMP media and data messages (and aggregates of them) parsed once at the edge
// (server/media/flv.ts), timestamps unwrapped per track, held while the publish decision is pending, batched while
// no RTMP player watches, then written to the sink and the relay. The session hands every publisher message here.

import type { Logger } from '../log.js';
import { audioFrame, dataFrame, isKeyframeStart, videoFrame } from '../media/flv.js';
import { mediaSlabs } from '../media/media-slabs.js';
import { waitsForKeyframe, type FrameTrack, type MediaFrame } from '../media/frame.js';
import { decodeAmf0, decodeAmf0Value, encodeAmf0, type AmfValue } from './amf0.js';
import { MSG, type RtmpMessage } from './chunk.js';
import { forEachAggregated } from './commands.js';
import type { RtmpLimits } from './limits.js';
import type { PublishState } from './session-messages.js';
import { TimestampUnwrapper } from './timestamps.js';

export class PublishIngest {
  private readonly tsAudio = new TimestampUnwrapper();
  private readonly tsVideo = new TimestampUnwrapper();
  private readonly tsData = new TimestampUnwrapper();
  private sinkErrorLogged = false;
  /**
   * Inter frames of a live publish that no RTMP player watches, into a sink that takes batches: held until the
   * next keyframe, any other message or a full batch (limits.maxDeferredFrames), then handled in one pass, in order.
   * Nothing downstream acts before that keyframe anyway (a segment is cut there), and one warm pass per GOP costs
   * less than a cold trip through the relay and packager for every frame.
   */
  private deferred: MediaFrame[] = [];
  private deferredBytes = 0;

  constructor(
    private readonly publish: () => PublishState,
    private readonly opts: { connectionId: string; limits: RtmpLimits; log: Logger },
  ) {}

  /** One media message into a frame: the only place a tag body is parsed (see server/media/flv.ts). */
  media(track: FrameTrack, ts32: number, payload: Buffer, amf?: AmfValue[]): void {
    const p = this.publish();
    if (p.state !== 'live' && p.state !== 'pending') return;
    if (payload.length === 0) return;
    const unwrap = track === 'audio' ? this.tsAudio : track === 'video' ? this.tsVideo : this.tsData;
    const dts = unwrap.unwrap(ts32);
    const frame = track === 'video' ? videoFrame(dts, payload) : track === 'audio' ? audioFrame(dts, payload) : dataFrame(dts, payload, amf);
    if (p.state === 'pending') {
      if (p.pendingBytes + payload.length > this.opts.limits.maxPendingPublishBytes) {
        p.dropped++;
        return;
      }
      mediaSlabs.pin(frame.tag); // held until the decision, then delivered on paths not worth tracking
      p.pending.push(frame);
      p.pendingBytes += payload.length;
      return;
    }
    if (this.mayDefer(frame, p)) {
      mediaSlabs.hold(frame.tag);
      this.deferred.push(frame);
      this.deferredBytes += payload.length;
      return;
    }
    this.flush();
    this.deliver(frame);
  }

  /** A data message (onMetaData, with or without @setDataFrame), validated and read once. */
  data(m: RtmpMessage): void {
    const state = this.publish().state;
    if (state !== 'live' && state !== 'pending') return;
    let payload: Buffer;
    let values: AmfValue[];
    try {
      if (m.typeId === MSG.dataAmf0) {
        const first = decodeAmf0Value(m.payload, 0);
        if (first.value === '@setDataFrame') payload = m.payload.subarray(first.end);
        else if (first.value === '@clearDataFrame') return;
        else payload = m.payload;
        // Validate the rest so that downstream gets well-formed AMF0 (and read it once: the frame keeps what it says).
        values = decodeAmf0(payload);
      } else {
        const start = m.payload[0] === 0 ? 1 : 0;
        values = decodeAmf0(m.payload, start);
        if (values[0] === '@clearDataFrame') return;
        if (values[0] === '@setDataFrame') values.shift();
        payload = encodeAmf0(...values);
      }
    } catch {
      this.opts.log.debug({ connectionId: this.opts.connectionId }, 'rtmp: undecodable data message ignored');
      return;
    }
    if (payload.length === 0) return;
    this.media('data', m.timestamp, Buffer.from(payload), values);
  }

  /** Aggregate message (type 22): FLV tags back to back, timestamps relative to the first. */
  aggregate(m: RtmpMessage): void {
    forEachAggregated(m.payload, m.timestamp, (type, ts, body) => {
      if (type === MSG.audio || type === MSG.video) this.media(type === MSG.audio ? 'audio' : 'video', ts, body);
      else if (type === MSG.dataAmf0) this.data({ ...m, typeId: MSG.dataAmf0, timestamp: ts, payload: body });
    });
  }

  /**
   * A keyframe's first chunk: what it closes can be segmented before its remaining chunks arrive (nginx-rtmp waits
   * for the whole frame). Held frames precede it, so they go first.
   */
  videoStart(ts32: number, b0: number, b1: number): void {
    const p = this.publish();
    if (p.state !== 'live' || !p.sink.keyframeStarting || !isKeyframeStart(b0, b1)) return;
    this.flush();
    try {
      p.sink.keyframeStarting(this.tsVideo.peek(ts32));
    } catch (e) {
      this.sinkThrew(p.channel, 'keyframeStarting', e);
    }
  }

  /** Hands on the held frames, in order. */
  flush(): void {
    if (this.deferred.length === 0) return;
    const batch = this.deferred;
    this.deferred = [];
    this.deferredBytes = 0;
    for (const f of batch) {
      try {
        this.deliver(f);
      } finally {
        mediaSlabs.release(f.tag);
      }
    }
  }

  /** One frame to the sink (the packager) and the relay (RTMP players), while the publish is live. */
  deliver(frame: MediaFrame): void {
    const p = this.publish();
    if (p.state !== 'live') return;
    try {
      p.sink.write(frame);
    } catch (e) {
      this.sinkThrew(p.channel, 'write', e);
    }
    p.live.ingest(frame);
  }

  private mayDefer(frame: MediaFrame, p: Extract<PublishState, { state: 'live' }>): boolean {
    if (!p.sink.batchable || p.live.subscribers.size > 0) return false;
    const { maxDeferredFrames, maxDeferredBytes } = this.opts.limits;
    if (this.deferred.length >= maxDeferredFrames || this.deferredBytes + frame.tag.length > maxDeferredBytes) return false;
    return waitsForKeyframe(frame);
  }

  /** A sink that throws must not take the session down: logged once per connection. */
  private sinkThrew(channel: string, call: string, e: unknown): void {
    if (this.sinkErrorLogged) return;
    this.sinkErrorLogged = true;
    this.opts.log.error({ connectionId: this.opts.connectionId, channel, err: (e as Error)?.message }, `rtmp sink.${call} threw`);
  }
}
