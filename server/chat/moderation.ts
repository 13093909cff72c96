// Moderation by a channel's owner or moderators: delete a message, time out, ban (a guest's addresses too, from its
// connections on every process) and unban. A ban is published as an access change so the banned also lose the
// channel's media and invites.
import type { ModerationResult } from '../api/chat.js';
import type { ChatRepo } from '../db/chat.js';
import { limitOps, type ChatContext } from './context.js';
import type { Joined } from './membership.js';
import {
  canModerate,
  channelArg,
  ChatFailure,
  durationArg,
  guestRoom,
  handle,
  isGuestId,
  isId,
  isObj,
  roomOf,
  userRoom,
  type ChatSocket,
} from './protocol.js';

type Target = { userId: number } | { guestId: string };

const targetRoom = (t: Target) => ('userId' in t ? userRoom(t.userId) : guestRoom(t.guestId));

/** The user or guest a moderation target names. */
async function resolveTarget(repo: ChatRepo, channelId: number, target: unknown): Promise<Target> {
  if (!isObj(target)) throw new ChatFailure('bad_request', 'Give a target: { userId }, { guestId } or { messageId }.');
  if (isId(target.userId)) return { userId: target.userId };
  if (isGuestId(target.guestId)) return { guestId: target.guestId };
  if (isId(target.messageId)) {
    const m = await repo.messageById(channelId, target.messageId);
    if (!m) throw new ChatFailure('not_found', 'There is no such message in this chat.');
    if (m.userId !== null) return { userId: m.userId };
    if (m.guestId !== null) return { guestId: m.guestId };
    throw new ChatFailure('bad_request', 'System messages have no author to moderate.');
  }
  throw new ChatFailure('bad_request', 'Give a target: { userId }, { guestId } or { messageId }.');
}

export function handleModeration(ctx: ChatContext, socket: ChatSocket): void {
  const { io, log, repo, now } = ctx;
  /** The channel named in the payload, which this connection joined with a role that may moderate. */
  const moderated = (payload: unknown): { channel: string; j: Joined } => {
    limitOps(ctx, socket);
    const channel = channelArg(payload);
    const j = ctx.members.require(socket, channel);
    if (!canModerate(j.role)) throw new ChatFailure('forbidden', 'Only the channel owner can moderate this chat.');
    return { channel, j };
  };

  handle(log, socket, 'delete', async (payload): Promise<ModerationResult> => {
    const { channel, j } = moderated(payload);
    const id = (payload as Record<string, unknown>).messageId;
    if (!isId(id)) throw new ChatFailure('bad_request', 'Give the messageId to delete.');
    if (!(await repo.deleteMessage(j.channelId, id)))
      throw new ChatFailure('not_found', 'There is no such message in this chat (or it was already deleted).');
    io.to(roomOf(channel)).emit('deleted', { channel, id });
    log.info({ channel, messageId: id }, 'chat message deleted by moderator');
    return { affected: 1 };
  });

  handle(log, socket, 'timeout', async (payload): Promise<ModerationResult> => {
    const { channel, j } = moderated(payload);
    const p = payload as Record<string, unknown>;
    const seconds = durationArg(p.seconds, true)!;
    const target = await resolveTarget(repo, j.channelId, p.target);
    if ('userId' in target && target.userId === j.ownerUserId) throw new ChatFailure('forbidden', 'The channel owner cannot be timed out.');
    await repo.setTimeout(j.channelId, target, now() + seconds * 1000);
    io.to(targetRoom(target)).emit('system', { channel, kind: 'moderation', text: `A moderator timed you out for ${seconds} seconds.` });
    log.info({ channel, target, seconds }, 'chat timeout');
    return { affected: 1 };
  });

  handle(log, socket, 'ban', async (payload): Promise<ModerationResult> => {
    const { channel, j } = moderated(payload);
    const p = payload as Record<string, unknown>;
    const seconds = durationArg(p.seconds, false);
    const target = await resolveTarget(repo, j.channelId, p.target);
    if ('userId' in target && target.userId === j.ownerUserId) throw new ChatFailure('forbidden', 'The channel owner cannot be banned.');
    const expiresAt = seconds ? now() + seconds * 1000 : null;
    if ('userId' in target) {
      await repo.ban(j.channelId, target, expiresAt);
    } else {
      // The guest's addresses, from its connections on every process: a banned address cannot come back as a new guest.
      const sockets = await io.in(guestRoom(target.guestId)).fetchSockets();
      const hashes = [...new Set(sockets.map((s) => s.data?.ipHash).filter((h): h is string => typeof h === 'string'))];
      if (hashes.length === 0) await repo.ban(j.channelId, target, expiresAt);
      for (const ipHash of hashes) await repo.ban(j.channelId, { guestId: target.guestId, ipHash }, expiresAt);
    }
    await ctx.opts.publishAccessChange?.({ kind: 'banned', channelId: j.channelId, ...target });
    const room = targetRoom(target);
    io.to(room).emit('removed', { channel, reason: 'banned' });
    io.to(room).emit('system', { channel, kind: 'moderation', text: 'A moderator banned you from this chat.' });
    io.in(room).socketsLeave(roomOf(channel));
    log.info({ channel, target, seconds: seconds ?? null }, 'chat ban');
    return { affected: 1 };
  });

  handle(log, socket, 'unban', async (payload): Promise<ModerationResult> => {
    const { channel, j } = moderated(payload);
    const t = (payload as Record<string, unknown>).target;
    if (!isObj(t) || !(isId(t.userId) || isGuestId(t.guestId))) throw new ChatFailure('bad_request', 'Give a target: { userId } or { guestId }.');
    const affected = await repo.unban(j.channelId, isId(t.userId) ? { userId: t.userId } : { guestId: t.guestId as string });
    log.info({ channel, affected }, 'chat unban');
    return { affected };
  });
}
