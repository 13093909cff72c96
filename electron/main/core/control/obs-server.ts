// The Studio's remote control: a local WebSocket server that speaks obs-websocket 5, so the tools streamers already
// use with OBS (Stream Deck, Touch Portal, Bitfocus Companion, obs-websocket-js scripts) drive the Studio. Off by
// default; 127.0.0.1:4455 and a password when on. Each connection: Hello (with the password challenge), Identify,
// then requests, batches and the events it subscribed to. What a request does is the handler's business
// (obs-requests.ts); this module is the protocol.
import { decode as decodeMsgpack, encode as encodeMsgpack } from '@msgpack/msgpack';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import {
  authMatches,
  CloseCode,
  EventSubscription,
  JSON_SUBPROTOCOL,
  MSGPACK_SUBPROTOCOL,
  newChallenge,
  OBS_WEBSOCKET_VERSION,
  OpCode,
  parseClientMessage,
  RequestBatchExecutionType,
  RequestStatus,
  RPC_VERSION,
  type AuthChallenge,
  type RequestResult,
} from './obs-protocol.js';

export interface ObsServerOptions {
  host?: string;
  /** 0 picks a free one (tests). */
  port: number;
  password: string;
  /** Runs one request; a throw becomes RequestProcessingFailed with its message. */
  handle(requestType: string, requestData: Record<string, unknown>): Promise<RequestResult>;
  /** Biggest message accepted (a batch of requests): larger ones close the connection. */
  maxPayloadBytes?: number;
  /** A client identified, changed its subscriptions or left: what `wants` answers may have changed. */
  onSubscriptions?(): void;
}

interface Session {
  ws: WebSocket;
  /** obs-websocket's two encodings, as the client chose at the upgrade (JSON when it named none). */
  msgpack: boolean;
  challenge: AuthChallenge | null;
  identified: boolean;
  subscriptions: number;
}

/** An event and the subscription category it belongs to. */
export interface ObsEvent {
  eventType: string;
  intent: number;
  data?: Record<string, unknown>;
}

export class ObsWebSocketServer {
  private wss: WebSocketServer | null = null;
  private readonly sessions = new Set<Session>();

  constructor(private readonly o: ObsServerOptions) {}

  async listen(): Promise<{ port: number }> {
    const wss = new WebSocketServer({
      host: this.o.host ?? '127.0.0.1',
      port: this.o.port,
      maxPayload: this.o.maxPayloadBytes ?? 4 * 1024 * 1024,
      // JSON or MessagePack, as the client asks (JSON when it asks for both or neither); anything else is refused.
      handleProtocols: (protocols) =>
        protocols.size === 0 || protocols.has(JSON_SUBPROTOCOL) ? JSON_SUBPROTOCOL : protocols.has(MSGPACK_SUBPROTOCOL) ? MSGPACK_SUBPROTOCOL : false,
      // Browsers send an Origin: a web page must not drive the Studio (a local port is reachable from any tab).
      verifyClient: ({ req }: { req: IncomingMessage }) => !req.headers.origin,
    });
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    wss.on('connection', (ws) => this.onConnection(ws));
    const addr = wss.address();
    return { port: typeof addr === 'object' && addr ? addr.port : this.o.port };
  }

  /** Clients connected and identified. */
  get clients(): number {
    return [...this.sessions].filter((s) => s.identified).length;
  }

  /** Sends an event to every identified client subscribed to its category. */
  emit(e: ObsEvent): void {
    const d = { eventType: e.eventType, eventIntent: e.intent, ...(e.data && { eventData: e.data }) };
    for (const s of this.sessions) if (s.identified && (s.subscriptions & e.intent) !== 0) this.send(s, OpCode.Event, d);
  }

  /** Whether anyone listens to a high-volume category (the meters), so it is only computed when wanted. */
  wants(intent: number): boolean {
    return [...this.sessions].some((s) => s.identified && (s.subscriptions & intent) !== 0);
  }

  async close(): Promise<void> {
    const wss = this.wss;
    this.wss = null;
    if (!wss) return;
    for (const s of this.sessions) s.ws.close(1001, 'The Studio is closing its control server.');
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const s of this.sessions) s.ws.terminate();
    this.sessions.clear();
  }

  private onConnection(ws: WebSocket): void {
    const challenge = this.o.password ? newChallenge() : null;
    const s: Session = { ws, msgpack: ws.protocol === MSGPACK_SUBPROTOCOL, challenge, identified: false, subscriptions: EventSubscription.All };
    this.sessions.add(s);
    ws.on('close', () => {
      this.sessions.delete(s);
      if (s.identified) this.o.onSubscriptions?.();
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw, isBinary) => void this.onMessage(s, raw, isBinary));
    this.send(s, OpCode.Hello, {
      obsWebSocketVersion: OBS_WEBSOCKET_VERSION,
      rpcVersion: RPC_VERSION,
      ...(challenge && { authentication: { challenge: challenge.challenge, salt: challenge.salt } }),
    });
  }

  private send(s: Session, op: number, d: Record<string, unknown>): void {
    if (s.ws.readyState !== s.ws.OPEN) return;
    s.ws.send(s.msgpack ? encodeMsgpack({ op, d }) : JSON.stringify({ op, d }));
  }

  private async onMessage(s: Session, raw: RawData, isBinary: boolean): Promise<void> {
    let value: unknown;
    try {
      const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
      value = s.msgpack ? decodeMsgpack(bytes) : isBinary ? undefined : JSON.parse(bytes.toString('utf8'));
    } catch {
      return s.ws.close(CloseCode.MessageDecodeError, s.msgpack ? 'The message is not MessagePack.' : 'The message is not JSON.');
    }
    if (value === undefined) return s.ws.close(CloseCode.MessageDecodeError, 'A JSON session sends text messages.');
    const parsed = parseClientMessage(value);
    if (!parsed.ok) return s.ws.close(parsed.code, parsed.reason);
    const { msg } = parsed;
    if (msg.op === OpCode.Identify) {
      if (s.identified) return s.ws.close(CloseCode.AlreadyIdentified, 'Already identified; send Reidentify to change subscriptions.');
      if (msg.d.rpcVersion !== RPC_VERSION) return s.ws.close(CloseCode.UnsupportedRpcVersion, `Only rpcVersion ${RPC_VERSION} is spoken here.`);
      if (s.challenge && !authMatches(this.o.password, s.challenge, msg.d.authentication))
        return s.ws.close(CloseCode.AuthenticationFailed, 'Authentication failed: check the password in the Studio.');
      s.identified = true;
      s.subscriptions = msg.d.eventSubscriptions ?? EventSubscription.All;
      this.send(s, OpCode.Identified, { negotiatedRpcVersion: RPC_VERSION });
      return this.o.onSubscriptions?.();
    }
    if (!s.identified) return s.ws.close(CloseCode.NotIdentified, 'Identify first.');
    if (msg.op === OpCode.Reidentify) {
      s.subscriptions = msg.d.eventSubscriptions ?? EventSubscription.All;
      this.send(s, OpCode.Identified, { negotiatedRpcVersion: RPC_VERSION });
      return this.o.onSubscriptions?.();
    }
    if (msg.op === OpCode.Request) {
      const r = await this.run(msg.d.requestType, msg.d.requestData ?? {});
      return this.send(s, OpCode.RequestResponse, { requestType: msg.d.requestType, requestId: msg.d.requestId, ...response(r) });
    }
    // A batch: in order (SerialRealtime and SerialFrame alike: the Studio has no frame-timed queue), or all at once.
    const { requests, haltOnFailure, requestId } = msg.d;
    const executionType = msg.d.executionType ?? RequestBatchExecutionType.SerialRealtime;
    if (executionType === RequestBatchExecutionType.None || !Object.values(RequestBatchExecutionType).includes(executionType as -1)) {
      return this.send(s, OpCode.RequestBatchResponse, {
        requestId,
        results: requests.map((q) => ({
          requestType: q.requestType,
          ...(q.requestId != null && { requestId: q.requestId }),
          ...response({ code: RequestStatus.UnsupportedRequestBatchExecutionType, comment: `Execution type ${executionType} is not supported.` }),
        })),
      });
    }
    const results: Record<string, unknown>[] = [];
    const one = async (q: (typeof requests)[number]) => {
      const r = await this.run(q.requestType, q.requestData ?? {});
      return {
        failed: r.code !== RequestStatus.Success,
        entry: { requestType: q.requestType, ...(q.requestId != null && { requestId: q.requestId }), ...response(r) },
      };
    };
    if (executionType === RequestBatchExecutionType.Parallel) results.push(...(await Promise.all(requests.map(one))).map((x) => x.entry));
    else {
      for (const q of requests) {
        const r = await one(q);
        results.push(r.entry);
        if (haltOnFailure && r.failed) break;
      }
    }
    this.send(s, OpCode.RequestBatchResponse, { requestId, results });
  }

  private async run(requestType: string, data: Record<string, unknown>): Promise<RequestResult> {
    if (!requestType) return { code: RequestStatus.MissingRequestType, comment: 'No request type.' };
    try {
      return await this.o.handle(requestType, data);
    } catch (err) {
      return { code: RequestStatus.RequestProcessingFailed, comment: (err as Error)?.message ?? String(err) };
    }
  }
}

function response(r: RequestResult): Record<string, unknown> {
  const result = r.code === RequestStatus.Success;
  return {
    requestStatus: { result, code: r.code, ...(r.comment && !result && { comment: r.comment }) },
    ...(result && r.data && { responseData: r.data }),
  };
}
