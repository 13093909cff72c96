// The record output as obs-websocket clients see it: GetRecordStatus, StartRecord, StopRecord, ToggleRecord and the
// RecordStateChanged events, answered in main, which hosts the broadcast and its recording. A recording starts with
// Go Live ("Also record to") or at any time while live, from the broadcast's encode in either mode; in the engine
// mode also with no stream, as a recording alone, which needs the window's encoder, so main asks the window to start
// it (as StartStream does). Asked for what cannot be done, the answer says so in words (studio-live.ts
// recordRefusal, or the window's).
import type { RecordingStatus } from '../../../broadcast/types.js';
import type { RecordFigures, RecordRefusal } from '../studio-live.js';
import { OutputState, START_ANSWER_MS } from './obs-output.js';
import { fail, ok, RequestStatus, type RequestResult } from './obs-protocol.js';
import { timecode } from './obs-requests.js';

export interface RecordSide {
  figures(): RecordFigures;
  refusal(start: boolean): RecordRefusal | null;
  /** Whether a broadcast runs (a recording then starts in it; otherwise the window starts one alone). */
  streaming(): boolean;
  /** Starts recording in the running broadcast (to the path it was started with, else the default); resolves once named. */
  start(): Promise<RecordingStatus | null>;
  /** Passes a request to the window; resolves with its answer. */
  forward(requestType: string, requestData: Record<string, unknown>, timeoutMs?: number): Promise<RequestResult>;
  /** Stops recording; resolves once the files are finished. */
  stop(): Promise<RecordingStatus | null>;
  /** Sends RecordStateChanged to the subscribed clients. */
  emit(data: { outputActive: boolean; outputState: string; outputPath: string | null }): void;
}

function refused(r: RecordRefusal): RequestResult {
  return fail(
    r.code === 'recording'
      ? RequestStatus.OutputRunning
      : r.code === 'not_recording'
        ? RequestStatus.OutputNotRunning
        : RequestStatus.InvalidResourceState,
    r.message,
  );
}

export class ObsRecord {
  /** The last state told, with its file: a status repeated (the vertical file finishing after the main one) is not told again. */
  private told: { state: string; path: string | null } = { state: OutputState.Stopped, path: null };

  constructor(private readonly side: RecordSide) {}

  status(): RequestResult {
    const f = this.side.figures();
    return ok({
      outputActive: f.active,
      outputPaused: false,
      outputTimecode: timecode(f.durationMs),
      outputDuration: f.durationMs,
      outputBytes: f.bytes,
    });
  }

  async start(): Promise<RequestResult> {
    const no = this.side.refusal(true);
    if (no) return refused(no);
    // The window starts its encoder and the recording, as its Start recording button does (or says why not).
    if (!this.side.streaming()) return this.side.forward('StartRecord', {}, START_ANSWER_MS);
    const r = await this.side.start();
    if (r?.state === 'failed') return fail(RequestStatus.RequestProcessingFailed, r.reason ?? 'The recording could not start.');
    return ok();
  }

  async stop(): Promise<RequestResult> {
    const no = this.side.refusal(false);
    if (no) return refused(no);
    const r = await this.side.stop();
    return ok({ outputPath: r?.path ?? null });
  }

  async toggle(): Promise<RequestResult> {
    const active = this.side.figures().active;
    const r = active ? await this.stop() : await this.start();
    return r.code === RequestStatus.Success ? ok({ outputActive: !active }) : r;
  }

  /** The recording changed: STARTING then STARTED for a new file, STOPPING then STOPPED at its end (as OBS tells them). */
  recording(r: RecordingStatus): void {
    const active = r.state === 'recording';
    const state = active ? OutputState.Started : OutputState.Stopped;
    if (this.told.state === state && this.told.path === r.path) return;
    const wasActive = this.told.state === OutputState.Started;
    if (active && !wasActive) this.tell(OutputState.Starting, false, null);
    if (!active && wasActive) this.tell(OutputState.Stopping, false, null);
    this.tell(state, active, r.path);
  }

  private tell(outputState: string, outputActive: boolean, outputPath: string | null): void {
    this.told = { state: outputState, path: outputPath };
    this.side.emit({ outputActive, outputState, outputPath });
  }
}
