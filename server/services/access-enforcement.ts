// Access taken back, here or on another process, reaches every door: cached answers go, chat connections that
// lost access leave the room, RTMP players that lost it are dropped, and a publisher whose key was replaced is
// dropped. Bans made in chat also close the invite and media doors (the ban check).
import type { AccessControl } from '../access/access.js';
import type { AccessChange, AccessChangeBus } from '../access/changes.js';
import type { Logger } from '../log.js';

export interface AccessEnforcementOptions {
  bus: AccessChangeBus;
  access: AccessControl;
  chat: {
    recheckAccess(change: AccessChange): Promise<void>;
    isBanned(channelId: number, who: { userId?: number; guestId?: string; address?: string }): Promise<boolean>;
  };
  rtmp: {
    liveChannels(): string[];
    dropPlayers(channel: string, shouldDrop: (query: string) => Promise<boolean>): Promise<number>;
  };
  /** May an RTMP player of `channel` that played with `query` still watch? (rtmpPlayAccess) */
  playerStillAllowed(channel: string, query: string): Promise<boolean>;
  /** A channel's stream key was replaced: drop its publisher if it used the old key (PublishAuthorizer). */
  keyReset(channel: string): Promise<void>;
  logger: Logger;
}

export function enforceAccessChanges(opts: AccessEnforcementOptions): void {
  const { bus, access, chat, rtmp, logger } = opts;
  // A banned chatter cannot come back through another invite, nor keep a private channel's media.
  access.setBanCheck((channelId, who) => chat.isBanned(channelId, { userId: who.userId, guestId: who.guestId, address: who.guestIp }));
  bus.subscribe((change) => {
    access.applyChange(change);
    chat.recheckAccess(change).catch((err) => logger.warn({ err: (err as Error).message, kind: change.kind }, 'chat access re-check failed'));
    for (const channel of rtmp.liveChannels()) {
      rtmp
        .dropPlayers(channel, async (query) => !(await opts.playerStillAllowed(channel, query)))
        .catch((err) => {
          logger.warn({ err: (err as Error).message, channel }, 'rtmp player access re-check failed');
        });
    }
    if (change.kind === 'stream-key-reset') {
      opts
        .keyReset(change.channel)
        .catch((err) => logger.warn({ err: (err as Error).message, channel: change.channel }, 'stream key re-check failed'));
    }
  });
}
