// Crash recovery: stream folders a server process left unfinished (it crashed or was killed mid-stream) become
// replays, their playlists and MPD written from the packager's journal with ENDLIST.
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MediaConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { StreamEnded } from './live-stream.js';
import { JOURNAL_FILE, LivePackager } from './packager.js';
import { readStreamHeader } from './stream-files.js';

/** Stream ids as LiveStream makes them (base64url of 9 random bytes); other names in the media folder are not ours. */
const STREAM_ID = /^[A-Za-z0-9_-]{12}$/;

export interface RecoveryContext {
  mediaDir: string;
  media: MediaConfig;
  logger: Logger;
  now: () => number;
  /** A stream of this process is live in the folder (it is not interrupted), or the process is closing. */
  skip: (streamId: string) => boolean;
  /** A main stream's ABR renditions' final playlists are written first: the master lists them. */
  recoverRenditions: (dir: string) => void;
  /** A recovered main stream is a replay now: called for each, in order. */
  ended: (ended: StreamEnded) => void;
}

/**
 * A folder counts as interrupted when `isRecorded` says it has no replay, `ctx.skip` does not claim it, and its journal
 * has not changed for `quietMs` (another process sharing the folder would append every second). A folder with no
 * segment is removed. Returns what was recovered.
 */
export async function recoverInterrupted(
  ctx: RecoveryContext,
  isRecorded: (streamId: string) => Promise<boolean>,
  quietMs: number,
): Promise<StreamEnded[]> {
  const out: StreamEnded[] = [];
  let names: string[];
  try {
    names = await readdir(ctx.mediaDir);
  } catch {
    return out;
  }
  const packagerOf = (dir: string) =>
    LivePackager.recover({ dir, segmentSeconds: ctx.media.segmentSeconds, liveWindow: ctx.media.liveWindowSegments });
  for (const name of names) {
    if (!STREAM_ID.test(name) || ctx.skip(name)) continue;
    const dir = path.join(ctx.mediaDir, name);
    try {
      const header = await readStreamHeader(dir);
      if (!header) continue;
      const journal = await stat(path.join(dir, JOURNAL_FILE)).catch(() => null);
      const lastChange = journal?.mtimeMs ?? (await stat(dir)).mtimeMs;
      if (ctx.now() - lastChange < quietMs) continue;
      // A companion has no replay row of its own: its folder is finished once it has its final playlists, and a
      // replay may link it. Nothing is emitted for it.
      if (header.role === 'vertical') {
        if (existsSync(path.join(dir, 'index.m3u8'))) continue;
        const packager = packagerOf(dir);
        if (!packager || packager.info().segments === 0) await rm(dir, { recursive: true, force: true });
        ctx.logger.info({ streamId: name }, 'interrupted vertical companion recovered');
        continue;
      }
      if (await isRecorded(name)) continue;
      ctx.recoverRenditions(dir);
      const packager = packagerOf(dir);
      const info = packager?.info();
      if (!packager || !info || info.segments === 0) {
        await rm(dir, { recursive: true, force: true });
        ctx.logger.info({ channel: header.channel, streamId: name }, 'interrupted stream had no media; removed');
        continue;
      }
      const ended: StreamEnded = {
        channel: header.channel,
        streamId: name,
        startedAt: header.startedAt,
        endedAt: Math.round(lastChange),
        durationSeconds: info.durationSeconds,
        bytes: info.bytes,
        segments: info.segments,
        discontinuities: packager.discontinuities(),
      };
      ctx.logger.warn({ channel: header.channel, streamId: name, durationSeconds: info.durationSeconds }, 'interrupted stream recovered as a replay');
      out.push(ended);
      ctx.ended(ended);
    } catch (err) {
      ctx.logger.warn({ streamId: name, err: (err as Error).message }, 'could not recover an interrupted stream');
    }
  }
  return out;
}
