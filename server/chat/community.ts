// A channel's community rules: its moderators and its chat modes, read on every message from caches (no database
// query per message), changed by the owner or moderators through HTTP or chat. Every change is logged, and
// published: each process (through the chat cluster when there are several) drops what it cached for that channel,
// and the publishing one tells the room. Follow ages and account ages, which the modes need, are cached too.
import { CHAT_SETTINGS_LIMITS, publicChatSettings, type ChatSettings, type PublicChatSettings } from '../api/chat.js';
import { ChatModerationRepo, type NewLogEntry, type StoredModerator } from '../db/chat-moderation.js';
import type { Db } from '../db/database.js';
import { compileBlockedTerms } from './blocked-terms.js';
import { applySettingsPatch, describeModes } from './chat-modes.js';

/** What changed, as every process hears it. */
export type CommunityChange =
  | { kind: 'settings'; channelId: number; channel: string; settings: PublicChatSettings; by: string }
  | { kind: 'moderator'; channelId: number; channel: string; userId: number; on: boolean };

export interface ChannelRef {
  id: number;
  /** Lowercase channel name. */
  name: string;
  ownerUserId: number;
}

export interface Actor {
  userId: number;
  name: string;
}

export interface CompiledRules {
  settings: ChatSettings;
  /** True when the text contains a blocked term; null when the channel blocks none. */
  blocked: ((text: string) => boolean) | null;
}

/** A refusal of bad input; HTTP answers it 400 / 403 / 404 and chat acks it with the same code. */
export class CommunityError extends Error {
  constructor(
    readonly code: 'bad_request' | 'forbidden' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

const MAX_MODERATORS = CHAT_SETTINGS_LIMITS.maxModerators;

/** Entries kept in each of the per-person caches before they are dropped wholesale. */
const PERSON_CACHE_MAX = 100_000;

export class ChatCommunity {
  readonly repo: ChatModerationRepo;
  private readonly rulesCache = new Map<number, Promise<CompiledRules>>();
  private readonly moderatorCache = new Map<number, Promise<Set<number>>>();
  /** `${channelId}:${userId}` -> followed since. Only follows are kept: unfollows arrive as access changes. */
  private readonly followCache = new Map<string, number>();
  private readonly accountCache = new Map<number, number>();
  private publisher: (change: CommunityChange) => void = (change) => this.forget(change);

  constructor(db: Db, opts: { now?: () => number } = {}) {
    this.repo = new ChatModerationRepo(db, opts);
  }

  /** Chat installs how changes reach every process and the room; it must call forget() on each process. */
  publishWith(publisher: (change: CommunityChange) => void): void {
    this.publisher = publisher;
  }

  /** Drops what this process cached about the channel a change is about. */
  forget(change: CommunityChange): void {
    if (change.kind === 'settings') this.rulesCache.delete(change.channelId);
    else this.moderatorCache.delete(change.channelId);
  }

  /** The user no longer follows the channel. */
  forgetFollow(channelId: number, userId: number): void {
    this.followCache.delete(`${channelId}:${userId}`);
  }

  rules(channelId: number): Promise<CompiledRules> {
    let p = this.rulesCache.get(channelId);
    if (!p) {
      p = this.repo.settings(channelId).then((settings) => ({ settings, blocked: compileBlockedTerms(settings.blockedTerms) }));
      p.catch(() => this.rulesCache.delete(channelId));
      this.rulesCache.set(channelId, p);
    }
    return p;
  }

  async isModerator(channelId: number, userId: number): Promise<boolean> {
    let p = this.moderatorCache.get(channelId);
    if (!p) {
      p = this.repo.moderatorIds(channelId).then((ids) => new Set(ids));
      p.catch(() => this.moderatorCache.delete(channelId));
      this.moderatorCache.set(channelId, p);
    }
    return (await p).has(userId);
  }

  async followedAt(channelId: number, userId: number): Promise<number | null> {
    const key = `${channelId}:${userId}`;
    const hit = this.followCache.get(key);
    if (hit !== undefined) return hit;
    const at = await this.repo.followedAt(channelId, userId);
    if (at !== null) remember(this.followCache, key, at);
    return at;
  }

  async accountCreatedAt(userId: number): Promise<number | null> {
    const hit = this.accountCache.get(userId);
    if (hit !== undefined) return hit;
    const at = await this.repo.accountCreatedAt(userId);
    if (at !== null) remember(this.accountCache, userId, at);
    return at;
  }

  // ---- changes ----

  /**
   * Applies the fields of `patch`; logs and announces the result. Reading the current settings, saving the new ones
   * and the log entry are one transaction: a change is saved and logged together or not at all, and two changes at
   * once cannot lose one (the second applies its patch to what the first saved). Announced only once committed.
   */
  async updateSettings(channel: ChannelRef, actor: Actor, patch: Record<string, unknown>): Promise<ChatSettings> {
    const { settings, pub } = await this.repo.inChannelTransaction(channel.id, async (tx) => {
      const current = await tx.settings(channel.id);
      const change = applySettingsPatch(current, patch);
      if (!change.ok) throw new CommunityError('bad_request', change.message);
      await tx.saveSettings(channel.id, change.settings);
      const pub = publicChatSettings(change.settings);
      const termsChanged = JSON.stringify(current.blockedTerms) !== JSON.stringify(change.settings.blockedTerms);
      await tx.log({
        channelId: channel.id,
        actor,
        action: 'settings',
        detail: describeModes(pub) + (termsChanged ? ' (blocked terms changed)' : ''),
      });
      return { settings: change.settings, pub };
    });
    this.publisher({ kind: 'settings', channelId: channel.id, channel: channel.name, settings: pub, by: actor.name });
    return settings;
  }

  async moderators(channelId: number): Promise<StoredModerator[]> {
    return this.repo.moderators(channelId);
  }

  /** True when appointed now (false: was one already). */
  async addModerator(channel: ChannelRef, actor: Actor, user: { id: number; username: string }): Promise<boolean> {
    if (user.id === channel.ownerUserId) throw new CommunityError('bad_request', 'The channel owner moderates the chat already.');
    const current = await this.repo.moderatorIds(channel.id);
    if (current.includes(user.id)) return false;
    if (current.length >= MAX_MODERATORS) throw new CommunityError('bad_request', `A channel can have at most ${MAX_MODERATORS} moderators.`);
    if (!(await this.repo.addModerator(channel.id, user.id))) return false;
    await this.log({ channelId: channel.id, actor, action: 'moderator_added', target: { userId: user.id, name: user.username } });
    this.publisher({ kind: 'moderator', channelId: channel.id, channel: channel.name, userId: user.id, on: true });
    return true;
  }

  /** True when removed now (false: was not one). */
  async removeModerator(channel: ChannelRef, actor: Actor, user: { id: number; username: string }): Promise<boolean> {
    if (!(await this.repo.removeModerator(channel.id, user.id))) return false;
    await this.log({ channelId: channel.id, actor, action: 'moderator_removed', target: { userId: user.id, name: user.username } });
    this.publisher({ kind: 'moderator', channelId: channel.id, channel: channel.name, userId: user.id, on: false });
    return true;
  }

  /** Records a moderation action. */
  log(entry: NewLogEntry): Promise<void> {
    return this.repo.log(entry);
  }
}

function remember<K>(cache: Map<K, number>, key: K, value: number): void {
  if (cache.size >= PERSON_CACHE_MAX) cache.clear();
  cache.set(key, value);
}
