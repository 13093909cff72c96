// The stream output as obs-websocket clients see it: StartStream, StopStream and ToggleStream, and the
// StreamStateChanged events. As in OBS, they answer at once and the rest is told through events: StartStream gives
// OBS_WEBSOCKET_OUTPUT_STARTING, then STARTED, or STOPPED when the start fails; StopStream gives STOPPING, then STOPPED
// once main's broadcast has stopped (or back to where it was when the window could not stop it). Going live and
// stopping are the window's (it starts its encoder or asks main for the pipeline, as Go Live and Stop do), and in the
// engine mode that can take longer than a client waits for an answer: main asks the window, answers, and follows.
import type { BroadcastState } from '../../../broadcast/types.js';
import { broadcastRuns, type BroadcastStatus } from '../../../ipc-contract.js';
import type { OutputFigures } from '../studio-live.js';
import { fail, ok, RequestStatus, type RequestResult } from './obs-protocol.js';

export const OutputState = {
  Starting: 'OBS_WEBSOCKET_OUTPUT_STARTING',
  Started: 'OBS_WEBSOCKET_OUTPUT_STARTED',
  Reconnecting: 'OBS_WEBSOCKET_OUTPUT_RECONNECTING',
  Reconnected: 'OBS_WEBSOCKET_OUTPUT_RECONNECTED',
  Stopping: 'OBS_WEBSOCKET_OUTPUT_STOPPING',
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

/** Output states of a stream that went live and has not stopped. */
const ACTIVE: OutputStateName[] = [OutputState.Started, OutputState.Reconnecting, OutputState.Reconnected];

export class ObsOutput {
  private last: { state: OutputStateName; active: boolean } = { state: OutputState.Stopped, active: false };
  /** The start, or the stop, asked of the window and not yet settled (its number), else null. */
  private starting: number | null = null;
  private stopping: number | null = null;
  private asks = 0;

  constructor(private readonly side: OutputSide) {}

  /** Main's broadcast changed state. */
  broadcastState(s: BroadcastState, active: boolean): void {
    if (this.stopping !== null) {
      // Stopping until the broadcast has stopped (a start the window was still making comes and goes meanwhile).
      if (broadcastRuns(s.kind)) return;
      this.stopping = null;
    }
    if (this.starting !== null) {
      // Live settles a start; an end while the window is still starting is told once the window has answered (the
      // end of the previous broadcast, or a refusal the window will say more about).
      if (s.kind === 'live') this.starting = null;
      else if (!broadcastRuns(s.kind)) return;
    }
    const next = outputStateFor(s, active, this.last.state);
    // A stop made in the window (its Stop button, a set duration) is told as OBS tells a stop from its own window:
    // STOPPING, then STOPPED. A failure goes straight to STOPPED, as in OBS.
    if (s.kind === 'ended' && next === OutputState.Stopped && ACTIVE.includes(this.last.state)) this.set(OutputState.Stopping, false);
    this.set(next, active);
  }

  start(): RequestResult {
    // As OBS, whose output is still active while it stops.
    if (this.stopping !== null) return fail(RequestStatus.OutputRunning, 'The stream is still stopping.');
    if (this.starting !== null) return fail(RequestStatus.OutputRunning, 'The stream is already starting.');
    if (broadcastRuns(this.side.status().state.kind)) return fail(RequestStatus.OutputRunning, 'The stream is already running.');
    if (!this.side.service())
      return fail(RequestStatus.RequestProcessingFailed, 'Sign in to an Onair server or set a custom RTMP server (SetStreamServiceSettings) first.');
    const id = ++this.asks;
    this.starting = id;
    this.set(OutputState.Starting, false);
    void this.side.forward('StartStream', {}, START_ANSWER_MS).then(() => this.settle('starting', id));
    return ok();
  }

  stop(): RequestResult {
    if (this.stopping !== null) return ok();
    if (!this.running()) return fail(RequestStatus.OutputNotRunning, 'The stream is not running.');
    // The window stops its encoder and main's broadcast, as Stop does (after the start it is still making, if any).
    const timeoutMs = this.starting !== null ? START_ANSWER_MS : undefined;
    const id = ++this.asks;
    this.starting = null;
    this.stopping = id;
    this.set(OutputState.Stopping, false);
    void this.side.forward('StopStream', {}, timeoutMs).then(() => this.settle('stopping', id));
    return ok();
  }

  toggle(): RequestResult {
    const running = this.running();
    const r = running ? this.stop() : this.start();
    return r.code === RequestStatus.Success ? ok({ outputActive: !running }) : r;
  }

  private running(): boolean {
    return this.starting !== null || this.stopping !== null || broadcastRuns(this.side.status().state.kind);
  }

  /** The window answered the start or the stop `id`. Whatever it said, main's broadcast now tells where it got: live,
   * still connecting, or nowhere (stopped, or a start that could not be made or failed and ended the broadcast). */
  private settle(what: 'starting' | 'stopping', id: number): void {
    if (this[what] !== id) return;
    this[what] = null;
    const { state } = this.side.status();
    const { active } = this.side.output();
    this.set(outputStateFor(state, active, this.last.state), active);
  }

  private set(state: OutputStateName, active: boolean): void {
    if (state === this.last.state) return;
    this.last = { state, active };
    this.side.emit({ outputActive: active, outputState: state });
  }
}
