// Streams that ended with media in the last minute, by channel. Their live URLs keep answering their last playlists
// (the live window, then ENDLIST): players a few seconds behind the edge, or paused a while, play the stream out
// instead of meeting a 404 before the replay is recorded. Never counted as live.
import type { LiveStream } from './live-stream.js';

/** How long an ended stream's live URLs still answer. */
export const ENDED_PLAYOUT_MS = 60_000;

export class RecentlyEnded {
  private readonly byChannel = new Map<string, { stream: LiveStream; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `stream` has just ended (its packager has ended: it renders its last playlists). */
  add(stream: LiveStream): void {
    const now = this.now();
    for (const [channel, e] of this.byChannel) if (e.until <= now) this.byChannel.delete(channel);
    this.byChannel.set(stream.key, { stream, until: now + ENDED_PLAYOUT_MS });
  }

  /** The channel's stream that ended within the last minute, if any (by registry key: a vertical companion's is verticalKey). */
  get(channel: string): LiveStream | undefined {
    const e = this.byChannel.get(channel);
    if (!e) return undefined;
    if (this.now() < e.until) return e.stream;
    this.byChannel.delete(channel);
    return undefined;
  }

  byStreamId(streamId: string): LiveStream | undefined {
    for (const [channel, e] of this.byChannel) if (e.stream.streamId === streamId) return this.get(channel);
    return undefined;
  }

  /** Its replay was deleted: its URLs stop answering at once. */
  forget(streamId: string): void {
    for (const [channel, e] of this.byChannel) if (e.stream.streamId === streamId) this.byChannel.delete(channel);
  }
}
