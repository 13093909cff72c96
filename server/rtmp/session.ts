// RtmpSession: the socket-free protocol core for one connection. Bytes go in through feed(); reply bytes go out
// through transport.send(); hooks are awaited without blocking the byte stream. Nothing here throws out of
// feed(): protocol violations close the connection with one log line.

import type { Logger } from '../log.js';
import type { MediaFrame } from '../media/frame.js';
import type { MediaSink, PublishDecision, RtmpHooks } from './types.js';
import { decodeAmf0, encodeAmf0, type AmfObject, type AmfValue } from './amf0.js';
import { ChunkReader, MSG, RtmpProtocolError, USER_CONTROL, controlMessages, writeChunks, type RtmpMessage } from './chunk.js';
import { HANDSHAKE_SIZE, respondToClientHello } from './handshake.js';
import type { RtmpLimits } from './limits.js';
import { CSID_STATUS, RtmpPlayback } from './playback.js';
import { appNameFrom, str, splitQuery, withTimeout } from './commands.js';
export { appNameFrom } from './commands.js';
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

const SUPPORTED_FOURCC = ['avc1', 'hvc1', 'av01'];

export type PublishState =
  | { state: 'none' }
  | { state: 'pending'; streamId: number; pending: MediaFrame[]; pendingBytes: number; dropped: number }
  | { state: 'live'; streamId: number; channel: string; sink: MediaSink; live: LiveChannel }
  | { state: 'ended' };

export class RtmpSession {
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

  private readonly hooks: RtmpHooks;
  private readonly log: Logger;
  private readonly limits: RtmpLimits;
  private readonly hub: RelayHub;
  private readonly transport: SessionTransport;
  private readonly now: () => number;
  private hsParts: Buffer[] = [];
  private hsBytes = 0;
  private reader: ChunkReader;
  private outChunkSize = 128;
  private connected = false;
  private nextStreamId = 1;
  private publish: PublishState = { state: 'none' };
  private readonly playback: RtmpPlayback;
  private readonly ingest: PublishIngest;

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

  /** The connect command has been answered. */
  get isConnected(): boolean {
    return this.connected;
  }

  get isPublishing(): boolean {
    return this.publish.state === 'live';
  }

  get channel(): string | null {
    return this.publish.state === 'live' ? this.publish.channel : this.playback.channel;
  }

  get role(): 'publisher' | 'player' | 'none' {
    return this.publish.state === 'live' || this.publish.state === 'pending' ? 'publisher' : this.playback.channel !== null ? 'player' : 'none';
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
  }

  /** Drop a live publisher (stream key regenerated, admin action). */
  kick(reason: string): void {
    if (this.phase === 'closed') return;
    this.log.info({ connectionId: this.connectionId, channel: this.channel, reason }, 'rtmp publisher kicked');
    this.closeReason = `kicked: ${reason}`;
    this.endPublish('kicked', false);
    this.destroy('kicked');
    this.transport.close(false);
  }

  // ----------------------------------------------------------------------------------------------------------
  // Output

  private sendRaw(buf: Buffer): void {
    if (this.phase === 'closed') return;
    this.bytesOut += buf.length;
    this.transport.send(buf);
  }

  private sendMessage(m: { csid: number; typeId: number; streamId: number; timestamp: number; payload: Buffer }): void {
    this.sendRaw(writeChunks(m, this.outChunkSize));
  }

  private sendCommand(streamId: number, ...values: AmfValue[]): void {
    this.sendMessage({
      csid: streamId === 0 ? CSID_COMMAND : CSID_STATUS,
      typeId: MSG.commandAmf0,
      streamId,
      timestamp: 0,
      payload: encodeAmf0(...values),
    });
  }

  private sendStatus(streamId: number, level: 'status' | 'error' | 'warning', code: string, description: string, extra: AmfObject = {}): void {
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
  private closeAfterReply(reason: string): void {
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

  private onCommand(m: RtmpMessage): void {
    let values: AmfValue[];
    try {
      // AMF3 command: a 0x00 format byte, then AMF0 values that may switch to AMF3 (0x11).
      const start = m.typeId === MSG.commandAmf3 && m.payload[0] === 0 ? 1 : 0;
      values = decodeAmf0(m.payload, start);
    } catch (e) {
      throw new RtmpProtocolError('bad_command', `undecodable command: ${(e as Error).message}`);
    }
    const name = str(values[0]);
    if (!name) throw new RtmpProtocolError('bad_command', 'command without a name');
    const tid = typeof values[1] === 'number' ? values[1] : 0;
    const cmdObj = values[2];
    const args = values.slice(3);

    if (name !== 'connect' && !this.connected) {
      throw new RtmpProtocolError('bad_command', `${name} before connect`);
    }
    switch (name) {
      case 'connect':
        return this.onConnect(tid, cmdObj);
      case 'releaseStream':
        return this.sendCommand(0, '_result', tid, null, undefined);
      case 'FCPublish':
        // Description is not the stream name: never echo a key.
        // Nothing that says "Start" goes out before the key is checked: OBS treats a later refusal as a drop.
        return this.sendCommand(0, 'onFCPublish', 0, null, { code: 'NetStream.Publish.Pending', description: 'FCPublish received' });
      case 'FCUnpublish':
        this.sendCommand(0, 'onFCUnpublish', 0, null, { code: 'NetStream.Unpublish.Success', description: 'FCUnpublish' });
        return this.endPublish('unpublish', true);
      case 'createStream':
        return this.sendCommand(0, '_result', tid, null, this.nextStreamId++);
      case 'publish':
        return this.onPublish(m.streamId, str(args[0]));
      case 'play':
        return this.onPlay(m.streamId, str(args[0]));
      case 'deleteStream':
      case 'closeStream':
        if (this.publish.state === 'live' || this.publish.state === 'pending') this.endPublish('unpublish', true);
        this.playback.stop();
        return;
      case '_checkbw':
        return this.sendCommand(0, '_result', tid, null);
      case 'getStreamLength':
      case 'FCSubscribe':
      case 'receiveAudio':
      case 'receiveVideo':
      case 'pause':
      case 'seek':
      case '_result':
      case '_error':
      case 'onBWDone':
      case 'onBWCheck':
      case 'setPeerInfo':
      default:
        return; // tolerated
    }
  }

  private onConnect(tid: number, cmdObj: AmfValue): void {
    if (this.connected) return; // a second connect on one connection is ignored
    const o = (
      typeof cmdObj === 'object' && cmdObj !== null && !Array.isArray(cmdObj) && !(cmdObj instanceof Date) && !Buffer.isBuffer(cmdObj) ? cmdObj : {}
    ) as AmfObject;
    this.app = appNameFrom(str(o.app), str(o.tcUrl));
    this.flashVer = str(o.flashVer) ?? '';
    this.objectEncoding = typeof o.objectEncoding === 'number' ? o.objectEncoding : 0;
    this.connected = true;

    this.sendMessage(controlMessages.windowAckSize(this.limits.windowAckSize));
    this.sendMessage(controlMessages.setPeerBandwidth(this.limits.peerBandwidth, 2));
    this.sendMessage(controlMessages.setChunkSize(this.limits.outChunkSize));
    this.outChunkSize = this.limits.outChunkSize;

    const props: AmfObject = { fmsVer: 'FMS/3,0,1,123', capabilities: 31 };
    if (Array.isArray(o.fourCcList)) {
      const asked = o.fourCcList.filter((x): x is string => typeof x === 'string');
      props.fourCcList = asked.includes('*') ? [...SUPPORTED_FOURCC] : SUPPORTED_FOURCC.filter((c) => asked.includes(c));
    }
    this.sendCommand(0, '_result', tid, props, {
      level: 'status',
      code: 'NetConnection.Connect.Success',
      description: 'Connection succeeded.',
      objectEncoding: this.objectEncoding,
    });
    this.log.debug({ connectionId: this.connectionId, app: this.app, flashVer: this.flashVer }, 'rtmp connect');
  }

  // ----------------------------------------------------------------------------------------------------------
  // Publish

  private onPublish(streamId: number, rawName: string | undefined): void {
    this.streamRequested = true;
    if (this.publish.state !== 'none' || this.playback.active) {
      this.sendStatus(streamId, 'error', 'NetStream.Publish.BadConnection', 'This connection is already publishing or playing.');
      return this.closeAfterReply('second publish on one connection');
    }
    const { name: streamKey, query } = splitQuery(rawName ?? '');
    if (!streamKey) {
      this.sendStatus(streamId, 'error', 'NetStream.Publish.BadName', 'No stream key was given.');
      return this.closeAfterReply('publish without a stream key');
    }
    const pending = { state: 'pending' as const, streamId, pending: [] as MediaFrame[], pendingBytes: 0, dropped: 0 };
    this.publish = pending;
    const req = { app: this.app, streamKey, query, remoteAddress: this.remoteAddress, connectionId: this.connectionId };
    withTimeout(() => this.hooks.authorizePublish(req), this.limits.hookTimeoutMs).then(
      (d) => this.onPublishDecision(pending, d),
      (e: unknown) => {
        this.log.error({ connectionId: this.connectionId, err: (e as Error)?.message ?? String(e) }, 'rtmp publish hook failed');
        this.onPublishDecision(pending, { ok: false, code: 'unavailable', reason: 'The server could not check this stream key; try again shortly.' });
      },
    );
  }

  private onPublishDecision(pending: Extract<PublishState, { state: 'pending' }>, d: PublishDecision): void {
    if (this.publish !== pending || this.phase === 'closed') {
      // The connection went away (or unpublished) while we waited.
      if (d.ok) d.sink.end('disconnect');
      return;
    }
    if (!d.ok) {
      this.publish = { state: 'ended' };
      this.log.info({ connectionId: this.connectionId, remoteAddress: this.remoteAddress, app: this.app, code: d.code }, 'rtmp publish refused');
      const description = d.code === 'already_live' ? `Already publishing: this channel is already live. ${d.reason}`.trim() : d.reason;
      const code = d.code === 'unavailable' ? 'NetStream.Publish.Failed' : 'NetStream.Publish.BadName';
      this.sendStatus(pending.streamId, 'error', code, description);
      return this.closeAfterReply(`publish refused: ${d.code}`);
    }
    const live = this.hub.claim(d.channel, {
      connectionId: this.connectionId,
      remoteAddress: this.remoteAddress,
      app: this.app,
      connectedAt: this.connectedAt,
      flashVer: this.flashVer,
      bytesIn: () => this.bytesIn,
      kick: (reason) => this.kick(reason),
      flushDeferred: () => this.ingest.flush(),
    });
    if (!live) {
      d.sink.end('error');
      this.publish = { state: 'ended' };
      this.log.info({ connectionId: this.connectionId, channel: d.channel, code: 'already_live' }, 'rtmp publish refused');
      this.sendStatus(pending.streamId, 'error', 'NetStream.Publish.BadName', 'Already publishing: this channel is already live.');
      return this.closeAfterReply('publish refused: already_live');
    }
    this.publish = { state: 'live', streamId: pending.streamId, channel: d.channel, sink: d.sink, live };
    this.sendMessage(controlMessages.userControl(USER_CONTROL.streamBegin, pending.streamId));
    this.sendStatus(pending.streamId, 'status', 'NetStream.Publish.Start', `${d.channel} is now published.`);
    this.log.info(
      {
        connectionId: this.connectionId,
        remoteAddress: this.remoteAddress,
        app: this.app,
        channel: d.channel,
        dropped: pending.dropped || undefined,
      },
      'rtmp publish started',
    );
    for (const msg of pending.pending) this.ingest.deliver(msg);
  }

  private endPublish(reason: 'unpublish' | 'disconnect' | 'kicked' | 'error', reply: boolean): void {
    // Frames held back were received: they go out before the end.
    this.ingest.flush();
    const p = this.publish;
    if (p.state === 'live') {
      this.publish = { state: 'ended' };
      this.hub.release(p.live);
      try {
        p.sink.end(reason);
      } catch (e) {
        this.log.error({ connectionId: this.connectionId, err: (e as Error)?.message }, 'rtmp sink.end threw');
      }
      this.log.info({ connectionId: this.connectionId, channel: p.channel, reason }, 'rtmp publish ended');
      if (reply) this.sendStatus(p.streamId, 'status', 'NetStream.Unpublish.Success', `${p.channel} is now unpublished.`);
    } else if (p.state === 'pending') {
      // The decision is still coming; onPublishDecision will see the state changed and release an accepted sink.
      this.publish = { state: 'ended' };
      if (reply) this.sendStatus(p.streamId, 'status', 'NetStream.Unpublish.Success', 'Unpublished.');
    }
  }

  /** Play: playback.ts does the rest. */
  private onPlay(streamId: number, rawName: string | undefined): void {
    this.streamRequested = true;
    if (this.publish.state !== 'none' || this.playback.active) {
      this.sendStatus(streamId, 'error', 'NetStream.Play.Failed', 'This connection is already publishing or playing.');
      return this.closeAfterReply('second play on one connection');
    }
    const { name, query } = splitQuery(rawName ?? '');
    this.playback.request(streamId, name, query);
  }
}
