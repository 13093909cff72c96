// The stream output as obs-websocket clients see it: StartStream, StopStream and ToggleStream, and the
// StreamStateChanged events. As in OBS, StartStream answers at once once starting has begun and the rest is told
// through events: OBS_WEBSOCKET_OUTPUT_STARTING, then STARTED, or STOPPED when the start fails. Going live is the
// window's (it starts its encoder or asks main for the pipeline, as Go Live does), and in the engine mode that can take
// longer than a client waits for an answer: main asks the window to start, answers, and follows the start until the
// broadcast is live or the window says it failed.
import type { BroadcastState } from '../../../broadcast/types.js';
import type { BroadcastStatus } from '../../../ipc-contract.js';
import type { OutputFigures } from '../studio-live.js';
import { fail, ok, RequestStatus, type RequestResult } from './obs-protocol.js';

export const OutputState = {
  Starting: 'OBS_WEBSOCKET_OUTPUT_STARTING',
  Started: 'OBS_WEBSOCKET_OUTPUT_STARTED',
  Reconnecting: 'OBS_WEBSOCKET_OUTPUT_RECONNECTING',
  Reconnected: 'OBS_WEBSOCKET_OUTPUT_RECONNECTED',
  Stopped: 'OBS_WEBSOCKET_OUTPUT_STOPPED',
} as const;
type OutputStateName = (typeof OutputState)[keyof typeof OutputState];

/**
 * How long the window gets to finish a start it was asked for: the encoder's probe, the audio encoder's load (the
 * WebAssembly one), the first connection, on a busy machine. Past it, a start that has not reached main is over.
 */
export const START_ANSWER_MS = 60_000;

/** StreamStateChanged's outputState for a broadcast state. `active`: live, or reconnecting after having been live. */
export function outputStateFor(s: BroadcastState, active: boolean, previous: OutputStateName): OutputStateName {
  switch (s.kind) {
    case 'live':
      if (previous === OutputState.Reconnecting) return OutputState.Reconnected;
      return previous === OutputState.Started || previous === OutputState.Reconnected ? previous : OutputState.Started;
    case 'connecting':
    case 'reconnecting':
      // A first connection that is retried has not started yet: still starting, not reconnecting.
      return active ? OutputState.Reconnecting : OutputState.Starting;
    default:
      return OutputState.Stopped;
  }
}

export interface OutputSide {
  status(): BroadcastStatus;
  output(): OutputFigures;
  /** The RTMP server and key in use, or null when signed out. */
  service(): { server: string; key: string } | null;
  /** Passes a request to the window's engine; resolves with its answer (a 702 of its own after `timeoutMs`). */
  forward(requestType: string, requestData: Record<string, unknown>, timeoutMs?: number): Promise<RequestResult>;
  /** Sends StreamStateChanged to the subscribed clients. */
  emit(data: { outputActive: boolean; outputState: string }): void;
}

const RUNNING: BroadcastState['kind'][] = ['connecting', 'live', 'reconnecting'];

export class ObsOutput {
  private last: { state: OutputStateName; active: boolean } = { state: OutputState.Stopped, active: false };
  /** The start asked of the window and not yet answered (its number), else null. */
  private starting: number | null = null;
  private starts = 0;

  constructor(private readonly side: OutputSide) {}

  /** Main's broadcast changed state. */
  broadcastState(s: BroadcastState, active: boolean): void {
    if (this.starting !== null) {
      // Live settles a start; an end while the window is still starting is told once the window has answered (the
      // end of the previous broadcast, or a refusal the window will say more about).
      if (s.kind === 'live') this.starting = null;
      else if (!RUNNING.includes(s.kind)) return;
    }
    this.set(outputStateFor(s, active, this.last.state), active);
  }

  start(): RequestResult {
    if (this.starting !== null) return fail(RequestStatus.OutputRunning, 'The stream is already starting.');
    if (RUNNING.includes(this.side.status().state.kind)) return fail(RequestStatus.OutputRunning, 'The stream is already running.');
    if (!this.side.service())
      return fail(RequestStatus.RequestProcessingFailed, 'Sign in to an Onair server or set a custom RTMP server (SetStreamServiceSettings) first.');
    const id = ++this.starts;
    this.starting = id;
    this.set(OutputState.Starting, false);
    void this.side.forward('StartStream', {}, START_ANSWER_MS).then(() => {
      if (this.starting !== id) return;
      // Whatever the window said, main's broadcast now tells where the start got: live, still connecting, or
      // nowhere (the window could not start, or its start failed and ended the broadcast).
      this.starting = null;
      const { state } = this.side.status();
      const { active } = this.side.output();
      this.set(outputStateFor(state, active, this.last.state), active);
    });
    return ok();
  }

  async stop(): Promise<RequestResult> {
    if (this.starting === null && !RUNNING.includes(this.side.status().state.kind))
      return fail(RequestStatus.OutputNotRunning, 'The stream is not running.');
    // The window stops its encoder and main's broadcast, as Stop does (after the start it is still making, if any).
    return this.side.forward('StopStream', {}, this.starting !== null ? START_ANSWER_MS : undefined);
  }

  async toggle(): Promise<RequestResult> {
    const running = this.starting !== null || RUNNING.includes(this.side.status().state.kind);
    const r = running ? await this.stop() : this.start();
    return r.code === RequestStatus.Success ? ok({ outputActive: !running }) : r;
  }

  private set(state: OutputStateName, active: boolean): void {
    if (state === this.last.state) return;
    this.last = { state, active };
    this.side.emit({ outputActive: active, outputState: state });
  }
}
