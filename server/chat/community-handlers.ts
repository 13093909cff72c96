// Chat events that change a channel's community rules: its modes (owner or moderators) and its moderators (owner
// only). ChatCommunity does the work, as for the HTTP routes; this turns its refusals into acks.
import type { ChatSettingsResult, ModerationResult } from '../api/chat.js';
import { CommunityError, type ChannelRef } from './community.js';
import type { ChatContext } from './context.js';
import { moderatedChannel } from './moderation.js';
import { ChatFailure, handle, isId, type ChatSocket } from './protocol.js';

async function refusalsAsAcks<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CommunityError) throw new ChatFailure(err.code, err.message);
    throw err;
  }
}

export function handleCommunity(ctx: ChatContext, socket: ChatSocket): void {
  const { log, community } = ctx;

  handle(log, socket, 'settings', async (payload): Promise<ChatSettingsResult> => {
    const { channel, j, actor } = await moderatedChannel(ctx, socket, payload);
    const ref: ChannelRef = { id: j.channelId, name: channel, ownerUserId: j.ownerUserId };
    const settings = await refusalsAsAcks(() => community.updateSettings(ref, actor, payload as Record<string, unknown>));
    log.info({ channel }, 'chat modes changed');
    return { settings };
  });

  const moderatorChange =
    (on: boolean) =>
    async (payload: unknown): Promise<ModerationResult> => {
      const { channel, j, actor } = await moderatedChannel(ctx, socket, payload);
      if (actor.userId !== j.ownerUserId) throw new ChatFailure('forbidden', 'Only the channel owner can appoint or remove moderators.');
      const userId = (payload as Record<string, unknown>).userId;
      if (!isId(userId)) throw new ChatFailure('bad_request', 'Give the userId of a signed-in user, e.g. a message author.');
      const username = await community.repo.usernameOf(userId);
      if (username === null) throw new ChatFailure('not_found', 'There is no such user.');
      const ref: ChannelRef = { id: j.channelId, name: channel, ownerUserId: j.ownerUserId };
      const user = { id: userId, username };
      const changed = await refusalsAsAcks(() => (on ? community.addModerator(ref, actor, user) : community.removeModerator(ref, actor, user)));
      log.info({ channel, userId, on }, 'chat moderator changed');
      return { affected: changed ? 1 : 0 };
    };
  handle(log, socket, 'addModerator', moderatorChange(true));
  handle(log, socket, 'removeModerator', moderatorChange(false));
}
