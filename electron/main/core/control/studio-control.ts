// The Studio's control server, as main runs it: its settings (off by default; 127.0.0.1:4455; a password, generated
// when none is given, kept encrypted like the key), the obs-websocket server while it is on, requests for the window
// passed to it and its answers matched back, and the window's events and the stream's state sent on to clients.
import { randomBytes } from 'node:crypto';
import type { BroadcastState, RecordingStatus } from '../../../broadcast/types.js';
import type { ControlInfo, EventMap, EventName } from '../../../ipc-contract.js';
import type { SecretStore } from '../secret-store.js';
import { EventSubscription, fail, RequestStatus, type RequestResult } from './obs-protocol.js';
import { ObsOutput } from './obs-output.js';
import { ObsRecord, type RecordSide } from './obs-record.js';
import { handleRequest, type MainSide } from './obs-requests.js';
import { ObsWebSocketServer } from './obs-server.js';

export interface ControlSettings {
  enabled: boolean;
  port: number;
  password: string;
}

export const DEFAULT_CONTROL: ControlSettings = { enabled: false, port: 4455, password: '' };
/** How long the window gets to answer a request it owns. */
export const WINDOW_ANSWER_MS = 5000;
/** InputVolumeMeters' period: obs-websocket sends the meters every 50 ms. */
export const METERS_PERIOD_MS = 50;

export function parseControlSettings(json: string): ControlSettings | null {
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    if (typeof v.enabled !== 'boolean' || !Number.isInteger(v.port) || typeof v.password !== 'string') return null;
    return { enabled: v.enabled, port: v.port as number, password: v.password };
  } catch {
    return null;
  }
}

export class StudioControl {
  private server: ObsWebSocketServer | null = null;
  private boundPort: number | null = null;
  private error: string | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: RequestResult) => void>();
  /** StartStream / StopStream / ToggleStream and StreamStateChanged. */
  private readonly output: ObsOutput;
  /** GetRecordStatus / StartRecord / StopRecord / ToggleRecord and RecordStateChanged. */
  private readonly record: ObsRecord;
  /** Asks the window for its meters every METERS_PERIOD_MS while a client subscribed to InputVolumeMeters. */
  private metersTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: {
      store: SecretStore<ControlSettings>;
      main: Omit<MainSide, 'forward' | 'stream' | 'record'>;
      recording: Omit<RecordSide, 'emit' | 'forward'>;
      emit<E extends EventName>(event: E, payload: EventMap[E]): void;
      /** 0 in tests: any free port whatever the setting says. */
      portOverride?: number;
    },
  ) {
    this.output = new ObsOutput({
      ...o.main,
      forward: (t, d, ms) => this.forward(t, d, ms),
      emit: (data) => this.server?.emit({ eventType: 'StreamStateChanged', intent: EventSubscription.Outputs, data }),
    });
    this.record = new ObsRecord({
      ...o.recording,
      forward: (t, d, ms) => this.forward(t, d, ms),
      emit: (data) => this.server?.emit({ eventType: 'RecordStateChanged', intent: EventSubscription.Outputs, data }),
    });
  }

  /** Starts the server when the saved settings say so (the app's start). */
  async start(): Promise<ControlInfo> {
    const s = this.settings();
    if (s.enabled) await this.restart(s);
    return this.info();
  }

  info(): ControlInfo {
    const s = this.settings();
    return { ...s, listening: this.boundPort !== null, boundPort: this.boundPort, clients: this.server?.clients ?? 0, error: this.error };
  }

  /** New settings: saved, and the server (re)started or stopped to match. An empty password gets a generated one. */
  async configure(next: ControlSettings): Promise<ControlInfo> {
    const s: ControlSettings = { ...next, password: next.password || randomBytes(12).toString('base64url') };
    this.o.store.set(s);
    await this.restart(s);
    return this.info();
  }

  /** The window's answer to a forwarded request. */
  reply(id: number, r: RequestResult): void {
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    resolve(r);
  }

  /** An event from the window's engine (scenes, inputs, meters), for the clients subscribed to it. */
  event(eventType: string, intent: number, data?: Record<string, unknown>): void {
    this.server?.emit({ eventType, intent, data });
  }

  /**
   * Starts or stops asking the window for its meters as clients come, go and change their subscriptions.
   * InputVolumeMeters is high-volume and opt-in: while no client asked for it, no tick goes to the window and no
   * meters come back. Main keeps the clock (not the window), so a reloaded window answers the next tick unprompted.
   */
  private syncMeters(): void {
    const wanted = this.server?.wants(EventSubscription.InputVolumeMeters) ?? false;
    if (wanted && !this.metersTimer) {
      this.metersTimer = setInterval(() => this.o.emit('control:meters', {}), METERS_PERIOD_MS);
      this.metersTimer.unref();
    } else if (!wanted && this.metersTimer) {
      clearInterval(this.metersTimer);
      this.metersTimer = null;
    }
  }

  /** The local recording changed. */
  recordingChanged(r: RecordingStatus): void {
    this.record.recording(r);
  }

  /** Main's broadcast changed state; `active`: live, or reconnecting after having been live. */
  broadcastState(s: BroadcastState, active: boolean): void {
    this.output.broadcastState(s, active);
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = null;
    this.boundPort = null;
    this.syncMeters();
    for (const resolve of this.pending.values()) resolve(fail(RequestStatus.RequestProcessingFailed, 'The Studio is closing.'));
    this.pending.clear();
  }

  private settings(): ControlSettings {
    return this.o.store.get() ?? DEFAULT_CONTROL;
  }

  private async restart(s: ControlSettings): Promise<void> {
    await this.server?.close();
    this.server = null;
    this.boundPort = null;
    this.error = null;
    this.syncMeters();
    if (!s.enabled) return;
    const server = new ObsWebSocketServer({
      host: '127.0.0.1',
      port: this.o.portOverride ?? s.port,
      password: s.password,
      handle: (type, data) =>
        handleRequest({ ...this.o.main, stream: this.output, record: this.record, forward: (t, d) => this.forward(t, d) }, type, data),
      onSubscriptions: () => this.syncMeters(),
    });
    try {
      this.boundPort = (await server.listen()).port;
      this.server = server;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.error =
        e.code === 'EADDRINUSE' ? `Port ${s.port} is in use (OBS running?): choose another.` : `The control server could not start: ${e.message}`;
    }
  }

  private forward(requestType: string, requestData: Record<string, unknown>, timeoutMs = WINDOW_ANSWER_MS): Promise<RequestResult> {
    const id = this.nextId++;
    return new Promise<RequestResult>((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        resolve(fail(RequestStatus.RequestProcessingFailed, 'The Studio window did not answer (is it open?).'));
      }, timeoutMs);
      t.unref();
      this.pending.set(id, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.o.emit('control:request', { id, requestType, requestData });
    });
  }
}
