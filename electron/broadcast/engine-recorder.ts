// The engine mode's local recording ("Also record to", or the Record button while live): the window's encoded chunks,
// the very ones that go on air, recorded by a FrameRecorder (no second encode). One file for the whole broadcast:
// the encoder runs on through the RTMP connection's reconnects, so the recording has no hole where the network had
// one. Plain Node; it runs in the sender's thread.
import { dataFrame } from '../../server/media/flv.js';
import type { MediaChunk } from '../media-chunk.js';
import { chunkFrame, engineMetadata, type EngineSenderSettings } from './engine-sender.js';
import { FrameRecorder } from './frame-recorder.js';
import type { RecordingStatus } from './types.js';

export interface EngineRecorderOptions {
  /** The path the streamer gave. */
  path: string;
  ffmpegPath: string;
  settings: Pick<EngineSenderSettings, 'video' | 'audio'>;
  onStatus(s: RecordingStatus): void;
}

export class EngineRecorder {
  private readonly frames: FrameRecorder;

  constructor(o: EngineRecorderOptions) {
    this.frames = new FrameRecorder({
      path: o.path,
      ffmpegPath: o.ffmpegPath,
      metadata: (withAudio) => dataFrame(0, engineMetadata(o.settings, withAudio)),
      onStatus: o.onStatus,
    });
  }

  get status(): RecordingStatus {
    return this.frames.status;
  }

  /** Video frames left out: before the first keyframe, refused by the codec library, or behind a slow disk. */
  get droppedFrames(): number {
    return this.frames.droppedFrames;
  }

  /**
   * One chunk of the main output, at its session time (the file counts from its first keyframe). A chunk the codec
   * library refuses is left out (counted), as the sender does: the recording goes on.
   */
  push(c: MediaChunk): void {
    if (!this.frames.writing) return;
    let frame;
    try {
      frame = chunkFrame(c, c.timestampUs / 1000);
    } catch {
      this.frames.droppedFrames++;
      return;
    }
    this.frames.push(frame);
  }

  /** Ends the file (ffmpeg writes its index) and resolves with how it went. */
  stop(): Promise<RecordingStatus> {
    return this.frames.stop();
  }
}
