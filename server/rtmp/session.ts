// RtmpSession: the socket-free protocol core for one connection. Bytes go in through feed(); reply bytes go out
// through transport.send(); hooks are awaited without blocking the byte stream. Nothing here throws out of
// feed(): protocol violations close the connection with one log line.
//
// This file is the command half (connect, createStream, publish with its hook and claim, play, deleteStream) and
// the session's public face; the message layer it extends (handshake, chunks, routing, output) is session-messages.ts.

import type { MediaFrame } from '../media/frame.js';
import type { PublishDecision } from './types.js';
import { decodeAmf0, type AmfObject, type AmfValue } from './amf0.js';
import { MSG, RtmpProtocolError, USER_CONTROL, type RtmpMessage } from './chunk.js';
import { controlMessages } from './chunk-writer.js';
import { appNameFrom, str, splitQuery, withTimeout } from './commands.js';
import { MessageSession, type PublishState } from './session-messages.js';
export { appNameFrom } from './commands.js';
export type { RtmpSessionOptions, SessionPhase, SessionTransport } from './session-messages.js';

const SUPPORTED_FOURCC = ['avc1', 'hvc1', 'av01'];

export class RtmpSession extends MessageSession {
  private connected = false;
  private nextStreamId = 1;

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

  /** Drop a live publisher (stream key regenerated, admin action). */
  kick(reason: string): void {
    if (this.phase === 'closed') return;
    this.log.info({ connectionId: this.connectionId, channel: this.channel, reason }, 'rtmp publisher kicked');
    this.closeReason = `kicked: ${reason}`;
    this.endPublish('kicked', false);
    this.destroy('kicked');
    this.transport.close(false);
  }

  protected override onCommand(m: RtmpMessage): void {
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

  protected override endPublish(reason: 'unpublish' | 'disconnect' | 'kicked' | 'error', reply: boolean): void {
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
