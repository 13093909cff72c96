// Moderation by a channel's owner or moderators: delete a message, time out, ban (a guest's addresses too, from its
// connections on every process) and unban. A ban is published as an access change so the banned also lose the
// channel's media and invites; with hideMessages the banned one's messages are hidden too. Every action is logged
// in the channel's moderation log.
import type { ModerationResult } from '../api/chat.js';
import type { ChatRepo } from '../db/chat.js';
import type { Actor } from './community.js';
import { currentRole, limitOps, type ChatContext } from './context.js';
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
/** A target with the name the log shows. */
type Named = Target & { name: string };

/** Ids a `hidden` event carries at most (clients hold the last CHAT_LIMITS.historySize messages and a little more). */
const HIDDEN_IDS_MAX = 1000;

const targetRoom = (t: Target) => ('userId' in t ? userRoom(t.userId) : guestRoom(t.guestId));

/** The user or guest a moderation target names. */
async function resolveTarget(ctx: ChatContext, repo: ChatRepo, channelId: number, target: unknown): Promise<Named> {
  if (!isObj(target)) throw new ChatFailure('bad_request', 'Give a target: { userId }, { guestId } or { messageId }.');
  if (isId(target.userId)) {
    const name = await ctx.community.repo.usernameOf(target.userId);
    if (name === null) throw new ChatFailure('not_found', 'There is no such user.');
    return { userId: target.userId, name };
  }
  if (isGuestId(target.guestId)) return { guestId: target.guestId, name: `guest ${target.guestId.slice(0, 12)}` };
  if (isId(target.messageId)) {
    const m = await repo.messageById(channelId, target.messageId);
    if (!m) throw new ChatFailure('not_found', 'There is no such message in this chat.');
    if (m.userId !== null) return { userId: m.userId, name: m.authorName };
    if (m.guestId !== null) return { guestId: m.guestId, name: m.authorName };
    throw new ChatFailure('bad_request', 'System messages have no author to moderate.');
  }
  throw new ChatFailure('bad_request', 'Give a target: { userId }, { guestId } or { messageId }.');
}

export interface Moderated {
  channel: string;
  j: Joined;
  actor: Actor;
}

/** The channel named in the payload, which this connection joined, and where it may moderate now. */
export async function moderatedChannel(ctx: ChatContext, socket: ChatSocket, payload: unknown): Promise<Moderated> {
  limitOps(ctx, socket);
  const channel = channelArg(payload);
  const j = ctx.members.require(socket, channel);
  const identity = socket.data.identity;
  if (identity?.kind !== 'user' || !canModerate(await currentRole(ctx, j, identity)))
    throw new ChatFailure('forbidden', 'Only the channel owner and its moderators can moderate this chat.');
  return { channel, j, actor: { userId: identity.userId, name: identity.username } };
}

/** The owner is out of reach; other moderators only of the owner's. */
async function mayActOn(ctx: ChatContext, j: Joined, actor: Actor, target: Target, what: string): Promise<void> {
  if (!('userId' in target)) return;
  if (target.userId === j.ownerUserId) throw new ChatFailure('forbidden', `The channel owner cannot be ${what}.`);
  if (actor.userId !== j.ownerUserId && (await ctx.community.isModerator(j.channelId, target.userId)))
    throw new ChatFailure('forbidden', `Only the channel owner can have a moderator ${what}.`);
}

const logTarget = (t: Named) => ('userId' in t ? { userId: t.userId, name: t.name } : { guestId: t.guestId, name: t.name });
const subject = (t: Named): Target => ('userId' in t ? { userId: t.userId } : { guestId: t.guestId });

export function handleModeration(ctx: ChatContext, socket: ChatSocket): void {
  const { io, log, repo, now } = ctx;
  const moderated = (payload: unknown) => moderatedChannel(ctx, socket, payload);

  handle(log, socket, 'delete', async (payload): Promise<ModerationResult> => {
    const { channel, j, actor } = await moderated(payload);
    const id = (payload as Record<string, unknown>).messageId;
    if (!isId(id)) throw new ChatFailure('bad_request', 'Give the messageId to delete.');
    const m = await repo.messageById(j.channelId, id);
    if (!m || !(await repo.deleteMessage(j.channelId, id)))
      throw new ChatFailure('not_found', 'There is no such message in this chat (or it was already deleted).');
    io.to(roomOf(channel)).emit('deleted', { channel, id });
    const author =
      m.userId !== null ? { userId: m.userId, name: m.authorName } : m.guestId !== null ? { guestId: m.guestId, name: m.authorName } : null;
    await ctx.community.log({ channelId: j.channelId, actor, action: 'delete', target: author, detail: m.text.slice(0, 200) });
    log.info({ channel, messageId: id }, 'chat message deleted by moderator');
    return { affected: 1 };
  });

  handle(log, socket, 'timeout', async (payload): Promise<ModerationResult> => {
    const { channel, j, actor } = await moderated(payload);
    const p = payload as Record<string, unknown>;
    const seconds = durationArg(p.seconds, true)!;
    const named = await resolveTarget(ctx, repo, j.channelId, p.target);
    const target = subject(named);
    await mayActOn(ctx, j, actor, target, 'timed out');
    await repo.setTimeout(j.channelId, target, now() + seconds * 1000);
    await ctx.community.log({ channelId: j.channelId, actor, action: 'timeout', target: logTarget(named), detail: `${seconds} s` });
    io.to(targetRoom(target)).emit('system', { channel, kind: 'moderation', text: `A moderator timed you out for ${seconds} seconds.` });
    log.info({ channel, target, seconds }, 'chat timeout');
    return { affected: 1 };
  });

  handle(log, socket, 'ban', async (payload): Promise<ModerationResult> => {
    const { channel, j, actor } = await moderated(payload);
    const p = payload as Record<string, unknown>;
    const seconds = durationArg(p.seconds, false);
    if (p.hideMessages !== undefined && typeof p.hideMessages !== 'boolean')
      throw new ChatFailure('bad_request', 'hideMessages must be true or false.');
    const named = await resolveTarget(ctx, repo, j.channelId, p.target);
    const target = subject(named);
    await mayActOn(ctx, j, actor, target, 'banned');
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
    if (p.hideMessages === true) {
      const ids = await repo.hideMessagesOf(j.channelId, target);
      if (ids.length) io.to(roomOf(channel)).emit('hidden', { channel, ids: ids.slice(-HIDDEN_IDS_MAX) });
    }
    const detail = `${seconds ? `${seconds} s` : 'permanent'}${p.hideMessages === true ? ', messages hidden' : ''}`;
    await ctx.community.log({ channelId: j.channelId, actor, action: 'ban', target: logTarget(named), detail });
    log.info({ channel, target, seconds: seconds ?? null }, 'chat ban');
    return { affected: 1 };
  });

  handle(log, socket, 'unban', async (payload): Promise<ModerationResult> => {
    const { channel, j, actor } = await moderated(payload);
    const t = (payload as Record<string, unknown>).target;
    if (!isObj(t) || !(isId(t.userId) || isGuestId(t.guestId))) throw new ChatFailure('bad_request', 'Give a target: { userId } or { guestId }.');
    const named = await resolveTarget(ctx, repo, j.channelId, t);
    const affected = await repo.unban(j.channelId, subject(named));
    if (affected) await ctx.community.log({ channelId: j.channelId, actor, action: 'unban', target: logTarget(named) });
    log.info({ channel, affected }, 'chat unban');
    return { affected };
  });
}
