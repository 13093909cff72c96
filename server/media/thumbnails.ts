// JPEG thumbnails cut from the newest segment by a short ffmpeg child. One queue for the whole server so
// thumbnails never take more than one core slot, however many streams are live.
import { readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { runFfmpeg } from '../ffmpeg/process.js';

export interface ThumbnailJob {
  dir: string;
  initFile: string;
  segmentFile: string;
}

export class Thumbnailer {
  private queue: ThumbnailJob[] = [];
  private running = 0;
  private readonly pendingDirs = new Set<string>();

  constructor(
    private readonly ffmpeg: string,
    private readonly logger: Logger,
    private readonly concurrency = 1,
  ) {}

  /** Queue a thumbnail for this stream; a stream already waiting is not queued twice. */
  request(job: ThumbnailJob): void {
    if (this.pendingDirs.has(job.dir)) return;
    this.pendingDirs.add(job.dir);
    this.queue.push(job);
    this.pump();
  }

  /** Waits until queued work is done (tests, shutdown). */
  async idle(timeoutMs = 15000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((this.running > 0 || this.queue.length > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      this.make(job)
        .catch((err) => this.logger.warn({ err: (err as Error).message, dir: path.basename(job.dir) }, 'thumbnail failed'))
        .finally(() => {
          this.running--;
          this.pendingDirs.delete(job.dir);
          this.pump();
        });
    }
  }

  private async make(job: ThumbnailJob): Promise<void> {
    // An init segment followed by one media segment is a playable fragmented MP4.
    const input = Buffer.concat([await readFile(path.join(job.dir, job.initFile)), await readFile(path.join(job.dir, job.segmentFile))]);
    const tmp = path.join(job.dir, 'thumb.tmp.jpg');
    const exit = await runFfmpeg({
      binary: this.ffmpeg,
      input,
      timeoutMs: 15000,
      command: {
        inputs: [{ url: 'pipe:0', format: 'mp4' }],
        outputs: [{ url: tmp, format: 'image2', frames: 1, audio: 'none', video: { codec: 'mjpeg', height: 360, options: { 'q:v': 5 } } }],
      },
    });
    if (exit.code !== 0) {
      await unlink(tmp).catch(() => {});
      throw new Error(`ffmpeg exited ${exit.code}: ${exit.stderrTail.trim().split('\n').pop() ?? ''}`);
    }
    await rename(tmp, path.join(job.dir, 'thumb.jpg'));
  }
}
