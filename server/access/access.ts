// Who is asking, and may they watch this channel? One place for the HTTP API, the media files and chat.
//
//   const access = new AccessControl({ channels, follows, invites, tokens, users, secret });
//   const who = await access.resolveIdentity({ cookieHeader: req.headers.cookie, bearer });   // Identity | null
//   if (!(await access.canWatch(who, 'alice'))) ...
//
// Visibility is cached per channel in memory (CHANNEL_CACHE_MS), so a public channel's segment requests cost a map
// lookup, not a query. PATCH /api/me/channel calls invalidate(); another server process sees the change within
// CHANNEL_CACHE_MS.
import { randomBytes } from 'node:crypto';
import { graphemeLength, hasBidiControl, isInvisibleOnly } from '../api/text-rules.js';
import type { Identity } from '../api/types.js';
import type { TokensRepo } from '../db/auth-tokens.js';
import type { ChannelsRepo } from '../db/channels.js';
import type { Channel, ChannelVisibility } from '../db/models.js';
import type { FollowsRepo, InvitesRepo } from '../db/social.js';
import type { UsersRepo } from '../db/users.js';
import { GUEST_COOKIE, SESSION_COOKIE, readCookie } from './credentials.js';
import { signGuestGrant, signMediaGrant, verifyGuestGrant, verifyMediaGrant, type GuestGrant, type MediaGrant } from './signed.js';

export { GUEST_COOKIE, SESSION_COOKIE, readCookie } from './credentials.js';

export const ACCESS_LIMITS = {
  /** Guest grants (the onair_guest cookie) last this long. */
  guestGrantSeconds: 12 * 3600,
  /** Media tokens (?t=) last this long. */
  mediaTokenSeconds: 6 * 3600,
  /** A channel's visibility is re-read from the database at least this often. */
  channelCacheMs: 30_000,
  /** A "yes" for a signed-in user on a private channel is remembered this long (segments come every second). */
  decisionCacheMs: 5_000,
  maxCachedChannels: 10_000,
  maxCachedDecisions: 50_000,
  displayNameMax: 32,
} as const;

/** What the access check needs to know about a channel. */
export interface ChannelAccessInfo {
  id: number;
  name: string;
  ownerId: number;
  visibility: ChannelVisibility;
  title: string;
}

/** Injected by chat: a banned user or guest address cannot get back in through another invite. */
export type BanCheck = (channelId: number, who: BanSubject) => Promise<boolean> | boolean;

/** Who is redeeming: a signed-in user, or a visitor by address (and their current guest id, if they have one). */
export interface BanSubject {
  userId?: number;
  guestId?: string;
  guestIp?: string;
}

/** canJoin's answer for chat: the channel's ids when allowed; when not, an error code and a reason in plain words. */
export type WatchDecision =
  | { ok: true; channelId: number; ownerUserId: number }
  | { ok: false; code: 'not_found' | 'forbidden'; reason: string };

export interface AccessControlOptions {
  channels: ChannelsRepo;
  follows: FollowsRepo;
  invites: InvitesRepo;
  tokens: TokensRepo;
  users: UsersRepo;
  /** HMAC key for guest grants and media tokens. */
  secret: string;
  now?: () => number;
}

/** Credentials a media request may carry. */
export interface MediaCredentials {
  /** ?t= */
  mediaToken?: string;
  bearer?: string;
  sessionCookie?: string;
  guestCookie?: string;
}

// C0/C1 controls and line separators.
const NAME_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A guest's display name: trimmed, inner white space collapsed, 1–32 grapheme clusters that show something, no
 * control or bidi characters (names that reorder the text around them); null when refused.
 */
export function cleanDisplayName(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const name = raw.trim().replace(/\s+/g, ' ');
  const max = ACCESS_LIMITS.displayNameMax;
  if (NAME_CONTROL.test(name) || hasBidiControl(name) || isInvisibleOnly(name) || graphemeLength(name, max) > max) return null;
  return name;
}

export class AccessControl {
  private readonly now: () => number;
  private readonly byName = new Map<string, { info: ChannelAccessInfo | null; at: number }>();
  private readonly decisions = new Map<string, number>();
  private readonly revokedInvites = new Set<number>();
  private banCheck: BanCheck = () => false;

  constructor(private readonly opts: AccessControlOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Loads invites revoked recently enough that guest grants made from them may still be around. */
  async start(): Promise<void> {
    const since = this.now() - ACCESS_LIMITS.guestGrantSeconds * 1000;
    for (const id of await this.opts.invites.revokedSince(since)) this.revokedInvites.add(id);
  }

  /** Chat installs its ban lookup here. Default: nobody is banned. */
  setBanCheck(check: BanCheck): void {
    this.banCheck = check;
  }

  async isBanned(channelId: number, who: BanSubject): Promise<boolean> {
    return !!(await this.banCheck(channelId, who));
  }

  // ---- channels ------------------------------------------------------------------------------------------

  /** A channel's access facts, cached; null for no such channel. */
  async channel(name: string): Promise<ChannelAccessInfo | null> {
    const key = name.toLowerCase();
    const hit = this.byName.get(key);
    if (hit && this.now() - hit.at < ACCESS_LIMITS.channelCacheMs) return hit.info;
    const ch = await this.opts.channels.byName(key);
    return this.remember(key, ch);
  }

  /** The cached facts only, without a query: undefined when not cached or stale (callers then ask channel()). */
  cachedChannel(name: string): ChannelAccessInfo | null | undefined {
    const hit = this.byName.get(name.toLowerCase());
    return hit && this.now() - hit.at < ACCESS_LIMITS.channelCacheMs ? hit.info : undefined;
  }

  async channelById(id: number): Promise<ChannelAccessInfo | null> {
    for (const { info, at } of this.byName.values()) {
      if (info?.id === id && this.now() - at < ACCESS_LIMITS.channelCacheMs) return info;
    }
    const ch = await this.opts.channels.byId(id);
    return ch ? this.remember(ch.name, ch) : null;
  }

  private remember(key: string, ch: Channel | null): ChannelAccessInfo | null {
    const info = ch ? { id: ch.id, name: ch.name, ownerId: ch.userId, visibility: ch.visibility, title: ch.title } : null;
    this.byName.delete(key);
    this.byName.set(key, { info, at: this.now() });
    if (this.byName.size > ACCESS_LIMITS.maxCachedChannels) this.byName.delete(this.byName.keys().next().value!);
    return info;
  }

  /** A channel's settings changed: forget what was cached about it (and every cached "yes"). */
  invalidate(channelName: string): void {
    this.byName.delete(channelName.toLowerCase());
    this.decisions.clear();
  }

  /** Follows and grants changed for someone: forget cached "yes" answers. */
  forgetDecisions(): void {
    this.decisions.clear();
  }

  inviteRevoked(inviteId: number): void {
    this.revokedInvites.add(inviteId);
    this.decisions.clear();
  }

  // ---- identities ----------------------------------------------------------------------------------------

  /**
   * The caller, from (in this order) a bearer token, the session cookie, an explicit guest grant, or the guest
   * cookie. A user wins over a guest. null when nothing valid was presented.
   */
  async resolveIdentity(input: { cookieHeader?: string; bearer?: string; guestToken?: string }): Promise<Identity | null> {
    const user = await this.userFromToken(input.bearer) ?? await this.userFromToken(readCookie(input.cookieHeader, SESSION_COOKIE));
    if (user) return user;
    const grant = this.guestGrant(input.guestToken) ?? this.guestGrant(readCookie(input.cookieHeader, GUEST_COOKIE));
    return grant ? { kind: 'guest', guestId: grant.guestId, displayName: grant.displayName, channelId: grant.channelId } : null;
  }

  private async userFromToken(raw: string | undefined): Promise<Identity | null> {
    if (!raw || raw.length > 200) return null;
    const resolved = await this.opts.tokens.resolve(raw);
    if (!resolved) return null;
    const user = await this.opts.users.byId(resolved.userId);
    return user ? { kind: 'user', userId: user.id, username: user.username } : null;
  }

  /** A valid, unexpired guest grant whose invite has not been revoked, or null. */
  guestGrant(token: string | undefined): GuestGrant | null {
    if (!token) return null;
    const g = verifyGuestGrant(this.opts.secret, token, this.now());
    return g && !this.revokedInvites.has(g.inviteId) ? g : null;
  }

  mediaGrant(token: string | undefined): MediaGrant | null {
    if (!token) return null;
    const m = verifyMediaGrant(this.opts.secret, token, this.now());
    return m && (m.inviteId === undefined || !this.revokedInvites.has(m.inviteId)) ? m : null;
  }

  newGuest(channelId: number, inviteId: number, displayName: string | null): { grant: GuestGrant; token: string } {
    const guestId = 'g_' + randomBytes(9).toString('base64url');
    const grant: GuestGrant = {
      channelId,
      guestId,
      displayName: displayName ?? `Guest ${guestId.slice(-4)}`,
      inviteId,
      expiresAt: this.now() + ACCESS_LIMITS.guestGrantSeconds * 1000,
    };
    return { grant, token: signGuestGrant(this.opts.secret, grant) };
  }

  newMediaToken(channelId: number, inviteId?: number): { token: string; expiresAt: number } {
    const expiresAt = this.now() + ACCESS_LIMITS.mediaTokenSeconds * 1000;
    return { token: signMediaGrant(this.opts.secret, { channelId, expiresAt, ...(inviteId !== undefined ? { inviteId } : {}) }), expiresAt };
  }

  // ---- decisions -----------------------------------------------------------------------------------------

  /** May this identity watch the channel (live, replays, chat)? Unknown channels: false. */
  async canWatch(identity: Identity | null, channel: string | ChannelAccessInfo): Promise<boolean> {
    const info = typeof channel === 'string' ? await this.channel(channel) : channel;
    if (!info) return false;
    if (info.visibility === 'public') return true;
    if (!identity) return false;
    if (identity.kind === 'guest') return identity.channelId === info.id;
    return this.userMayWatch(identity.userId, info);
  }

  /** canWatch with the channel's ids, or the reason for a refusal (the shape chat's canJoin wants). */
  async watchDecision(identity: Identity | null, channelName: string): Promise<WatchDecision> {
    const info = await this.channel(channelName);
    if (!info) return { ok: false, code: 'not_found', reason: `There is no channel called ${JSON.stringify(channelName.slice(0, 64))}.` };
    if (await this.canWatch(identity, info)) return { ok: true, channelId: info.id, ownerUserId: info.ownerId };
    if (identity?.kind === 'guest') return { ok: false, code: 'forbidden', reason: `Your invite is for another channel; ${info.name} is private.` };
    return {
      ok: false,
      code: 'forbidden',
      reason: info.visibility === 'followers' && identity?.kind !== 'user'
        ? `${info.name} is for followers: sign in and follow to watch.`
        : info.visibility === 'followers'
          ? `${info.name} is for followers: follow to watch.`
          : `${info.name} is invite-only: open the invite link you were sent.`,
    };
  }

  async userMayWatch(userId: number, info: ChannelAccessInfo): Promise<boolean> {
    if (info.visibility === 'public' || info.ownerId === userId) return true;
    if (info.visibility === 'followers' && (await this.opts.follows.isFollowing(userId, info.id))) return true;
    return this.opts.invites.hasGrant(userId, info.id);
  }

  /**
   * The check on every media request of a non-public channel: a media token for this channel, a guest grant for
   * it, or a user session / bearer allowed to watch. Grants are HMAC checks; a user's "yes" is cached briefly.
   */
  async mediaAllowed(info: ChannelAccessInfo, creds: MediaCredentials): Promise<boolean> {
    if (info.visibility === 'public') return true;
    if (creds.mediaToken && this.mediaGrant(creds.mediaToken)?.channelId === info.id) return true;
    if (creds.guestCookie && this.guestGrant(creds.guestCookie)?.channelId === info.id) return true;
    for (const raw of [creds.bearer, creds.sessionCookie]) {
      if (!raw || raw.length > 200) continue;
      const key = `${info.id}\u0000${raw}`;
      const at = this.decisions.get(key);
      if (at !== undefined && this.now() - at < ACCESS_LIMITS.decisionCacheMs) return true;
      const resolved = await this.opts.tokens.resolve(raw);
      if (resolved && (await this.userMayWatch(resolved.userId, info))) {
        this.decisions.set(key, this.now());
        if (this.decisions.size > ACCESS_LIMITS.maxCachedDecisions) this.decisions.delete(this.decisions.keys().next().value!);
        return true;
      }
    }
    return false;
  }
}
