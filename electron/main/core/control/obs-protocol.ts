// obs-websocket protocol 5 (rpcVersion 1), the parts a server needs: opcodes, status and close codes, event
// subscription bits, the password challenge, and the shape checks of what a client sends. Pure. Names and numbers
// as obs-websocket's own protocol document gives them, so tools written for OBS (Stream Deck plug-ins, Touch Portal,
// obs-websocket-js scripts) talk to the Studio unchanged.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventSubscription, fail, ok, RequestStatus, type RequestResult } from '../../../control-contract.js';

export { EventSubscription, fail, ok, RequestStatus, type RequestResult };

export const RPC_VERSION = 1;
/** The obs-websocket release whose protocol this follows (reported in Hello and GetVersion). */
export const OBS_WEBSOCKET_VERSION = '5.5.0';
export const JSON_SUBPROTOCOL = 'obswebsocket.json';
export const MSGPACK_SUBPROTOCOL = 'obswebsocket.msgpack';

export const OpCode = {
  Hello: 0,
  Identify: 1,
  Identified: 2,
  Reidentify: 3,
  Event: 5,
  Request: 6,
  RequestResponse: 7,
  RequestBatch: 8,
  RequestBatchResponse: 9,
} as const;

export const CloseCode = {
  UnknownReason: 4000,
  MessageDecodeError: 4002,
  MissingDataField: 4003,
  InvalidDataFieldType: 4004,
  InvalidDataFieldValue: 4005,
  UnknownOpCode: 4006,
  NotIdentified: 4007,
  AlreadyIdentified: 4008,
  AuthenticationFailed: 4009,
  UnsupportedRpcVersion: 4010,
  SessionInvalidated: 4011,
  UnsupportedFeature: 4012,
} as const;

export const RequestBatchExecutionType = { None: -1, SerialRealtime: 0, SerialFrame: 1, Parallel: 2 } as const;

/** What the server keeps to check one connection's Identify: the salt and challenge sent in its Hello. */
export interface AuthChallenge {
  salt: string;
  challenge: string;
}

export function newChallenge(): AuthChallenge {
  return { salt: randomBytes(32).toString('base64'), challenge: randomBytes(32).toString('base64') };
}

const sha256b64 = (s: string) => createHash('sha256').update(s).digest('base64');

/** The `authentication` string a client with `password` answers the challenge with. */
export function authResponse(password: string, c: AuthChallenge): string {
  return sha256b64(sha256b64(password + c.salt) + c.challenge);
}

/** Compares in constant time, so the answer's timing says nothing about the password. */
export function authMatches(password: string, c: AuthChallenge, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const want = Buffer.from(authResponse(password, c));
  const got = Buffer.from(given);
  return want.length === got.length && timingSafeEqual(want, got);
}

export type ClientMessage =
  | { op: 1; d: { rpcVersion: number; authentication?: string; eventSubscriptions?: number } }
  | { op: 3; d: { eventSubscriptions?: number } }
  | { op: 6; d: { requestType: string; requestId: string; requestData?: Record<string, unknown> } }
  | {
      op: 8;
      d: {
        requestId: string;
        haltOnFailure?: boolean;
        executionType?: number;
        requests: { requestType: string; requestId?: string; requestData?: Record<string, unknown> }[];
      };
    };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A client's message (decoded from JSON or MessagePack) checked, or the close code and reason the protocol gives. */
export function parseClientMessage(v: unknown): { ok: true; msg: ClientMessage } | { ok: false; code: number; reason: string } {
  if (!isObj(v) || typeof v.op !== 'number') return { ok: false, code: CloseCode.MissingDataField, reason: 'The message has no `op`.' };
  if (!isObj(v.d)) return { ok: false, code: CloseCode.MissingDataField, reason: 'The message has no `d` object.' };
  const d = v.d;
  const subs = d.eventSubscriptions;
  if (subs != null && !(Number.isSafeInteger(subs) && (subs as number) >= 0))
    return { ok: false, code: CloseCode.InvalidDataFieldType, reason: '`eventSubscriptions` must be a non-negative integer.' };
  // MessagePack clients send an absent `requestData` as nil.
  const requestData = (r: Record<string, unknown>) => r.requestData === undefined || r.requestData === null || isObj(r.requestData);
  switch (v.op) {
    case OpCode.Identify:
      if (typeof d.rpcVersion !== 'number') return { ok: false, code: CloseCode.MissingDataField, reason: '`rpcVersion` is missing.' };
      if (d.authentication != null && typeof d.authentication !== 'string')
        return { ok: false, code: CloseCode.InvalidDataFieldType, reason: '`authentication` must be a string.' };
      return { ok: true, msg: v as ClientMessage };
    case OpCode.Reidentify:
      return { ok: true, msg: v as ClientMessage };
    case OpCode.Request:
      if (typeof d.requestType !== 'string' || typeof d.requestId !== 'string' || !requestData(d))
        return {
          ok: false,
          code: CloseCode.MissingDataField,
          reason: 'A request needs `requestType` and `requestId` (strings) and an optional `requestData` object.',
        };
      return { ok: true, msg: v as ClientMessage };
    case OpCode.RequestBatch:
      if (
        typeof d.requestId !== 'string' ||
        !Array.isArray(d.requests) ||
        !d.requests.every((r) => isObj(r) && typeof r.requestType === 'string' && requestData(r))
      )
        return { ok: false, code: CloseCode.MissingDataField, reason: 'A batch needs `requestId` and `requests`, each with a `requestType`.' };
      if (d.requests.length > 1000) return { ok: false, code: CloseCode.InvalidDataFieldValue, reason: 'A batch holds at most 1000 requests.' };
      return { ok: true, msg: v as ClientMessage };
    default:
      return { ok: false, code: CloseCode.UnknownOpCode, reason: `Unknown op ${String(v.op)}.` };
  }
}
