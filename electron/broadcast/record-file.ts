// Where a recording goes. A file already there is never written over: a second Go Live with the same path, or the
// ffmpeg pipeline's next part after a reconnect, takes the first free numbered sibling (stream.mkv, stream-2.mkv,
// stream-3.mkv…), as a streamer who records every stream to one name expects of OBS (which names files by date).
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { recordPartPath } from './args.js';

/** How many numbered siblings are tried before giving up (a folder that full is a mistake worth saying). */
const MAX_PARTS = 10_000;

/** The first part number from `from` whose file does not exist yet; null when none of MAX_PARTS is free. */
export function freeRecordPart(recordPath: string, from = 1, exists: (p: string) => boolean = existsSync): number | null {
  for (let part = Math.max(1, from); part < from + MAX_PARTS; part++) if (!exists(recordPartPath(recordPath, part))) return part;
  return null;
}

export const NOTHING_RECORDED = 'Nothing was recorded: the stream never started.';

/**
 * Why a recording cannot be written as `file`, in words ("Not recording: …"), or null. Said before anything starts,
 * so that a wrong folder costs the recording alone, never the stream, in either mode.
 */
export function whyNotRecording(file: string | null, given: string): string | null {
  if (file === null) return `Not recording: ${given} and its numbered siblings all exist; pick another name.`;
  const dir = path.dirname(path.resolve(file));
  try {
    if (!statSync(dir).isDirectory()) return `Not recording: ${dir} is not a folder.`;
    accessSync(dir, fsConstants.W_OK);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? `Not recording: the folder ${dir} does not exist.`
      : `Not recording: the Studio may not write in ${dir}.`;
  }
}

/**
 * Where a recording started without a name goes: the Videos folder of the user (the home folder without one), named
 * by the local date and time as OBS names its recordings ("Onair 2026-12-07 14-05-09.mkv"); Matroska, which plays
 * up to where it stopped should the app or the machine stop first.
 */
export function defaultRecordPath(now = new Date(), home = homedir(), isDir: (p: string) => boolean = isFolder): string {
  const videos = path.join(home, 'Videos');
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
  return path.join(isDir(videos) ? videos : home, `Onair ${date} ${time}.mkv`);
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
