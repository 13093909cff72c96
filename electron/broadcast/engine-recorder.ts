// The engine mode's local recording ("Also record to"): the window's encoded chunks, the very ones that go on air,
// written as FLV into an ffmpeg that copies them into the file (no second encode). One file for the whole broadcast:
// the encoder runs on through the RTMP connection's reconnects, so the recording has no hole where the network had
// one (the ffmpeg pipeline restarts its ffmpeg, and so its file, at each reconnect). Matroska, or fragmented MP4 for
// an .mp4 name (args.ts recordFormat), as the pipeline records.
// Plain Node; it runs in the sender's thread.
import { FfmpegProcess } from '../../server/ffmpeg/process.js';
import { aacConfigFrame, avcConfigFrame } from '../../server/media/flv-tags.js';
import { dataFrame } from '../../server/media/flv.js';
import { flvHeader, flvTag } from '../../server/media/flv-writer.js';
import type { MediaFrame } from '../../server/media/frame.js';
import type { MediaChunk } from '../media-chunk.js';
import { recordFormat, recordPartPath } from './args.js';
import { chunkFrame, engineMetadata, type EngineSenderSettings } from './engine-sender.js';
import { freeRecordPart, NOTHING_RECORDED, whyNotRecording } from './record-file.js';
import type { RecordingStatus } from './types.js';

/** Bytes waiting for ffmpeg (a slow disk) beyond which frames are dropped until the next keyframe. */
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;
/** How long ffmpeg may take to write the file's end (Matroska's index) after the input ends. */
const FINISH_MS = 10_000;

export interface EngineRecorderOptions {
  /** The path the streamer gave. */
  path: string;
  ffmpegPath: string;
  settings: Pick<EngineSenderSettings, 'video' | 'audio'>;
  onStatus(s: RecordingStatus): void;
}

export class EngineRecorder {
  status: RecordingStatus;
  /** Video frames left out: before the first keyframe, or behind a disk that could not keep up. */
  droppedFrames = 0;
  private readonly proc: FfmpegProcess | null = null;
  private avcC?: Uint8Array;
  private asc?: Uint8Array;
  /** Session time (µs) of the first keyframe: the file's zero. */
  private baseUs?: number;
  private dropping = false;
  private finishing = false;

  constructor(private readonly o: EngineRecorderOptions) {
    const part = freeRecordPart(o.path);
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

  /**
   * One chunk of the main output; the file starts at the first keyframe with both configs known so far. A chunk the
   * codec library refuses is left out (counted), as the sender does: the recording goes on.
   */
  push(c: MediaChunk): void {
    if (!this.proc || this.status.state !== 'recording' || this.finishing) return;
    try {
      this.take(c);
    } catch {
      this.droppedFrames++;
    }
  }

  private take(c: MediaChunk): void {
    if (c.kind === 'video-config' || c.kind === 'audio-config') {
      if (c.kind === 'video-config') this.avcC = c.data.slice();
      else this.asc = c.data.slice();
      if (this.baseUs !== undefined) this.write(chunkFrame(c, this.dts(c.timestampUs)));
      return;
    }
    const key = c.kind === 'video-key';
    if (this.baseUs === undefined) {
      if (c.kind === 'audio-frame') return;
      if (!key || !this.avcC) return void this.droppedFrames++;
      this.baseUs = c.timestampUs;
      this.write(flvHeader(true, true));
      this.write(dataFrame(0, engineMetadata(this.o.settings, this.asc !== undefined)));
      this.write(avcConfigFrame(0, this.avcC));
      if (this.asc) this.write(aacConfigFrame(0, this.asc));
    }
    if (c.kind === 'audio-frame') {
      // Audio from before the picture's first frame has no place in the file.
      if (c.timestampUs >= this.baseUs) this.write(chunkFrame(c, this.dts(c.timestampUs)));
      return;
    }
    if (this.dropping && !key) return void this.droppedFrames++;
    this.dropping = false;
    const ok = this.write(chunkFrame(c, this.dts(c.timestampUs)));
    if (!ok) this.dropping = (this.proc!.stdin?.writableLength ?? 0) > MAX_BACKLOG_BYTES;
  }

  /** Ends the file (ffmpeg writes its index) and resolves with how it went. */
  async stop(): Promise<RecordingStatus> {
    if (!this.proc) return this.status;
    this.finishing = true;
    if (this.baseUs === undefined) {
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

  private dts(timestampUs: number): number {
    return Math.max(0, Math.round((timestampUs - this.baseUs!) / 1000));
  }

  private write(data: Buffer | MediaFrame): boolean {
    let ok = true;
    for (const part of Buffer.isBuffer(data) ? [data] : flvTag(data)) ok = this.proc!.write(part);
    return ok;
  }

  private report(s: RecordingStatus): void {
    if (this.status.state === 'failed') return;
    this.status = s;
    this.o.onStatus(s);
  }
}
