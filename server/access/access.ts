// Who is asking, and may they watch this channel? One place for the HTTP API, the media files and chat.
//
//   const access = new AccessControl({ channels, follows, invites, tokens, users, secret });
//   const who = await access.resolveIdentity({ cookieHeader: req.headers.cookie, bearer });   // Identity | null
//   if (!(await access.canWatch(who, 'alice'))) ...
//
// Visibility is cached per channel in memory (channelCacheMs), so a public channel's segment requests cost a map
// lookup, not a query; a "yes" for a user or guest on a private channel is cached briefly (decisionCacheMs). Whatever
// takes access back reaches every process as an AccessChange (changes.ts), and applyChange() drops what it touches,
// so a revoked invite, a removed follow, a ban or a visibility change is refused on the next request. With the
// database unreachable, a channel's last known facts stand (live media goes on; what needs the database gets 503).
import { randomBytes } from 'node:crypto';
import type { AccessChange } from './changes.js';
import { graphemeLength, hasBidiControl, isInvisibleOnly } from '../api/text-rules.js';
import type { Identity } from '../api/types.js';
import type { TokensRepo } from '../db/auth-tokens.js';
import type { ChannelsRepo } from '../db/channels.js';
import { isConnectionError } from '../db/database.js';
import type { Channel, ChannelVisibility } from '../db/models.js';
import type { InvitesRepo } from '../db/invites.js';
import type { FollowsRepo } from '../db/social.js';
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
  /** A "yes" for a user or guest on a private channel is remembered this long (segments come every second); any
   * AccessChange clears them all at once, so this only bounds the cost, not how long a revocation takes. */
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

export function channelAccessInfo(c: Channel): ChannelAccessInfo {
  return { id: c.id, name: c.name, ownerId: c.userId, visibility: c.visibility, title: c.title };
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
export type WatchDecision = { ok: true; channelId: number; ownerUserId: number } | { ok: false; code: 'not_found' | 'forbidden'; reason: string };

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
  /** When each "yes" was decided: `u:<channel>:<user>` and `g:<channel>:<guest>`. */
  private readonly decisions = new Map<string, number>();
  private readonly tokenUsers = new Map<string, { userId: number; at: number }>();
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
    try {
      return this.remember(key, await this.opts.channels.byName(key));
    } catch (err) {
      // The database is unreachable: what was last known stands (a change of visibility needs the database too), so
      // live media goes on; a channel never read fails as the request would have.
      if (hit && isConnectionError(err)) return hit.info;
      throw err;
    }
  }

  /** A channel row read elsewhere (the publisher's stream key check): its facts as if just read here. */
  know(ch: Channel): void {
    this.remember(ch.name.toLowerCase(), ch);
  }

  /** The cached facts only, without a query: undefined when not cached or stale (callers then ask channel()). */
  cachedChannel(name: string): ChannelAccessInfo | null | undefined {
    const hit = this.byName.get(name.toLowerCase());
    return hit && this.now() - hit.at < ACCESS_LIMITS.channelCacheMs ? hit.info : undefined;
  }

  async channelById(id: number): Promise<ChannelAccessInfo | null> {
    let stale: ChannelAccessInfo | undefined;
    for (const { info, at } of this.byName.values()) {
      if (info?.id !== id) continue;
      if (this.now() - at < ACCESS_LIMITS.channelCacheMs) return info;
      stale = info;
    }
    try {
      const ch = await this.opts.channels.byId(id);
      return ch ? this.remember(ch.name, ch) : null;
    } catch (err) {
      if (stale && isConnectionError(err)) return stale; // as in channel()
      throw err;
    }
  }

  private remember(key: string, ch: Channel | null): ChannelAccessInfo | null {
    const info = ch ? channelAccessInfo(ch) : null;
    this.byName.delete(key);
    this.byName.set(key, { info, at: this.now() });
    if (this.byName.size > ACCESS_LIMITS.maxCachedChannels) this.byName.delete(this.byName.keys().next().value!);
    return info;
  }

  /** A channel's title or visibility changed here: forget what was cached about it. */
  invalidate(channelName: string): void {
    this.byName.delete(channelName.toLowerCase());
    this.decisions.clear();
  }

  /** Access was taken back somewhere (this process or another): forget every cached "yes" it could touch. */
  applyChange(change: AccessChange): void {
    if (change.kind === 'invite-revoked') this.revokedInvites.add(change.inviteId);
    if (change.kind === 'visibility-changed' || change.kind === 'stream-key-reset') {
      for (const [key, { info }] of this.byName) if (info?.id === change.channelId) this.byName.delete(key);
    }
    this.decisions.clear();
    this.tokenUsers.clear();
  }

  // ---- identities ----------------------------------------------------------------------------------------

  /**
   * The caller, from (in this order) a bearer token, the session cookie, an explicit guest grant, or the guest
   * cookie. A user wins over a guest. null when nothing valid was presented.
   */
  async resolveIdentity(input: { cookieHeader?: string; bearer?: string; guestToken?: string }): Promise<Identity | null> {
    const user = (await this.userFromToken(input.bearer)) ?? (await this.userFromToken(readCookie(input.cookieHeader, SESSION_COOKIE)));
    if (user) return user;
    const grant = this.guestGrant(input.guestToken) ?? this.guestGrant(readCookie(input.cookieHeader, GUEST_COOKIE));
    return grant
      ? { kind: 'guest', guestId: grant.guestId, displayName: grant.displayName, channelId: grant.channelId, inviteId: grant.inviteId }
      : null;
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

  /** A validly signed, unexpired media token, or null. Whether its holder may still watch is mediaAllowed's. */
  mediaGrant(token: string | undefined): MediaGrant | null {
    return token ? verifyMediaGrant(this.opts.secret, token, this.now()) : null;
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

  /** A media token for whoever asks: bound to that user or guest, so it dies with their access. */
  newMediaToken(channelId: number, holder: Identity | null): { token: string; expiresAt: number } {
    const expiresAt = this.now() + ACCESS_LIMITS.mediaTokenSeconds * 1000;
    const subject =
      holder?.kind === 'user' ? { userId: holder.userId } : holder?.kind === 'guest' ? { guestId: holder.guestId, inviteId: holder.inviteId } : {};
    return { token: signMediaGrant(this.opts.secret, { channelId, expiresAt, ...subject }), expiresAt };
  }

  // ---- decisions -----------------------------------------------------------------------------------------

  /** May this identity watch the channel (live, replays, chat)? Unknown channels: false. */
  async canWatch(identity: Identity | null, channel: string | ChannelAccessInfo): Promise<boolean> {
    const info = typeof channel === 'string' ? await this.channel(channel) : channel;
    if (!info) return false;
    if (info.visibility === 'public') return true;
    if (!identity) return false;
    if (identity.kind === 'guest') return this.guestMayWatch(identity, info);
    return this.userMayWatch(identity.userId, info);
  }

  /** canWatch with the channel's ids, or the reason for a refusal (the shape chat's canJoin wants). */
  async watchDecision(identity: Identity | null, channelName: string): Promise<WatchDecision> {
    const info = await this.channel(channelName);
    if (!info) return { ok: false, code: 'not_found', reason: `There is no channel called ${JSON.stringify(channelName.slice(0, 64))}.` };
    if (await this.canWatch(identity, info)) return { ok: true, channelId: info.id, ownerUserId: info.ownerId };
    if (identity?.kind === 'guest') {
      return identity.channelId === info.id
        ? { ok: false, code: 'forbidden', reason: `Your invite to ${info.name} is no longer valid.` }
        : { ok: false, code: 'forbidden', reason: `Your invite is for another channel; ${info.name} is private.` };
    }
    return {
      ok: false,
      code: 'forbidden',
      reason:
        info.visibility === 'followers' && identity?.kind !== 'user'
          ? `${info.name} is for followers: sign in and follow to watch.`
          : info.visibility === 'followers'
            ? `${info.name} is for followers: follow to watch.`
            : `${info.name} is invite-only: open the invite link you were sent.`,
    };
  }

  /**
   * A user may watch a public channel, their own, a followers-only one they follow, or one whose invite they
   * redeemed (and that was not revoked since); a ban from a non-public channel closes it whatever else holds.
   */
  async userMayWatch(userId: number, info: ChannelAccessInfo): Promise<boolean> {
    if (info.visibility === 'public' || info.ownerId === userId) return true;
    return this.remembered(`u:${info.id}:${userId}`, async () => {
      if (await this.isBanned(info.id, { userId })) return false;
      if (info.visibility === 'followers' && (await this.opts.follows.isFollowing(userId, info.id))) return true;
      return this.opts.invites.hasGrant(userId, info.id);
    });
  }

  /** A guest may watch the one channel its invite was for, while that invite stands and it is not banned there. */
  private async guestMayWatch(guest: { channelId: number; guestId: string; inviteId?: number }, info: ChannelAccessInfo): Promise<boolean> {
    if (guest.channelId !== info.id) return false;
    if (guest.inviteId !== undefined && this.revokedInvites.has(guest.inviteId)) return false;
    return this.remembered(`g:${info.id}:${guest.guestId}`, async () => !(await this.isBanned(info.id, { guestId: guest.guestId })));
  }

  /** A cached "yes", else ask (a "no" is never cached: access granted later must work at once). */
  private async remembered(key: string, decide: () => Promise<boolean>): Promise<boolean> {
    const at = this.decisions.get(key);
    if (at !== undefined && this.now() - at < ACCESS_LIMITS.decisionCacheMs) return true;
    if (!(await decide())) return false;
    this.decisions.set(key, this.now());
    if (this.decisions.size > ACCESS_LIMITS.maxCachedDecisions) this.decisions.delete(this.decisions.keys().next().value!);
    return true;
  }

  /**
   * The check on every media request (HTTP and RTMP play) of a non-public channel: a media token minted for a
   * user or guest who may still watch, a guest grant for it, or a user session / bearer allowed to watch.
   */
  async mediaAllowed(info: ChannelAccessInfo, creds: MediaCredentials): Promise<boolean> {
    if (info.visibility === 'public') return true;
    const media = this.mediaGrant(creds.mediaToken);
    if (media?.channelId === info.id) {
      if (media.userId !== undefined && (await this.userMayWatch(media.userId, info))) return true;
      if (
        media.guestId !== undefined &&
        (await this.guestMayWatch({ channelId: media.channelId, guestId: media.guestId, inviteId: media.inviteId }, info))
      )
        return true;
    }
    const guest = this.guestGrant(creds.guestCookie);
    if (guest && (await this.guestMayWatch(guest, info))) return true;
    for (const raw of [creds.bearer, creds.sessionCookie]) {
      const userId = raw ? await this.userOfToken(raw) : undefined;
      if (userId !== undefined && (await this.userMayWatch(userId, info))) return true;
    }
    return false;
  }

  /** The user a session or bearer token belongs to, remembered briefly (a player presents it every second). */
  private async userOfToken(raw: string): Promise<number | undefined> {
    if (raw.length > 200) return undefined;
    const hit = this.tokenUsers.get(raw);
    if (hit && this.now() - hit.at < ACCESS_LIMITS.decisionCacheMs) return hit.userId;
    const resolved = await this.opts.tokens.resolve(raw);
    if (!resolved) return undefined;
    this.tokenUsers.set(raw, { userId: resolved.userId, at: this.now() });
    if (this.tokenUsers.size > ACCESS_LIMITS.maxCachedDecisions) this.tokenUsers.delete(this.tokenUsers.keys().next().value!);
    return resolved.userId;
  }
}
