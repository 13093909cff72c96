// The ffmpeg pipeline's local recording: the program its ffmpeg writes on a pipe (the packets that go on air, args.ts
// programFd), recorded by a FrameRecorder, so a recording starts and stops at any time while live (OBS's Start /
// Stop Recording while streaming) without touching the stream. Each ffmpeg run is a file of its own: a reconnect
// starts a new ffmpeg whose time starts again, and its part goes on in the next free numbered sibling (show.mkv,
// show-2.mkv, …), as a streamer finds them in the folder. One status for the whole recording: the part being
// written while it runs, the last part written once it stops.
import type { MediaFrame } from '../../server/media/frame.js';
import { recordPartPath } from './args.js';
import { FrameRecorder } from './frame-recorder.js';
import { NOTHING_RECORDED } from './record-file.js';
import type { RecordingStatus } from './types.js';

export interface PipelineRecordingOptions {
  /** The path the streamer gave. */
  path: string;
  ffmpegPath: string;
  onStatus(s: RecordingStatus): void;
}

export class PipelineRecording {
  status: RecordingStatus | null = null;
  private recorder: FrameRecorder | null = null;
  /** The part the next file may take (the first free one from there is used). */
  private part = 1;
  /** The last part that holds frames, for the status once the recording stops. */
  private written: string | null = null;
  /** A part being finished after its run ended, which the recording's stop waits for. */
  private finishing: Promise<void> = Promise.resolve();
  /** Stopping: no part opens any more. */
  private closing = false;
  private over = false;

  constructor(private readonly o: PipelineRecordingOptions) {}

  /** Whether a file is being written or will be at the next run. */
  get active(): boolean {
    return !this.over;
  }

  /**
   * An ffmpeg run's program starts, or the recording starts while one runs: a new part, fed first with the run's
   * metadata and configs so far (`heads`); it starts at the run's next keyframe.
   */
  runStarted(heads: readonly MediaFrame[]): void {
    if (this.over || this.closing || this.recorder) return;
    let opened: FrameRecorder | undefined;
    const r = new FrameRecorder({
      path: this.o.path,
      fromPart: this.part,
      ffmpegPath: this.o.ffmpegPath,
      // A part that fails while written (a full disk) ends the recording; the stream goes on.
      onStatus: (s) => {
        if (opened && opened === this.recorder && s.state === 'failed') this.end(s);
      },
    });
    opened = r;
    if (r.status.state !== 'recording') return this.end(r.status);
    this.recorder = r;
    this.report(r.status);
    for (const f of heads) r.push(f);
  }

  /** One frame of the running ffmpeg's program. */
  frame(f: MediaFrame): void {
    this.recorder?.push(f);
  }

  /** The run's ffmpeg exited (its pipe is closed, every frame pushed): its part is finished. */
  runEnded(): Promise<void> {
    const r = this.recorder;
    if (!r) return this.finishing;
    this.recorder = null;
    this.finishing = this.finishing.then(async () => {
      const end = await r.stop();
      if (end.state === 'stopped') {
        this.written = end.path;
        this.part = r.part! + 1;
      } else if (end.reason !== NOTHING_RECORDED) this.end(end);
    });
    return this.finishing;
  }

  /** Ends the recording: the part being written is finished; resolves with the final status. */
  async stop(): Promise<RecordingStatus | null> {
    if (this.over) return this.status;
    this.closing = true;
    await this.runEnded();
    if (this.over) return this.status;
    const path = this.written ?? this.status?.path ?? recordPartPath(this.o.path, this.part);
    this.end(this.written ? { state: 'stopped', path } : { state: 'failed', path, reason: NOTHING_RECORDED });
    return this.status;
  }

  private end(s: RecordingStatus): void {
    if (this.over) return;
    this.over = true;
    const r = this.recorder;
    this.recorder = null;
    if (r) void r.stop();
    this.report(s);
  }

  private report(s: RecordingStatus): void {
    this.status = s;
    this.o.onStatus(s);
  }
}
