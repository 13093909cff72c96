// The HTTP API's payloads for follows, the live directory and tags, and invites (re-exported by types.ts, which
// the apps import).
import type { ChannelVisibility } from './types.js';

/** POST and DELETE /api/channels/:name/follow. */
export interface FollowState {
  following: boolean;
  followers: number;
}

/** An item of GET /api/channels/:name/followers: a user, by their own channel. */
export interface FollowerItem {
  username: string;
  /** The follower's own channel. */
  channel: string;
  /** Whether the follower's own channel is live (false for non-public channels the caller may not watch). */
  live: boolean;
  followedAt: string;
}

/** GET /api/channels/:name/followers (newest first, at most 500 listed). */
export interface FollowersList {
  count: number;
  followers: FollowerItem[];
}

/** An item of GET /api/me/following. */
export interface FollowingItem {
  name: string;
  title: string;
  /** false for a non-public channel the caller may not watch, whatever its state. */
  live: boolean;
  visibility: ChannelVisibility;
  followedAt: string;
}

/** GET /api/me/following (newest first, at most 500 listed). */
export interface FollowingList {
  count: number;
  following: FollowingItem[];
}

/** An item of GET /api/channels/live (the directory) and GET /api/me/following/live. */
export interface LiveChannel {
  name: string;
  title: string;
  tags: string[];
  /** As PublicChannel.viewers. */
  viewers: number;
  thumbnailUrl: string;
}

/** An item of GET /api/tags: tags of live public channels. */
export interface TagCount {
  tag: string;
  channels: number;
}

/** POST /api/me/invites body. Without expiresInSeconds the invite never expires; without maxUses it has no limit. */
export interface InviteRequest {
  expiresInSeconds?: number;
  maxUses?: number;
}

/** 201 from POST /api/me/invites. The owner can fetch the link again later (GET /api/me/invites/:id/link). */
export interface InviteCreated {
  id: number;
  token: string;
  /** `<base>/i/<token>`: the landing page (base: ONAIR_PUBLIC_URL, else the address the request used). */
  url: string;
  expiresAt: string | null;
  maxUses: number | null;
}

/** An item of GET /api/me/invites (newest first). */
export interface ApiInvite {
  id: number;
  createdAt: string;
  expiresAt: string | null;
  maxUses: number | null;
  uses: number;
  revoked: boolean;
  /** 'valid' | 'expired' | 'used_up' | 'revoked'. */
  state: 'valid' | 'expired' | 'used_up' | 'revoked';
  /**
   * Whether GET /api/me/invites/:id/link can give the link again: false for revoked invites, invites made before
   * links were kept, and after the server secret changed.
   */
  linkAvailable: boolean;
}

/** GET /api/me/invites/:id/link: an invite's link, for its owner only. */
export interface InviteLink {
  id: number;
  /** `<base>/i/<token>`, as in InviteCreated. */
  url: string;
}

/** GET /api/invites/:token: the landing page's data; no use is counted. */
export interface InviteLanding {
  channel: string;
  title: string;
  live: boolean;
  valid: boolean;
  /** Why it is not valid, in plain words (null when valid). */
  reason: string | null;
}

/** POST /api/invites/:token/redeem body. */
export interface RedeemRequest {
  /** Guests only: the name shown in chat, 1–32 characters; default "Guest xxxx". */
  displayName?: string;
}

/**
 * 200 from POST /api/invites/:token/redeem. A visitor who is not signed in becomes a guest: the `onair_guest`
 * cookie (HttpOnly, 12 h) holds the guest grant and `guest` describes it. A signed-in user is granted access on
 * their account instead (`guest` is null, no cookie). `mediaToken` goes in media URLs as `?t=`.
 */
export interface RedeemResult {
  channel: string;
  guest: { id: string; displayName: string } | null;
  mediaToken: string;
  mediaTokenExpiresAt: string;
}
