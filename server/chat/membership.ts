// Which channels each of this process's connections joined, with its role there. Kept here and not in socket.data,
// which must stay serialisable for fetchSockets. socket.rooms stays the truth: a moderator on another process may
// have taken a connection out of a room (ban), so every read checks it.
import type { ChatRole } from '../api/chat.js';
import { ChatFailure, roomOf, type ChatSocket } from './protocol.js';

export interface Joined {
  channelId: number;
  ownerUserId: number;
  role: ChatRole;
}

export type RemovedReason = 'banned' | 'access' | 'signed_out';

export class Memberships {
  private readonly bySocket = new Map<string, Map<string, Joined>>();

  connected(socketId: string): void {
    this.bySocket.set(socketId, new Map());
  }

  disconnected(socketId: string): void {
    this.bySocket.delete(socketId);
  }

  /** The channels a connection joined (undefined once it is closing), without rooms it was taken out of. */
  current(socket: ChatSocket): Map<string, Joined> | undefined {
    const mine = this.bySocket.get(socket.id);
    if (mine) for (const c of mine.keys()) if (!socket.rooms.has(roomOf(c))) mine.delete(c);
    return mine;
  }

  /** The connection's entries as they are recorded, for re-checks that act on each. */
  entries(socketId: string): Array<[string, Joined]> {
    return [...(this.bySocket.get(socketId) ?? [])];
  }

  /** The connection's role in a channel it joined, if it did. */
  roleIn(socketId: string, channel: string): ChatRole | undefined {
    return this.bySocket.get(socketId)?.get(channel)?.role;
  }

  /** The channel as the connection joined it; `not_joined` if it did not (or was taken out). */
  require(socket: ChatSocket, channel: string): Joined {
    const j = this.bySocket.get(socket.id)?.get(channel);
    if (!j || !socket.rooms.has(roomOf(channel))) {
      this.bySocket.get(socket.id)?.delete(channel);
      throw new ChatFailure('not_joined', 'Join the channel first.');
    }
    return j;
  }

  async join(socket: ChatSocket, channel: string, joined: Joined): Promise<void> {
    await socket.join(roomOf(channel));
    this.bySocket.get(socket.id)?.set(channel, joined);
  }

  async leave(socket: ChatSocket, channel: string): Promise<void> {
    await socket.leave(roomOf(channel));
    this.bySocket.get(socket.id)?.delete(channel);
  }

  /** Takes a local connection out of a channel's room and tells it why. */
  async remove(socket: ChatSocket, channel: string, reason: RemovedReason): Promise<void> {
    await this.leave(socket, channel);
    socket.emit('removed', { channel, reason });
  }
}
