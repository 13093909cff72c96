// A replay's vertical companion: the main stream's folder names the companion's stream folder in `vertical.json`
// when the main stream ends, so the replay keeps both and deleting the replay deletes both.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const VERTICAL_LINK_FILE = 'vertical.json';
const STREAM_FOLDER = /^[A-Za-z0-9_-]+$/;

/** The companion's stream id and picture size. */
export interface VerticalLink {
  streamId: string;
  width: number;
  height: number;
}

export async function writeVerticalLink(streamDir: string, link: VerticalLink): Promise<void> {
  await writeFile(path.join(streamDir, VERTICAL_LINK_FILE), JSON.stringify(link));
}

/**
 * The vertical companion linked to stream `streamId`, or null (none, unreadable, or, when `playable`, its playlist
 * is not there: it ended with no media, or is still on air).
 */
export async function readVerticalLink(mediaDir: string, streamId: string, playable = true): Promise<VerticalLink | null> {
  if (!STREAM_FOLDER.test(streamId)) return null;
  let link: Partial<VerticalLink>;
  try {
    link = JSON.parse(await readFile(path.join(mediaDir, streamId, VERTICAL_LINK_FILE), 'utf8')) as Partial<VerticalLink>;
  } catch {
    return null;
  }
  if (typeof link.streamId !== 'string' || !STREAM_FOLDER.test(link.streamId) || link.streamId === streamId) return null;
  if (playable && !existsSync(path.join(mediaDir, link.streamId, 'index.m3u8'))) return null;
  return { streamId: link.streamId, width: Number(link.width) || 0, height: Number(link.height) || 0 };
}
