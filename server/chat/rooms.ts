// A connection's life in channel rooms: joining (access, ban and room-count checks, history), leaving, and sending
// a message (the chat modes checked, persisted first, then broadcast through the room's batcher).
import { CHAT_LIMITS, publicChatSettings, type JoinResult, type SendResult } from '../api/chat.js';
import { currentRole, limitOps, type ChatContext } from './context.js';
import {
  canModerate,
  channelArg,
  ChatFailure,
  guestRoom,
  handle,
  identityKey,
  roomOf,
  subjectOf,
  toChatMessage,
  userRoom,
  type ChatSocket,
} from './protocol.js';
import { cleanMessageText } from './text.js';

export function onConnection(ctx: ChatContext, socket: ChatSocket): void {
  const identity = socket.data.identity;
  ctx.members.connected(socket.id);
  if (identity?.kind === 'user') void socket.join(userRoom(identity.userId));
  else if (identity?.kind === 'guest') void socket.join(guestRoom(identity.guestId));
  socket.on('disconnect', () => ctx.members.disconnected(socket.id));
  handleRooms(ctx, socket);
}

function handleRooms(ctx: ChatContext, socket: ChatSocket): void {
  const { log, opts, repo, members, now } = ctx;
  const identity = socket.data.identity;

  handle(log, socket, 'join', async (payload): Promise<JoinResult> => {
    limitOps(ctx, socket);
    const channel = channelArg(payload);
    const mine = members.current(socket);
    if (!mine) throw new ChatFailure('internal', 'This connection is closing.');
    if (!mine.has(channel) && mine.size >= CHAT_LIMITS.maxRoomsPerSocket) {
      throw new ChatFailure('too_many_rooms', `One connection can be in at most ${CHAT_LIMITS.maxRoomsPerSocket} chats; leave one first.`);
    }
    const decision = await opts.canJoin(identity, channel);
    if (!decision.ok) throw new ChatFailure(decision.code, decision.reason);
    if (identity?.kind === 'guest' && identity.channelId !== decision.channelId) {
      throw new ChatFailure('forbidden', 'Your invite is for another channel.');
    }
    if (identity && (await repo.isBanned(decision.channelId, subjectOf(identity, socket.data.ipHash)))) {
      throw new ChatFailure('banned', 'You are banned from this chat.');
    }
    const role = await currentRole(ctx, decision, identity);
    // Join before reading the history so nothing falls between the two; a message may then arrive both in
    // the history and as a `message` event: clients de-duplicate by id.
    await members.join(socket, channel, { channelId: decision.channelId, ownerUserId: decision.ownerUserId, role });
    const [history, rules] = await Promise.all([repo.history(decision.channelId, CHAT_LIMITS.historySize), ctx.community.rules(decision.channelId)]);
    log.debug({ channel, kind: identity?.kind ?? 'anonymous' }, 'chat join');
    return {
      channel,
      history: history.map((m) => toChatMessage(m, channel)),
      viewers: ctx.viewers(channel),
      you: {
        name: identity ? (identity.kind === 'user' ? identity.username : identity.displayName) : '',
        role,
        canModerate: canModerate(role),
        signedIn: identity?.kind === 'user',
      },
      settings: publicChatSettings(rules.settings),
    };
  });

  handle(log, socket, 'leave', async (payload) => {
    await members.leave(socket, channelArg(payload));
    return {};
  });

  handle(log, socket, 'send', async (payload): Promise<SendResult> => {
    const channel = channelArg(payload);
    const j = members.require(socket, channel);
    if (!identity) throw new ChatFailure('sign_in_required', 'Sign in to chat.');
    const clean = cleanMessageText((payload as Record<string, unknown>).text);
    if (!clean.ok) throw new ChatFailure(clean.code, clean.message);
    const waitMs = await ctx.sendLimiter.take(identityKey(identity));
    if (waitMs > 0) {
      const s = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ChatFailure('rate_limited', `You are sending messages too fast; wait ${s} second${s === 1 ? '' : 's'}.`, s);
    }
    const who = identity.kind === 'user' ? { userId: identity.userId } : { guestId: identity.guestId };
    const [until, banned, decision] = await Promise.all([
      repo.timedOutUntil(j.channelId, who),
      repo.isBanned(j.channelId, subjectOf(identity, socket.data.ipHash)),
      opts.canJoin(identity, channel),
    ]);
    if (banned) throw new ChatFailure('banned', 'You are banned from this chat.');
    if (!decision.ok) {
      await members.remove(socket, channel, 'access');
      throw new ChatFailure(decision.code, decision.reason);
    }
    if (until !== null) {
      const s = Math.max(1, Math.ceil((until - now()) / 1000));
      throw new ChatFailure('timed_out', `A moderator timed you out; you can chat again in ${s} second${s === 1 ? '' : 's'}.`, s);
    }
    if (!canModerate(await currentRole(ctx, j, identity))) await ctx.sendRules.check(j.channelId, identity, clean.text);
    // Persisted first: nothing that is acknowledged or shown can be lost.
    const stored = await repo.insertMessage({
      channelId: j.channelId,
      ...who,
      authorName: identity.kind === 'user' ? identity.username : identity.displayName,
      text: clean.text,
    });
    const message = toChatMessage(stored, channel);
    ctx.broadcaster.send(roomOf(channel), message);
    return { message };
  });
}
