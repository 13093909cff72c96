// The chat modes applied to one message before it is stored: signed-in only, followers only (and for how long),
// the first-message delay for new accounts, blocked terms, slow mode. Everything comes from ChatCommunity's caches,
// so a message costs no database query here once the channel and the person are known. Owner and moderators are
// not checked (the caller skips them). Slow mode's windows are in a SlowModeStore (in Redis across processes).
import type { ChatIdentity } from '../api/chat.js';
import type { ChatCommunity } from './community.js';
import { ChatFailure, identityKey } from './protocol.js';
import type { SlowModeStore } from './slow-mode.js';

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
const minutesLeft = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

export class SendRules {
  constructor(
    private readonly community: ChatCommunity,
    private readonly slowMode: SlowModeStore,
    private readonly now: () => number,
  ) {}

  /** Throws the ChatFailure that refuses the message, if a mode does; else reserves the slow-mode slot. */
  async check(channelId: number, identity: ChatIdentity, text: string): Promise<void> {
    const { settings: s, blocked } = await this.community.rules(channelId);
    const now = this.now();
    if (s.signedInOnly && identity.kind !== 'user') throw new ChatFailure('signed_in_only', 'Only signed-in users can chat here right now.');
    if (s.followersOnlyMinutes !== null) {
      const since = identity.kind === 'user' ? await this.community.followedAt(channelId, identity.userId) : null;
      if (since === null) throw new ChatFailure('followers_only', 'Only followers can chat here right now: follow the channel to chat.');
      const left = since + s.followersOnlyMinutes * 60_000 - now;
      if (left > 0) {
        throw new ChatFailure(
          'followers_only',
          `Only people who have followed for ${plural(s.followersOnlyMinutes, 'minute')} can chat here; you can in ${plural(minutesLeft(left), 'minute')}.`,
          Math.ceil(left / 1000),
        );
      }
    }
    if (s.firstMessageDelayMinutes !== null && identity.kind === 'user') {
      const created = (await this.community.accountCreatedAt(identity.userId)) ?? now;
      const left = created + s.firstMessageDelayMinutes * 60_000 - now;
      if (left > 0) {
        throw new ChatFailure(
          'first_message_delay',
          `New accounts can chat here ${plural(s.firstMessageDelayMinutes, 'minute')} after signing up; you can in ${plural(minutesLeft(left), 'minute')}.`,
          Math.ceil(left / 1000),
        );
      }
    }
    // The term list is the owner's: never said back.
    if (blocked?.(text)) throw new ChatFailure('blocked_term', 'Your message contains a word or phrase this channel does not allow.');
    if (s.slowModeSeconds !== null) {
      const wait = await this.slowMode.take(`${channelId}|${identityKey(identity)}`, s.slowModeSeconds * 1000);
      if (wait > 0) {
        const secs = Math.ceil(wait / 1000);
        throw new ChatFailure('slow_mode', `Slow mode is on (one message every ${s.slowModeSeconds} s); you can send again in ${secs} s.`, secs);
      }
    }
  }

  /** Forgets slow-mode windows that ended. */
  sweep(): void {
    this.slowMode.sweep();
  }
}
