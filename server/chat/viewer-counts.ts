// Live viewer counts per channel (who counts: services/audience.ts). This process's audience of a channel is its
// chat connections in the room (the channel's owner left out) and its players; the others' audiences arrive
// through the ViewerStore (viewers.ts). Every tick each process sends the merged count to its own connections,
// and only when it changed; the HTTP API reads the same number through total().
import type { Logger } from '../log.js';
import { every, type StopJob } from '../periodic.js';
import { countAudience, personKey, type LocalAudience } from '../services/audience.js';
import type { Memberships } from './membership.js';
import { CHANNEL_ROOM_PREFIX, roomOf, type ChatIo } from './protocol.js';
import type { ViewerStore } from './viewers.js';

/** This process's players (http/viewers.ts). */
export interface PlayerSource {
  clients(channel: string): string[];
  /** Channels whose count this process needs each tick besides its chat rooms: those with players, those live here. */
  channels(): string[];
}

export const noPlayers: PlayerSource = { clients: () => [], channels: () => [] };

export class ViewerCounts {
  /** The other processes' audiences, per channel, from the last tick. */
  private readonly others = new Map<string, LocalAudience[]>();
  private readonly lastSent = new Map<string, number>();
  /** Channels this process reported a non-empty audience for (so it reports the drop to none once). */
  private readonly reported = new Set<string>();
  private ticking = false;
  private stopTimer: StopJob | undefined;

  constructor(
    private readonly io: ChatIo,
    private readonly members: Memberships,
    private readonly store: ViewerStore,
    private readonly log: Logger,
    private readonly players: PlayerSource = noPlayers,
  ) {}

  start(intervalMs: number): void {
    this.stopTimer = every(intervalMs, () => void this.tick());
  }

  /** Stops ticking and withdraws this process's audiences. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.store.clear(this.reported).catch(() => {});
  }

  /** The channel's viewers: this process's audience now, merged with the others' as of the last tick. */
  total = (channel: string): number => countAudience([this.local(channel), ...(this.others.get(channel) ?? [])]);

  private local(channel: string): LocalAudience {
    const chat: LocalAudience['chat'] = [];
    const sockets = this.io.of('/').sockets;
    for (const id of this.io.of('/').adapter.rooms.get(roomOf(channel)) ?? []) {
      const socket = sockets.get(id);
      if (!socket?.data?.client) continue;
      const owner = this.members.roleIn(id, channel) === 'owner';
      chat.push([owner ? '' : personKey(socket.data.identity, socket.data.client), socket.data.client]);
    }
    return { chat, players: this.players.clients(channel) };
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const rooms = this.io.of('/').adapter.rooms;
      const channels = new Set<string>([...this.reported, ...this.players.channels()]);
      for (const room of rooms.keys()) if (room.startsWith(CHANNEL_ROOM_PREFIX)) channels.add(room.slice(CHANNEL_ROOM_PREFIX.length));
      const local = new Map<string, LocalAudience>();
      for (const c of channels) local.set(c, this.local(c));
      let others: Map<string, LocalAudience[]>;
      try {
        others = await this.store.report(local);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'viewer count exchange failed; using local counts');
        others = new Map();
      }
      for (const c of this.others.keys()) if (!local.has(c)) this.others.delete(c);
      for (const [channel, mine] of local) {
        const theirs = others.get(channel) ?? [];
        if (mine.chat.length + mine.players.length > 0) this.reported.add(channel);
        else this.reported.delete(channel);
        if (theirs.length) this.others.set(channel, theirs);
        else this.others.delete(channel);
        if (!rooms.has(roomOf(channel))) {
          this.lastSent.delete(channel);
          continue;
        }
        const total = countAudience([mine, ...theirs]);
        if (this.lastSent.get(channel) !== total) {
          this.lastSent.set(channel, total);
          this.io.local.to(roomOf(channel)).emit('viewers', { channel, count: total });
        }
      }
    } finally {
      this.ticking = false;
    }
  }
}
