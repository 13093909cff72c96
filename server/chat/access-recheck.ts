// Access taken back (on any process) applied to this process's connections: those that lost a channel leave its
// room with `removed`; those whose sign-in was revoked leave every room and are closed.
import type { AccessChange } from '../access/changes.js';
import type { ChatContext } from './context.js';
import { handshakeOf } from './connection.js';
import { subjectOf } from './protocol.js';

export async function recheckAccess(ctx: ChatContext, change: AccessChange): Promise<void> {
  const { io, opts, repo, members } = ctx;
  if (change.kind === 'stream-key-reset') return;
  const sockets = [...io.of('/').sockets.values()];
  if (change.kind === 'tokens-revoked') {
    for (const socket of sockets) {
      const identity = socket.data.identity;
      if (identity?.kind !== 'user' || identity.userId !== change.userId) continue;
      const now = await opts.identify(handshakeOf(opts, socket)).catch(() => null);
      if (now?.kind === 'user' && now.userId === change.userId) continue;
      for (const [channel] of members.entries(socket.id)) await members.remove(socket, channel, 'signed_out');
      socket.disconnect(true);
    }
    return;
  }
  if (change.kind === 'follow-removed') ctx.community.forgetFollow(change.channelId, change.userId);
  for (const socket of sockets) {
    const identity = socket.data.identity;
    if (change.kind === 'follow-removed' && !(identity?.kind === 'user' && identity.userId === change.userId)) continue;
    for (const [channel, j] of members.entries(socket.id)) {
      if (j.channelId !== change.channelId || j.role === 'owner') continue;
      const decision = await opts.canJoin(identity, channel);
      const banned = !!identity && (await repo.isBanned(j.channelId, subjectOf(identity, socket.data.ipHash)));
      if (!decision.ok || banned) await members.remove(socket, channel, banned ? 'banned' : 'access');
    }
  }
}
