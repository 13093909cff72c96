// Where a stream's files live: <mediaDir>/<streamId>/ (segments, playlists, the journal, a replay's thumbnail).
import { rm } from 'node:fs/promises';
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
