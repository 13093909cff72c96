// The listener's side of the HSv5 caller-listener handshake (draft-sharabayko-srt, section 4.3.1): an induction
// gets our version, the SRT magic and a SYN cookie bound to the caller's address and the minute; a conclusion that
// returns that cookie is read for the stream id and the HSREQ (latency, flags) and answered with an HSRSP, or
// with a rejection code. Pure: the listener owns sockets and state.

import { createHmac } from 'node:crypto';
import { EXT, HS_EXT, HS_TYPE, SRT_FLAG, SRT_MAGIC, decodeStreamId, encodeHandshake, encodeHsExt, parseHsExt, type Handshake } from './packet.js';

/** The SRT version we announce: 1.5.0 (the protocol as libsrt 1.5 speaks it). */
export const OUR_SRT_VERSION = 0x010500;
/** The oldest peer we talk to: 1.3.0 brought HSv5 and the stream id. */
const MIN_PEER_VERSION = 0x010300;

/**
 * Rejection codes in a handshake reply. 1000 + an HTTP status is libsrt's access-control range (SRT_REJX_*),
 * which ffmpeg and OBS show as such; the 1000-range below 1100 (SRT_REJ_*) are the protocol's own.
 */
export const REJECT = {
  /** SRT_REJ_ROGUE: a handshake we cannot take (bad version, bad cookie). */
  rogue: 1002,
  /** SRT_REJ_UNSECURE: the peer wants encryption, which we do not offer. */
  unsecure: 1010,
  /** SRT_REJ_MESSAGEAPI / SRT_REJ_CONGESTION land here too: not a live-mode caller. */
  badConfig: 1011,
  /** SRT_REJX_BAD_REQUEST: no usable stream id. */
  badRequest: 1400,
  /** SRT_REJX_FORBIDDEN: unknown stream key. */
  forbidden: 1403,
  /** SRT_REJX_BAD_MODE: the stream id asks to play (m=request); this server only takes publishers. */
  badMode: 1405,
  /** SRT_REJX_CONFLICT: the channel is already live. */
  conflict: 1409,
  /** SRT_REJX_UNAVAILABLE: the server cannot decide now (database down, overloaded). */
  unavailable: 1503,
} as const;

/** What the caller asked for in its stream id. */
export type StreamIdRequest = { ok: true; app: string; key: string } | { ok: false; code: number; reason: string };

/**
 * The stream id: a bare stream key, or the access-control syntax `#!::r=live/KEY,m=publish` (keys u, r, h, s, t,
 * m; `r` the resource, `m` the mode). `r` may name an application (`live/KEY`, `vertical/KEY`); without one it is
 * `live`. Never log the result's key.
 */
export function parseStreamId(sid: string): StreamIdRequest {
  if (!sid) return { ok: false, code: REJECT.badRequest, reason: 'no stream id (srt://HOST:PORT?streamid=<stream key>)' };
  let resource = sid;
  if (sid.startsWith('#!::')) {
    const fields = new Map<string, string>();
    for (const part of sid.slice(4).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const mode = fields.get('m') ?? 'request';
    if (mode !== 'publish') return { ok: false, code: REJECT.badMode, reason: 'only m=publish is taken here (no playing over SRT)' };
    resource = fields.get('r') ?? '';
  }
  const slash = resource.lastIndexOf('/');
  const app = slash >= 0 ? resource.slice(0, slash) : 'live';
  const key = slash >= 0 ? resource.slice(slash + 1) : resource;
  if (!key) return { ok: false, code: REJECT.badRequest, reason: 'the stream id names no stream key' };
  return { ok: true, app, key };
}

/** SYN cookies: an HMAC of the caller's address, port and the minute, so an induction leaves no state behind. */
export class SynCookies {
  constructor(private readonly secret: Buffer) {}

  make(address: string, port: number, minute = Math.floor(Date.now() / 60_000)): number {
    return createHmac('sha256', this.secret).update(`${address}|${port}|${minute}`).digest().readUInt32BE(0);
  }

  /** This minute's cookie or the last one's (a handshake that straddles a minute). */
  check(address: string, port: number, cookie: number): boolean {
    const minute = Math.floor(Date.now() / 60_000);
    return cookie === this.make(address, port, minute) || cookie === this.make(address, port, minute - 1);
  }
}

/** The reply to an induction (the caller sent version 4; we answer 5 with the magic and a cookie). */
export function inductionReply(req: Handshake, ourSocketId: number, cookie: number, peerIp: Buffer): Buffer {
  return encodeHandshake({
    version: 5,
    encryption: 0,
    extension: SRT_MAGIC,
    isn: req.isn,
    mtu: req.mtu,
    flowWindow: req.flowWindow,
    type: HS_TYPE.induction,
    socketId: ourSocketId,
    cookie,
    peerIp,
    extensions: [],
  });
}

export interface ConclusionRequest {
  streamId: string;
  /** The latency both sides use: the larger of ours and the sender's. */
  latencyMs: number;
  peerVersion: number;
  peerFlags: number;
}

/** What a conclusion asks for, or why it cannot be taken. */
export function readConclusion(
  req: Handshake,
  ourLatencyMs: number,
): { ok: true; value: ConclusionRequest } | { ok: false; code: number; reason: string } {
  if (req.version !== 5) return { ok: false, code: REJECT.rogue, reason: `handshake version ${req.version}; HSv5 needed (SRT 1.3 or later)` };
  if (req.encryption !== 0 || req.extensions.some((e) => e.type === EXT.kmreq))
    return { ok: false, code: REJECT.unsecure, reason: 'encryption (passphrase) is not supported: publish without one' };
  const hsreqBlock = req.extensions.find((e) => e.type === EXT.hsreq);
  const hsreq = hsreqBlock && parseHsExt(hsreqBlock.body);
  if (!hsreq) return { ok: false, code: REJECT.rogue, reason: 'no SRT handshake extension (HSREQ)' };
  if (hsreq.version < MIN_PEER_VERSION) return { ok: false, code: REJECT.rogue, reason: 'SRT 1.3 or later needed' };
  if (hsreq.flags & SRT_FLAG.stream) return { ok: false, code: REJECT.badConfig, reason: 'file/stream mode is not taken: use live mode' };
  if (!(hsreq.flags & SRT_FLAG.tsbpdSnd))
    return { ok: false, code: REJECT.badConfig, reason: 'the sender must use timestamp-based delivery (live mode)' };
  const sidBlock = req.extensions.find((e) => e.type === EXT.sid);
  return {
    ok: true,
    value: {
      streamId: sidBlock ? decodeStreamId(sidBlock.body) : '',
      latencyMs: Math.max(ourLatencyMs, hsreq.sendDelayMs),
      peerVersion: hsreq.version,
      peerFlags: hsreq.flags,
    },
  };
}

/** Our accepting conclusion: our socket id and an HSRSP with the negotiated latency. */
export function conclusionReply(req: Handshake, ourSocketId: number, peerIp: Buffer, c: ConclusionRequest, flowWindow: number): Buffer {
  const flags = SRT_FLAG.tsbpdSnd | SRT_FLAG.tsbpdRcv | SRT_FLAG.tlpktDrop | SRT_FLAG.periodicNak | (c.peerFlags & SRT_FLAG.rexmit);
  return encodeHandshake({
    version: 5,
    encryption: 0,
    extension: HS_EXT.hsreq,
    isn: req.isn,
    mtu: req.mtu,
    flowWindow: Math.min(req.flowWindow, flowWindow),
    type: HS_TYPE.conclusion,
    socketId: ourSocketId,
    cookie: req.cookie,
    peerIp,
    extensions: [{ type: EXT.hsrsp, body: encodeHsExt({ version: OUR_SRT_VERSION, flags, recvDelayMs: c.latencyMs, sendDelayMs: c.latencyMs }) }],
  });
}

/** A rejection: the conclusion echoed with the reason code as its handshake type. */
export function rejectionReply(req: Handshake, ourSocketId: number, peerIp: Buffer, code: number): Buffer {
  return encodeHandshake({
    version: 5,
    encryption: 0,
    extension: 0,
    isn: req.isn,
    mtu: req.mtu,
    flowWindow: req.flowWindow,
    type: code,
    socketId: ourSocketId,
    cookie: req.cookie,
    peerIp,
    extensions: [],
  });
}

/** The Peer IP Address field for an IPv4 or IPv6 address (IPv4: the first 32-bit word, as libsrt writes it). */
export function peerIpField(address: string): Buffer {
  const b = Buffer.alloc(16);
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4) {
    // libsrt copies the in_addr bytes into a 32-bit word and converts it to network order: reversed on the wire.
    for (let i = 0; i < 4; i++) b[3 - i] = Number(v4[i + 1]);
    return b;
  }
  return b;
}
