// Who counts as a viewer, in one place. A viewer is a person with a player or a chat connection on a channel,
// counted once: a browser on the watch page has both (its player polls playlists, its chat holds a connection).
// A person is the signed-in user, else the invite guest, else a client: a salted hash of address + user agent.
// Players are known only as clients (the media fast path resolves no sign-in), so a player whose client also has a
// chat connection is that connection's person. The channel's owner (the streamer's own Studio or watch page) is
// not a viewer of their own channel, nor is their player on the device where their chat is open.
import { createHash } from 'node:crypto';
import type { Identity } from '../api/types.js';

/** A player that has not fetched a playlist for this long has left. Players poll every 1-6 s (the target duration). */
export const PLAYER_TIMEOUT_MS = 15_000;

/** A client: the salted hash of an address and a user agent (no address is kept). */
export function clientKey(salt: string, address: string, userAgent = ''): string {
  return createHash('sha256').update(salt).update('\0').update(address).update('\0').update(userAgent).digest('base64url').slice(0, 22);
}

/** The person behind a chat connection. */
export function personKey(identity: Identity | null, client: string): string {
  if (identity?.kind === 'user') return `u:${identity.userId}`;
  if (identity?.kind === 'guest') return `g:${identity.guestId}`;
  return `c:${client}`;
}

/**
 * One process's audience of a channel: its chat connections (person, client) and its recent players' clients. The
 * owner's connections have person '': their client's player is theirs, and they are not counted.
 */
export interface LocalAudience {
  chat: Array<[person: string, client: string]>;
  players: string[];
}

/** The number of people in these audiences (one per process), each counted once. */
export function countAudience(parts: Iterable<LocalAudience>): number {
  const people = new Set<string>();
  const chatClients = new Set<string>();
  const players: string[][] = [];
  for (const p of parts) {
    for (const [person, client] of p.chat) {
      if (person) people.add(person);
      chatClients.add(client);
    }
    players.push(p.players);
  }
  const playersOnly = new Set<string>();
  for (const list of players) for (const c of list) if (!chatClients.has(c)) playersOnly.add(c);
  return people.size + playersOnly.size;
}
