// Where a stream's files live: <mediaDir>/<streamId>/ (segments, playlists, the journal, a replay's thumbnail).
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readVerticalLink } from './vertical-link.js';

/** Stream ids are made by the media layer from these characters only; anything else names no stream folder. */
const STREAM_FOLDER = /^[A-Za-z0-9_-]+$/;

/**
 * Deletes a finished stream's folder (replay retention, a deleted account), and its vertical companion's folder when
 * the replay kept one. An id that is not a stream id does nothing.
 */
export async function deleteStreamFiles(mediaDir: string, streamId: string): Promise<void> {
  if (!STREAM_FOLDER.test(streamId)) return;
  const vertical = await readVerticalLink(mediaDir, streamId, false);
  if (vertical) await rm(path.join(mediaDir, vertical.streamId), { recursive: true, force: true });
  await rm(path.join(mediaDir, streamId), { recursive: true, force: true });
}

/** The folder's owner: written when a stream starts, read by crash recovery and by a kept companion's access check. */
export const STREAM_HEADER_FILE = 'stream.json';

export interface StreamHeader {
  streamId: string;
  channel: string;
  startedAt: number;
  role?: 'main' | 'vertical';
}

export function writeStreamHeader(dir: string, header: StreamHeader): Promise<void> {
  return writeFile(path.join(dir, STREAM_HEADER_FILE), JSON.stringify(header));
}

/** The header of the stream folder `dir`, or null when it has none or it names another folder. */
export async function readStreamHeader(dir: string): Promise<StreamHeader | null> {
  let header: Partial<StreamHeader>;
  try {
    header = JSON.parse(await readFile(path.join(dir, STREAM_HEADER_FILE), 'utf8')) as Partial<StreamHeader>;
  } catch {
    return null;
  }
  if (header.streamId !== path.basename(dir) || typeof header.channel !== 'string') return null;
  return {
    streamId: header.streamId,
    channel: header.channel,
    startedAt: Number(header.startedAt) || 0,
    role: header.role === 'vertical' ? 'vertical' : 'main',
  };
}
