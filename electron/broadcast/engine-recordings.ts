// The engine mode's local recordings, in the sender's thread: the main output's file and, while the broadcast has a
// vertical output, the vertical canvas's file beside it (`show.mkv` and `show-vertical.mkv`, the same sound in both),
// as a streamer who posts the vertical cut afterwards wants it. A recording starts with the broadcast ("Also record
// to") or at any time while it runs (the Record button, obs-websocket's StartRecord), and stops alone (StopRecord) or
// with the broadcast. The configs of each output are kept, so a recording started midway begins at the next keyframe
// as a whole file. Both files are reported as one status (RecordingStatus, the vertical one inside).
import type { MediaChunk } from '../media-chunk.js';
import { recordNameWith } from './args.js';
import { EngineRecorder } from './engine-recorder.js';
import type { EngineSenderSettings } from './engine-sender.js';
import type { RecordingStatus } from './types.js';

export interface EngineRecordingsOptions {
  ffmpegPath: string;
  /** The main output's picture and the one sound. */
  settings: Pick<EngineSenderSettings, 'video' | 'audio'>;
  /** The vertical output's picture, when the broadcast has one. */
  vertical?: EngineSenderSettings['video'];
  onStatus(s: RecordingStatus): void;
}

/** `show.mkv` → `show-vertical.mkv`: the vertical file's name beside the main one's (a file there: its numbered sibling). */
export function verticalRecordPath(mainFile: string): string {
  return recordNameWith(mainFile, '-vertical');
}

type Output = 'main' | 'vertical';

export class EngineRecordings {
  private main: EngineRecorder | null = null;
  private vertical: EngineRecorder | null = null;
  private mainStatus: RecordingStatus | null = null;
  private verticalStatus: RecordingStatus | null = null;
  /** Counts the recordings started: a status from an earlier one (a vertical file finishing late) is not this one's. */
  private generation = 0;
  /** The latest configs of each output, for a recording that starts after them. */
  private readonly configs: Record<Output, Map<MediaChunk['kind'], MediaChunk>> = { main: new Map(), vertical: new Map() };

  constructor(private readonly o: EngineRecordingsOptions) {}

  /** Whether the main file is being written now. */
  get recording(): boolean {
    return this.main !== null && this.mainStatus?.state === 'recording';
  }

  /** The recording's status (the vertical file's inside), or null before the first. */
  get status(): RecordingStatus | null {
    if (!this.mainStatus) return null;
    return this.verticalStatus ? { ...this.mainStatus, vertical: this.verticalStatus } : this.mainStatus;
  }

  /** Starts recording to `path` (its first free sibling); nothing when a recording runs already. */
  start(path: string): void {
    if (this.recording) return;
    // What is left of a recording whose main file failed (its vertical one) ends here; its statuses are no longer shown.
    void this.stop();
    const generation = ++this.generation;
    this.mainStatus = this.verticalStatus = null;
    const main = this.recorder(path, this.o.settings, 'main', generation);
    if (main.status.state !== 'recording') return;
    this.main = main;
    // The vertical file is named after the main one as chosen (show-2.mkv → show-2-vertical.mkv), so they pair up.
    if (this.o.vertical)
      this.vertical = this.recorder(verticalRecordPath(main.status.path), { ...this.o.settings, video: this.o.vertical }, 'vertical', generation);
    const audio = this.configs.main.get('audio-config');
    for (const c of this.configs.main.values()) main.push(c);
    for (const c of this.configs.vertical.values()) this.vertical?.push(c);
    if (audio) this.vertical?.push(audio);
  }

  /** One chunk of the broadcast: the main output's and its sound to the main file, the vertical picture and the sound to the vertical one. */
  push(c: MediaChunk): void {
    const output: Output = c.output === 'vertical' ? 'vertical' : 'main';
    if (c.kind === 'video-config' || c.kind === 'audio-config') this.configs[output].set(c.kind, c);
    if (output === 'vertical') return this.vertical?.push(c);
    this.main?.push(c);
    if (c.kind === 'audio-config' || c.kind === 'audio-frame') this.vertical?.push(c);
  }

  /** Ends the files being written (each finished by its ffmpeg); resolves with the final status. */
  async stop(): Promise<RecordingStatus | null> {
    const running = [this.main, this.vertical];
    this.main = this.vertical = null;
    await Promise.all(running.map((r) => r?.stop()));
    return this.status;
  }

  private recorder(path: string, settings: EngineRecordingsOptions['settings'], output: Output, generation: number): EngineRecorder {
    return new EngineRecorder({
      path,
      ffmpegPath: this.o.ffmpegPath,
      settings,
      onStatus: (s) => {
        if (generation !== this.generation) return;
        if (output === 'main') this.mainStatus = s;
        else this.verticalStatus = s;
        // The main recorder reports its first status from its constructor, before the vertical one exists.
        if (this.mainStatus) this.o.onStatus(this.status!);
      },
    });
  }
}
