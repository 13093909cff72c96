// One connection's RTMP play: the access hook, the subscription to a live channel, and delivery with backpressure
// (drop to the next keyframe while the peer reads slowly, disconnect when it stays behind). The session owns the
// connection's bytes and commands; this owns what a player receives.
import type { Logger } from '../log.js';
import type { MediaFrame } from '../media/frame.js';
import { encodeAmf0 } from './amf0.js';
import { withTimeout } from './commands.js';
import { MSG, USER_CONTROL } from './chunk.js';
import { controlMessages } from './chunk-writer.js';
import type { RtmpLimits } from './limits.js';
import type { LiveChannel, RelayHub, Subscriber } from './relay.js';
import type { PlayDecision, RtmpHooks } from './types.js';
import { TWO32 } from './timestamps.js';

/** Chunk stream ids for the media we send. */
export const CSID_STATUS = 5;
const CSID_AUDIO = 6;
const CSID_VIDEO = 7;

/** What playback needs of its connection. */
export interface PlaybackHost {
  readonly connectionId: string;
  readonly remoteAddress: string;
  readonly connectedAt: number;
  flashVer(): string;
  app(): string;
  bytesOut(): number;
  closed(): boolean;
  /** Counts media sent (the idle check). */
  noteMedia(): void;
  sendStatus(streamId: number, level: 'status' | 'error', code: string, description: string): void;
  sendMessage(m: { csid: number; typeId: number; streamId: number; timestamp: number; payload: Buffer }): void;
  /** Reply first, then close. */
  closeAfterReply(reason: string): void;
  /** Close at once, without flushing. */
  closeNow(reason: string): void;
  /** Bytes handed to the socket but not yet written. */
  backlog(): number;
}

export interface PlaybackDeps {
  hooks: RtmpHooks;
  hub: RelayHub;
  limits: RtmpLimits;
  log: Logger;
  now: () => number;
}

interface PlayState {
  streamId: number;
  channel: string;
  live: LiveChannel;
  subscriber: Subscriber;
}

export class RtmpPlayback {
  private play: PlayState | null = null;
  private pending: object | null = null;
  private needsKeyframe = false;
  private laggingSince = 0;

  constructor(
    private readonly host: PlaybackHost,
    private readonly deps: PlaybackDeps,
  ) {}

  /** Playing, or waiting for the play hook. */
  get active(): boolean {
    return this.play !== null || this.pending !== null;
  }

  /** The channel being played, once started. */
  get channel(): string | null {
    return this.play?.channel ?? null;
  }

  /**
   * A `play` command for `name` (`channel?query`). The query may carry a media token (?t=): it goes to the hook and
   * stays on the subscriber, never into a log line or a reply.
   */
  request(streamId: number, name: string, query: string): void {
    const { host, deps } = this;
    const refuse = (description: string, code = 'NetStream.Play.StreamNotFound') => {
      deps.log.info(
        { connectionId: host.connectionId, remoteAddress: host.remoteAddress, app: host.app(), channel: name.slice(0, 64), code },
        'rtmp play refused',
      );
      host.sendStatus(streamId, 'error', code, description);
      host.closeAfterReply('play refused');
    };
    if (!name) return refuse('No stream name was given.');
    const decide: Promise<PlayDecision> = deps.hooks.authorizePlay
      ? withTimeout(
          () => deps.hooks.authorizePlay!({ app: host.app(), name, query, remoteAddress: host.remoteAddress, connectionId: host.connectionId }),
          deps.limits.hookTimeoutMs,
        )
      : Promise.resolve({ ok: true, channel: name });
    const marker = {};
    this.pending = marker;
    decide.then(
      (d) => {
        if (host.closed() || this.pending !== marker) return;
        this.pending = null;
        if (!d.ok) return refuse(d.reason, d.code === 'forbidden' ? 'NetStream.Play.Failed' : 'NetStream.Play.StreamNotFound');
        const live = deps.hub.get(d.channel);
        if (!live) return refuse(`${d.channel} is not live.`);
        this.start(streamId, d.channel, live, query);
      },
      (e: unknown) => {
        if (host.closed()) return;
        this.pending = null;
        deps.log.error({ connectionId: host.connectionId, err: (e as Error)?.message ?? String(e) }, 'rtmp play hook failed');
        refuse('The server could not start this stream; try again shortly.', 'NetStream.Play.Failed');
      },
    );
  }

  stop(): void {
    this.pending = null;
    const play = this.play;
    if (!play) return;
    this.play = null;
    play.live.removeSubscriber(play.subscriber);
    this.deps.log.info({ connectionId: this.host.connectionId, channel: play.channel }, 'rtmp play ended');
  }

  private start(streamId: number, channel: string, live: LiveChannel, query: string): void {
    const { host, deps } = this;
    const endOfStream = () => host.sendMessage(controlMessages.userControl(USER_CONTROL.streamEof, streamId));
    const subscriber: Subscriber = {
      query,
      connectionId: host.connectionId,
      remoteAddress: host.remoteAddress,
      connectedAt: host.connectedAt,
      flashVer: host.flashVer(),
      bytesOut: () => host.bytesOut(),
      deliver: (frame) => this.deliver(frame),
      publisherGone: () => {
        if (host.closed() || !this.play) return;
        host.sendStatus(streamId, 'status', 'NetStream.Play.UnpublishNotify', `${channel} is now unpublished.`);
        endOfStream();
        this.play = null;
        host.closeAfterReply('publisher gone');
      },
      drop: (reason) => {
        if (host.closed() || this.play?.subscriber !== subscriber) return false;
        deps.log.info({ connectionId: host.connectionId, remoteAddress: host.remoteAddress, channel, reason }, 'rtmp player dropped');
        host.sendStatus(streamId, 'error', 'NetStream.Play.Failed', `You may no longer watch ${channel} (${reason}).`);
        endOfStream();
        this.stop();
        host.closeAfterReply(`player dropped: ${reason}`);
        return true;
      },
    };
    this.play = { streamId, channel, live, subscriber };
    host.sendMessage(controlMessages.userControl(USER_CONTROL.streamBegin, streamId));
    host.sendStatus(streamId, 'status', 'NetStream.Play.Reset', `Playing and resetting ${channel}.`);
    host.sendStatus(streamId, 'status', 'NetStream.Play.Start', `Started playing ${channel}.`);
    host.sendMessage({ csid: CSID_STATUS, typeId: MSG.dataAmf0, streamId, timestamp: 0, payload: encodeAmf0('|RtmpSampleAccess', true, true) });
    live.publisher.flushDeferred(); // the GOP a player starts with must be complete
    for (const frame of live.startupFrames()) this.write(streamId, frame);
    this.needsKeyframe = live.gop.length === 0;
    live.subscribers.add(subscriber);
    deps.log.info({ connectionId: host.connectionId, remoteAddress: host.remoteAddress, channel }, 'rtmp play started');
  }

  private write(streamId: number, frame: MediaFrame): void {
    const typeId = frame.track === 'audio' ? MSG.audio : frame.track === 'video' ? MSG.video : MSG.dataAmf0;
    const csid = frame.track === 'audio' ? CSID_AUDIO : frame.track === 'video' ? CSID_VIDEO : CSID_STATUS;
    this.host.noteMedia();
    this.host.sendMessage({ csid, typeId, streamId, timestamp: frame.dts % TWO32, payload: frame.tag });
  }

  private deliver(frame: MediaFrame): void {
    const { host, deps } = this;
    const play = this.play;
    if (!play || host.closed()) return;
    const config = frame.kind === 'config';
    const backlog = host.backlog();
    const soft = deps.limits.maxPlayerQueueBytes;
    const now = deps.now();
    const tooSlow = (what: string) => {
      deps.log.info({ connectionId: host.connectionId, channel: play.channel, backlog }, what);
      this.stop();
      host.closeNow('player too slow');
    };
    if (backlog > soft * deps.limits.maxPlayerQueueHardFactor) return tooSlow('rtmp player too far behind; disconnecting');
    if (backlog > soft) {
      if (!this.laggingSince) this.laggingSince = now;
      else if (now - this.laggingSince > deps.limits.playerLagTimeoutMs) return tooSlow('rtmp player behind for too long; disconnecting');
      if (!config && frame.track !== 'data') {
        if (frame.track === 'video') this.needsKeyframe = true;
        return; // drop media while backed up; decoding restarts at the next keyframe
      }
    } else {
      this.laggingSince = 0;
    }
    if (frame.track === 'video' && this.needsKeyframe && !config) {
      if (frame.kind !== 'key') return;
      this.needsKeyframe = false;
    }
    this.write(play.streamId, frame);
  }
}
