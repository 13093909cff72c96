// A local recording of frames already encoded: the frames that go on air, written as FLV into an ffmpeg that copies
// them into the file (`-c copy`: no second encode). Both modes record through it: the engine mode hands it the
// window's chunks (engine-recorder.ts), the ffmpeg pipeline the program its ffmpeg writes on a pipe
// (pipeline-recording.ts). The file starts at the first keyframe with the configs known so far, its time zero, so a
// recording may start at any moment of a broadcast. Matroska, fragmented MP4 for an .mp4 name, FLV for .flv
// (args.ts recordFormat). Never over a file already there (record-file.ts). Plain Node.
import { FfmpegProcess } from '../../server/ffmpeg/process.js';
import { flvHeader, flvTag } from '../../server/media/flv-writer.js';
import type { MediaFrame } from '../../server/media/frame.js';
import { recordFormat, recordPartPath } from './args.js';
import { freeRecordPart, NOTHING_RECORDED, whyNotRecording } from './record-file.js';
import type { RecordingStatus } from './types.js';

/** Bytes waiting for ffmpeg (a slow disk) beyond which frames are dropped until the next keyframe. */
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;
/** How long ffmpeg may take to write the file's end (Matroska's index) after the input ends. */
const FINISH_MS = 10_000;

export interface FrameRecorderOptions {
  /** The path the streamer gave: the file is its first free numbered sibling from `fromPart` on. */
  path: string;
  fromPart?: number;
  ffmpegPath: string;
  /**
   * The file's onMetaData, written at its start (`withAudio`: an audio config is known by then); without it the
   * latest `meta` frame pushed, if any.
   */
  metadata?(withAudio: boolean): MediaFrame;
  onStatus(s: RecordingStatus): void;
}

export class FrameRecorder {
  status: RecordingStatus;
  /** The part number of the file written (1: the path as given), or null when it could not be written at all. */
  readonly part: number | null;
  /** Video frames left out: before the first keyframe, or behind a disk that could not keep up. */
  droppedFrames = 0;
  private readonly proc: FfmpegProcess | null = null;
  private videoConfig?: MediaFrame;
  private audioConfig?: MediaFrame;
  private meta?: MediaFrame;
  /** Decode time (ms, as the frames are stamped) of the first keyframe: the file's zero. */
  private baseMs?: number;
  private dropping = false;
  private finishing = false;

  constructor(private readonly o: FrameRecorderOptions) {
    const part = freeRecordPart(o.path, o.fromPart);
    this.part = part;
    const file = part === null ? o.path : recordPartPath(o.path, part);
    const why = whyNotRecording(part === null ? null : file, o.path);
    if (why) {
      this.status = { state: 'failed', path: file, reason: why };
      o.onStatus(this.status);
      return;
    }
    this.status = { state: 'recording', path: file };
    this.proc = new FfmpegProcess({
      binary: o.ffmpegPath,
      command: {
        inputs: [{ url: 'pipe:0', format: 'flv' }],
        outputs: [{ url: file, ...recordFormat(file), maps: ['0'], video: { codec: 'copy' }, audio: { codec: 'copy' } }],
        // Checked free above; should a file appear meanwhile, ffmpeg refuses rather than write over it.
        overwrite: false,
      },
      stdin: 'pipe',
    });
    void this.proc.done.then((exit) => {
      if (this.finishing && exit.code === 0) return this.report({ state: 'stopped', path: file });
      const said = exit.stderrTail.trim().split('\n').at(-1) ?? '';
      this.report({ state: 'failed', path: file, reason: `The recording stopped: ${said || `ffmpeg exited (${exit.code ?? exit.signal})`}.` });
    });
    o.onStatus(this.status);
  }

  /** Whether frames are still taken (the file is being written and not finishing). */
  get writing(): boolean {
    return this.proc !== null && this.status.state === 'recording' && !this.finishing;
  }

  /** One frame of the program, in decode order. */
  push(f: MediaFrame): void {
    if (!this.writing) return;
    if (f.kind === 'meta') return void (this.meta = f);
    if (f.kind === 'config') {
      if (f.track === 'video') this.videoConfig = f;
      else if (f.track === 'audio') this.audioConfig = f;
      if (this.baseMs !== undefined) this.write(f, this.baseMs);
      return;
    }
    if (f.kind !== 'key' && f.kind !== 'inter') return;
    const videoKey = f.track === 'video' && f.kind === 'key';
    if (this.baseMs === undefined) {
      if (f.track !== 'video') return;
      if (!videoKey || !this.videoConfig) return void this.droppedFrames++;
      this.baseMs = f.dts;
      this.proc!.write(flvHeader(true, true));
      const meta = this.o.metadata?.(this.audioConfig !== undefined) ?? this.meta;
      if (meta) this.write(meta, meta.dts);
      this.write(this.videoConfig, this.videoConfig.dts);
      if (this.audioConfig) this.write(this.audioConfig, this.audioConfig.dts);
    }
    if (f.track === 'audio') {
      // Audio from before the picture's first frame has no place in the file.
      if (f.dts >= this.baseMs) this.write(f, this.baseMs);
      return;
    }
    if (this.dropping && !videoKey) return void this.droppedFrames++;
    this.dropping = false;
    if (!this.write(f, this.baseMs)) this.dropping = (this.proc!.stdin?.writableLength ?? 0) > MAX_BACKLOG_BYTES;
  }

  /** Ends the file (ffmpeg writes its index) and resolves with how it went. */
  async stop(): Promise<RecordingStatus> {
    if (!this.proc) return this.status;
    this.finishing = true;
    if (this.baseMs === undefined) {
      // No picture ever came (the broadcast failed at its start): no file, and no ffmpeg error to show for it.
      this.report({ state: 'failed', path: this.status.path, reason: NOTHING_RECORDED });
      this.proc.kill();
      return this.status;
    }
    await this.proc.finish(FINISH_MS);
    // Let the exit handler above report first.
    await new Promise((r) => setImmediate(r));
    return this.status;
  }

  /** `f` as a tag of the file, its time counted from `zeroMs`; false when ffmpeg's input is backed up. */
  private write(f: MediaFrame, zeroMs: number): boolean {
    let ok = true;
    for (const part of flvTag(f, zeroMs)) ok = this.proc!.write(part);
    return ok;
  }

  private report(s: RecordingStatus): void {
    if (this.status.state === 'failed') return;
    this.status = s;
    this.o.onStatus(s);
  }
}
