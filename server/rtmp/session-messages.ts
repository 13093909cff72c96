// The message layer of an RTMP session: bytes in (the handshake, then the chunk stream), messages out, protocol and
// user control messages, and each incoming message routed: media and data to the ingest, acknowledgements and media
// counted for the idle check, commands to RtmpSession (session.ts), which extends this class with the commands
// (connect, createStream, publish, play). Separate because this is the per-message path and the commands are the
// rare, hook-driven rest; a base class rather than a helper object so that the per-message path still reads the
// session's own fields, with no extra hop per message.

import type { Logger } from '../log.js';
import type { MediaFrame } from '../media/frame.js';
import type { MediaSink, RtmpHooks } from './types.js';
import { encodeAmf0, type AmfObject, type AmfValue } from './amf0.js';
import { ChunkReader, MSG, RtmpProtocolError, USER_CONTROL, type RtmpMessage } from './chunk.js';
import { controlMessages, writeChunks } from './chunk-writer.js';
import { HANDSHAKE_SIZE, respondToClientHello } from './handshake.js';
import type { RtmpLimits } from './limits.js';
import { CSID_STATUS, RtmpPlayback } from './playback.js';
import { PublishIngest } from './ingest.js';
import type { LiveChannel, RelayHub } from './relay.js';

export interface SessionTransport {
  send(buf: Buffer): void;
  /** Close the connection: `graceful` flushes what was sent first. */
  close(graceful: boolean): void;
  /** Bytes handed to send() but not yet written to the peer. */
  backlog(): number;
}

export interface RtmpSessionOptions {
  connectionId: string;
  remoteAddress: string;
  hooks: RtmpHooks;
  logger: Logger;
  limits: RtmpLimits;
  hub: RelayHub;
  transport: SessionTransport;
  now?: () => number;
}

export type SessionPhase = 'handshake-c0c1' | 'handshake-c2' | 'chunks' | 'closed';

/** Chunk stream id of our command replies (status and media ids: playback.ts). */
const CSID_COMMAND = 3;

export type PublishState =
  | { state: 'none' }
  | { state: 'pending'; streamId: number; pending: MediaFrame[]; pendingBytes: number; dropped: number }
  | { state: 'live'; streamId: number; channel: string; sink: MediaSink; live: LiveChannel }
  | { state: 'ended' };

export abstract class MessageSession {
  readonly connectionId: string;
  readonly remoteAddress: string;
  readonly connectedAt: number;
  phase: SessionPhase = 'handshake-c0c1';
  bytesIn = 0;
  bytesOut = 0;
  app = '';
  flashVer = '';
  objectEncoding = 0;
  handshakeForm: 'plain' | 'digest' | null = null;
  /** Why the session closed, for the edge's log line. */
  closeReason: string | null = null;
  /**
   * Grows with media only: media from a publisher, media sent to a player, a player's acknowledgements. The edge's
   * idle check watches it; protocol control messages do not move it.
   */
  activity = 0;
  /** A publish or play command has arrived (whatever its outcome). */
  streamRequested = false;

  protected readonly hooks: RtmpHooks;
  protected readonly log: Logger;
  protected readonly limits: RtmpLimits;
  protected readonly hub: RelayHub;
  protected readonly transport: SessionTransport;
  private readonly now: () => number;
  private hsParts: Buffer[] = [];
  private hsBytes = 0;
  private reader: ChunkReader;
  protected outChunkSize = 128;
  protected publish: PublishState = { state: 'none' };
  protected readonly playback: RtmpPlayback;
  protected readonly ingest: PublishIngest;

  constructor(opts: RtmpSessionOptions) {
    this.connectionId = opts.connectionId;
    this.remoteAddress = opts.remoteAddress;
    this.hooks = opts.hooks;
    this.log = opts.logger;
    this.limits = opts.limits;
    this.hub = opts.hub;
    this.transport = opts.transport;
    this.now = opts.now ?? Date.now;
    this.connectedAt = this.now();
    this.reader = new ChunkReader(
      {
        maxChunkSize: this.limits.maxChunkSize,
        maxMessageSize: this.limits.maxMessageSize,
        maxChunkStreams: this.limits.maxChunkStreams,
        maxPartialBytes: this.limits.maxPartialBytes,
      },
      {
        onMessage: (m) => this.onMessage(m),
        onVideoStart: (ts32, b0, b1) => this.ingest.videoStart(ts32, b0, b1),
        onAck: (seq) => this.sendMessage(controlMessages.ack(seq)),
      },
      true,
    );
    this.ingest = new PublishIngest(() => this.publish, { connectionId: this.connectionId, limits: this.limits, log: this.log });
    this.playback = new RtmpPlayback(
      {
        connectionId: this.connectionId,
        remoteAddress: this.remoteAddress,
        connectedAt: this.connectedAt,
        flashVer: () => this.flashVer,
        app: () => this.app,
        bytesOut: () => this.bytesOut,
        closed: () => this.phase === 'closed',
        noteMedia: () => void this.activity++,
        sendStatus: (streamId, level, code, description) => this.sendStatus(streamId, level, code, description),
        sendMessage: (m) => this.sendMessage(m),
        closeAfterReply: (reason) => this.closeAfterReply(reason),
        closeNow: (reason) => {
          this.closeReason = reason;
          this.transport.close(false);
        },
        backlog: () => this.transport.backlog(),
      },
      { hooks: this.hooks, hub: this.hub, limits: this.limits, log: this.log, now: this.now },
    );
  }

  /**
   * Bytes in from the peer: the first `length` bytes of `data`. Never throws. `data` may be reused by the caller
   * once this returns: nothing keeps it.
   */
  feed(data: Buffer, length = data.length): void {
    if (this.phase === 'closed' || length === 0) return;
    this.bytesIn += length;
    try {
      if (this.phase === 'chunks') this.reader.push(data, length);
      else this.feedInner(length === data.length ? data : data.subarray(0, length));
    } catch (e) {
      if (e instanceof RtmpProtocolError) this.fail(e.code, e.message);
      else this.fail('internal', (e as Error)?.message ?? String(e));
    }
  }

  private feedInner(data: Buffer): void {
    if (this.phase === 'handshake-c0c1' || this.phase === 'handshake-c2') {
      const need = this.phase === 'handshake-c0c1' ? 1 + HANDSHAKE_SIZE : HANDSHAKE_SIZE;
      const take = Math.min(need - this.hsBytes, data.length);
      this.hsParts.push(Buffer.from(data.subarray(0, take))); // a copy: `data` is the caller's to reuse
      this.hsBytes += take;
      const rest = data.subarray(take);
      if (this.hsBytes < need) return;
      const block = Buffer.concat(this.hsParts, this.hsBytes);
      this.hsParts = [];
      this.hsBytes = 0;
      if (this.phase === 'handshake-c0c1') {
        const res = respondToClientHello(block, this.now());
        if ('error' in res) throw new RtmpProtocolError('bad_handshake', res.error);
        this.handshakeForm = res.form;
        this.phase = 'handshake-c2';
        this.sendRaw(res.reply);
      } else {
        // C2 echoes S1; clients differ in what they put there, so it is not checked.
        this.phase = 'chunks';
      }
      if (rest.length > 0) this.feedInner(rest);
      return;
    }
    if (this.phase === 'chunks') this.reader.push(data);
  }

  /** The socket closed (or the server is stopping). Ends a live publish with `reason`. */
  destroy(reason: 'disconnect' | 'kicked' | 'error' = 'disconnect'): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.closeReason ??= reason;
    this.endPublish(reason, false);
    this.playback.stop();
    this.reader.dispose();
  }

  /** A command message (AMF0 or AMF3): RtmpSession's. */
  protected abstract onCommand(m: RtmpMessage): void;

  /** End the publish, if any, for `reason`; `reply` says so to the peer (RtmpSession's). */
  protected abstract endPublish(reason: 'unpublish' | 'disconnect' | 'kicked' | 'error', reply: boolean): void;

  // ----------------------------------------------------------------------------------------------------------
  // Output

  private sendRaw(buf: Buffer): void {
    if (this.phase === 'closed') return;
    this.bytesOut += buf.length;
    this.transport.send(buf);
  }

  protected sendMessage(m: { csid: number; typeId: number; streamId: number; timestamp: number; payload: Buffer }): void {
    this.sendRaw(writeChunks(m, this.outChunkSize));
  }

  protected sendCommand(streamId: number, ...values: AmfValue[]): void {
    this.sendMessage({
      csid: streamId === 0 ? CSID_COMMAND : CSID_STATUS,
      typeId: MSG.commandAmf0,
      streamId,
      timestamp: 0,
      payload: encodeAmf0(...values),
    });
  }

  protected sendStatus(streamId: number, level: 'status' | 'error' | 'warning', code: string, description: string, extra: AmfObject = {}): void {
    this.sendCommand(streamId, 'onStatus', 0, null, { level, code, description, ...extra });
  }

  private fail(code: string, message: string): void {
    if (this.phase === 'closed') return;
    this.log.warn({ connectionId: this.connectionId, remoteAddress: this.remoteAddress, code, err: message }, 'rtmp protocol error; closing');
    this.closeReason = `protocol error: ${code}`;
    this.destroy('error');
    this.transport.close(false);
  }

  /** Refuse something in plain words, then close once the reply is flushed. */
  protected closeAfterReply(reason: string): void {
    this.closeReason = reason;
    this.destroy('disconnect');
    this.transport.close(true);
  }
  // ----------------------------------------------------------------------------------------------------------
  // Messages

  private onMessage(m: RtmpMessage): void {
    if (m.typeId === MSG.video || m.typeId === MSG.audio || m.typeId === MSG.aggregate) {
      if (this.publish.state === 'live' || this.publish.state === 'pending') this.activity++;
    } else if (m.typeId === MSG.ack && this.playback.channel !== null) {
      this.activity++;
    }
    if (m.typeId === MSG.video || m.typeId === MSG.audio)
      return this.ingest.media(m.typeId === MSG.audio ? 'audio' : 'video', m.timestamp, m.payload);
    this.ingest.flush();
    this.handleMessage(m);
  }

  private handleMessage(m: RtmpMessage): void {
    switch (m.typeId) {
      case MSG.windowAckSize:
        if (m.payload.length >= 4) this.reader.ackWindow = m.payload.readUInt32BE(0);
        return;
      case MSG.ack:
      case MSG.setPeerBandwidth:
        return;
      case MSG.userControl:
        return this.onUserControl(m.payload);
      case MSG.commandAmf0:
      case MSG.commandAmf3:
        return this.onCommand(m);
      case MSG.dataAmf0:
      case MSG.dataAmf3:
        return this.ingest.data(m);
      case MSG.aggregate:
        return this.ingest.aggregate(m);
      default:
        return; // shared objects and unknown types are ignored
    }
  }

  private onUserControl(p: Buffer): void {
    if (p.length < 2) return;
    const event = p.readUInt16BE(0);
    if (event === USER_CONTROL.pingRequest && p.length >= 6) {
      this.sendMessage(controlMessages.userControl(USER_CONTROL.pingResponse, p.readUInt32BE(2)));
    }
  }
}
