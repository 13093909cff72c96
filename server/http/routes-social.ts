// Follows, channel settings (title, tags, visibility), the live directory, invites and media tokens.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ACCESS_LIMITS, channelAccessInfo, cleanDisplayName, GUEST_COOKIE } from '../access/access.js';
import type {
  ApiInvite,
  ChannelSettingsUpdate,
  FollowersList,
  FollowingList,
  FollowState,
  Identity,
  InviteCreated,
  InviteLanding,
  InviteLink,
  InviteRequest,
  LiveChannel,
  MediaToken,
  RedeemRequest,
  RedeemResult,
  TagCount,
} from '../api/types.js';
import { tagKey } from '../api/tag-rules.js';
import { LIMITS } from '../config.js';
import type { Channel } from '../db/models.js';
import { WindowLimiter } from '../db/rate-limit.js';
import { INVITE_REFUSALS, inviteState, type Invite } from '../db/invites.js';
import { credentialCookieOptions, identify, requireUser } from './auth.js';
import type { HttpDeps } from './deps.js';
import { HttpError, jsonObject, rethrowDbError } from './errors.js';
import { myChannelBody } from './routes-account.js';
import { channelByName, privateChannel, requireWatch } from './routes-channels.js';
import { channelUrls, inviteUrl, publicBase } from './urls.js';

/** Longest `q` the directory searches for. */
const MAX_QUERY_CHARS = 100;
const INVITE_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** Why the owner cannot copy an invite's link any more. */
const INVITE_GONE_FOR_OWNER = {
  expired: 'This invite has expired.',
  used_up: 'This invite has been used as many times as it allows.',
  revoked: 'You revoked this invite.',
} as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function registerSocialRoutes(app: FastifyInstance, deps: HttpDeps): void {
  // Unknown invite tokens per address: guessing is slow even though a token has 256 bits.
  const inviteMisses = new WindowLimiter(deps.rateWindows, {
    name: 'invite-misses',
    limit: LIMITS.inviteMisses,
    windowMs: LIMITS.inviteMissWindowSeconds * 1000,
  });

  async function ownChannel(req: FastifyRequest): Promise<{ userId: number; channel: Channel }> {
    const { userId } = await requireUser(req, deps);
    const channel = await deps.channels.byUserId(userId);
    if (!channel) throw new HttpError(404, 'not_found', 'This account has no channel.');
    return { userId, channel };
  }

  /** Live public channels (live or in their grace period), with tags, most viewers first. */
  async function livePublic(req: FastifyRequest): Promise<LiveChannel[]> {
    const base = publicBase(deps.config, req.raw, deps.trust);
    const streams = deps.streams.list();
    if (streams.length === 0) return [];
    const channels = (await deps.channels.byNames(streams.map((s) => s.channel))).filter((c) => c.visibility === 'public');
    const tags = await deps.channels.tagsFor(channels.map((c) => c.id));
    return channels
      .map((c) => ({
        name: c.name,
        title: c.title,
        tags: tags.get(c.id) ?? [],
        viewers: deps.viewers.count(c.name),
        thumbnailUrl: channelUrls(base, c.name).thumbnail,
      }))
      .sort((a, b) => b.viewers - a.viewers || a.name.localeCompare(b.name));
  }

  // ---- settings ----------------------------------------------------------------------------------------

  app.patch('/api/me/channel', async (req) => {
    const { userId, channel } = await ownChannel(req);
    const b = jsonObject(req.body, '{"title": "…", "tags": ["music"], "visibility": "public"}', { optional: true }) as ChannelSettingsUpdate;
    if (b.title !== undefined && typeof b.title !== 'string') throw new HttpError(400, 'bad_request', 'The title must be text.');
    const updated = await deps.channels.updateSettings(userId, { title: b.title, tags: b.tags, visibility: b.visibility }).catch(rethrowDbError);
    deps.access.invalidate(channel.name);
    if (updated.channel.visibility !== channel.visibility) {
      await deps.accessChanges.publish({ kind: 'visibility-changed', channelId: channel.id, channel: channel.name });
      deps.logger.info({ channel: channel.name, visibility: updated.channel.visibility }, 'channel visibility changed');
    }
    return myChannelBody(deps, req, updated.channel, updated.tags);
  });

  // ---- follows -----------------------------------------------------------------------------------------

  const followState = async (channelId: number, following: boolean): Promise<FollowState> => ({
    following,
    followers: await deps.follows.countFollowers(channelId),
  });

  app.post('/api/channels/:name/follow', async (req) => {
    const { userId } = await requireUser(req, deps);
    const channel = await channelByName(deps, (req.params as { name: string }).name);
    // Following an invite-only channel needs an invite first (following a followers-only one is how you get in).
    if (channel.visibility === 'invite' && channel.userId !== userId && !(await deps.access.userMayWatch(userId, channelAccessInfo(channel)))) {
      throw privateChannel(channel.name);
    }
    await deps.follows.follow(userId, channel.id).catch(rethrowDbError);
    return followState(channel.id, true);
  });

  app.delete('/api/channels/:name/follow', async (req) => {
    const { userId } = await requireUser(req, deps);
    const channel = await channelByName(deps, (req.params as { name: string }).name);
    // Published for every channel: chat's followers-only mode forgets the follow too.
    if (await deps.follows.unfollow(userId, channel.id)) await deps.accessChanges.publish({ kind: 'follow-removed', channelId: channel.id, userId });
    return followState(channel.id, false);
  });

  app.get('/api/channels/:name/followers', async (req) => {
    const channel = await channelByName(deps, (req.params as { name: string }).name);
    await requireWatch(req, deps, channel);
    const rows = await deps.follows.listFollowers(channel.id);
    const live = new Map(
      (await deps.channels.byNames(rows.map((r) => r.channelName))).map((c) => [c.name, c.visibility === 'public' && !!deps.streams.get(c.name)]),
    );
    const body: FollowersList = {
      count: await deps.follows.countFollowers(channel.id),
      followers: rows.map((r) => ({
        username: r.username,
        channel: r.channelName,
        live: live.get(r.channelName) ?? false,
        followedAt: new Date(r.followedAt).toISOString(),
      })),
    };
    return body;
  });

  /** Whether the caller sees a followed channel as live: it is live, and public or watchable by them. */
  async function liveFor(
    userId: number,
    row: { channelId: number; name: string; title: string; visibility: Channel['visibility']; ownerId: number },
  ): Promise<boolean> {
    if (!deps.streams.get(row.name)) return false;
    if (row.visibility === 'public') return true;
    return deps.access.userMayWatch(userId, {
      id: row.channelId,
      name: row.name,
      ownerId: row.ownerId,
      visibility: row.visibility,
      title: row.title,
    });
  }

  app.get('/api/me/following', async (req) => {
    const { userId } = await requireUser(req, deps);
    const rows = await deps.follows.listFollowing(userId);
    const following = [];
    for (const r of rows) {
      const live = await liveFor(userId, r);
      following.push({
        name: r.name,
        title: r.visibility === 'invite' && !live ? '' : r.title,
        live,
        visibility: r.visibility,
        followedAt: new Date(r.followedAt).toISOString(),
      });
    }
    const body: FollowingList = { count: await deps.follows.countFollowing(userId), following };
    return body;
  });

  app.get('/api/me/following/live', async (req) => {
    const { userId } = await requireUser(req, deps);
    const rows = await deps.follows.listFollowing(userId);
    const out: LiveChannel[] = [];
    const visible = [];
    for (const r of rows) if (await liveFor(userId, r)) visible.push(r);
    const tags = await deps.channels.tagsFor(visible.map((r) => r.channelId));
    const base = publicBase(deps.config, req.raw, deps.trust);
    for (const r of visible) {
      out.push({
        name: r.name,
        title: r.title,
        tags: tags.get(r.channelId) ?? [],
        viewers: deps.viewers.count(r.name),
        thumbnailUrl: channelUrls(base, r.name).thumbnail,
      });
    }
    return out.sort((a, b) => b.viewers - a.viewers || a.name.localeCompare(b.name));
  });

  // ---- directory ---------------------------------------------------------------------------------------

  // A static route: find-my-way matches it before /api/channels/:name (a channel cannot be called "live": reserved).
  app.get('/api/channels/live', async (req) => {
    const query = (req.query ?? {}) as { tag?: unknown; q?: unknown };
    const tag = typeof query.tag === 'string' ? tagKey(query.tag) : '';
    const q = typeof query.q === 'string' ? query.q.trim().toLowerCase().slice(0, MAX_QUERY_CHARS) : '';
    return (await livePublic(req)).filter((c) => (!tag || c.tags.includes(tag)) && (!q || c.name.includes(q) || c.title.toLowerCase().includes(q)));
  });

  app.get('/api/tags', async (req) => {
    const counts = new Map<string, number>();
    for (const c of await livePublic(req)) for (const t of c.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    const body: TagCount[] = [...counts]
      .map(([tag, channels]) => ({ tag, channels }))
      .sort((a, b) => b.channels - a.channels || a.tag.localeCompare(b.tag));
    return body;
  });

  // ---- invites -----------------------------------------------------------------------------------------

  const toApiInvite = (i: Invite): ApiInvite => ({
    id: i.id,
    createdAt: new Date(i.createdAt).toISOString(),
    expiresAt: iso(i.expiresAt),
    maxUses: i.maxUses,
    uses: i.uses,
    revoked: i.revokedAt !== null,
    state: inviteState(i, Date.now()),
    linkAvailable: i.linkKept,
  });

  /** The invite id in a URL, or NaN. */
  const inviteIdParam = (req: FastifyRequest): number => {
    const raw = (req.params as { id: string }).id;
    return /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  };
  const noSuchInvite = () => new HttpError(404, 'not_found', 'There is no such invite on your channel.');

  app.post('/api/me/invites', async (req, reply) => {
    const { channel } = await ownChannel(req);
    const b = jsonObject(req.body, '{"expiresInSeconds": 86400, "maxUses": 10}', { optional: true }) as InviteRequest;
    for (const [k, v] of Object.entries({ expiresInSeconds: b.expiresInSeconds, maxUses: b.maxUses })) {
      if (v !== undefined && v !== null && typeof v !== 'number') throw new HttpError(400, 'bad_request', `${k} must be a number.`);
    }
    const { invite, token } = await deps.invites
      .create(channel.id, { expiresInSeconds: b.expiresInSeconds, maxUses: b.maxUses })
      .catch(rethrowDbError);
    deps.logger.info({ channel: channel.name, inviteId: invite.id }, 'invite created');
    const body: InviteCreated = {
      id: invite.id,
      token,
      url: inviteUrl(publicBase(deps.config, req.raw, deps.trust), token),
      expiresAt: iso(invite.expiresAt),
      maxUses: invite.maxUses,
    };
    return reply.status(201).send(body);
  });

  app.get('/api/me/invites', async (req) => {
    const { channel } = await ownChannel(req);
    return (await deps.invites.list(channel.id)).map(toApiInvite);
  });

  // The owner copies an invite's link again (the settings page after a reload, another device). Never logged.
  app.get('/api/me/invites/:id/link', async (req) => {
    const { channel } = await ownChannel(req);
    const id = inviteIdParam(req);
    const found = Number.isSafeInteger(id) ? await deps.invites.linkToken(channel.id, id) : null;
    if (!found) throw noSuchInvite();
    const state = inviteState(found.invite, Date.now());
    if (state !== 'valid') throw new HttpError(410, INVITE_REFUSALS[state].code, `${INVITE_GONE_FOR_OWNER[state]} Its link no longer works.`);
    if (found.token === null) {
      throw new HttpError(404, 'not_found', 'This invite link was shown only when it was made; make a new invite to get a link.');
    }
    const body: InviteLink = { id, url: inviteUrl(publicBase(deps.config, req.raw, deps.trust), found.token) };
    return body;
  });

  app.delete('/api/me/invites/:id', async (req, reply) => {
    const { channel } = await ownChannel(req);
    const id = inviteIdParam(req);
    if (!Number.isSafeInteger(id) || !(await deps.invites.revoke(channel.id, id))) throw noSuchInvite();
    await deps.accessChanges.publish({ kind: 'invite-revoked', channelId: channel.id, inviteId: id });
    deps.logger.info({ channel: channel.name, inviteId: id }, 'invite revoked');
    return reply.status(204).send();
  });

  /** The invite a token names; unknown tokens count against the caller's address. */
  async function inviteFor(req: FastifyRequest): Promise<Invite> {
    const gate = await inviteMisses.check(req.ip);
    if (!gate.allowed)
      throw new HttpError(429, 'rate_limited', 'Too many wrong invite links from this address; wait and try again.', gate.retryAfterSeconds);
    const token = (req.params as { token: string }).token;
    const invite = INVITE_TOKEN.test(token) ? await deps.invites.byToken(token) : null;
    if (!invite) {
      await inviteMisses.record(req.ip);
      throw new HttpError(404, 'not_found', 'This invite link is not valid. Check that it was copied whole.');
    }
    return invite;
  }

  app.get('/api/invites/:token', async (req) => {
    const invite = await inviteFor(req);
    const channel = await deps.channels.byId(invite.channelId);
    if (!channel) throw new HttpError(404, 'not_found', 'This invite link is not valid.');
    const state = inviteState(invite, Date.now());
    const body: InviteLanding = {
      channel: channel.name,
      title: channel.title,
      live: !!deps.streams.get(channel.name),
      valid: state === 'valid',
      reason: state === 'valid' ? null : INVITE_REFUSALS[state].message,
    };
    return body;
  });

  app.post('/api/invites/:token/redeem', async (req, reply) => {
    const invite = await inviteFor(req);
    const b = jsonObject(req.body, '{"displayName": "Sam"}', { optional: true }) as RedeemRequest;
    let displayName: string | null = null;
    if (b.displayName !== undefined && b.displayName !== null && b.displayName !== '') {
      displayName = cleanDisplayName(b.displayName);
      if (!displayName)
        throw new HttpError(
          400,
          'bad_request',
          `A display name is 1 to ${ACCESS_LIMITS.displayNameMax} characters, without line breaks or control characters.`,
        );
    }
    const channel = await deps.channels.byId(invite.channelId);
    if (!channel) throw new HttpError(404, 'not_found', 'This invite link is not valid.');
    const who = await identify(req, deps);
    const userId = who?.kind === 'user' ? who.userId : undefined;
    // Checked before a use is counted: a banned viewer does not burn the link for others.
    const subject = userId !== undefined ? { userId } : { guestIp: req.ip, ...(who?.kind === 'guest' ? { guestId: who.guestId } : {}) };
    if (await deps.access.isBanned(channel.id, subject)) {
      throw new HttpError(403, 'forbidden', `You have been banned from ${channel.name}; an invite link does not lift that.`);
    }
    const outcome = await deps.invites.redeem((req.params as { token: string }).token, { userId });
    if (!outcome) throw new HttpError(404, 'not_found', 'This invite link is not valid.');
    if (!outcome.ok) {
      const r = INVITE_REFUSALS[outcome.state];
      throw new HttpError(410, r.code, r.message);
    }
    let guest: RedeemResult['guest'] = null;
    let holder: Identity | null = who?.kind === 'user' ? who : null;
    if (userId === undefined) {
      const g = deps.access.newGuest(channel.id, invite.id, displayName);
      holder = { kind: 'guest', guestId: g.grant.guestId, displayName: g.grant.displayName, channelId: channel.id, inviteId: invite.id };
      reply.setCookie(GUEST_COOKIE, g.token, { ...credentialCookieOptions(deps), maxAge: ACCESS_LIMITS.guestGrantSeconds });
      guest = { id: g.grant.guestId, displayName: g.grant.displayName };
    }
    const media = deps.access.newMediaToken(channel.id, holder);
    deps.logger.info({ channel: channel.name, inviteId: invite.id, guest: !!guest }, 'invite redeemed');
    const body: RedeemResult = {
      channel: channel.name,
      guest,
      mediaToken: media.token,
      mediaTokenExpiresAt: new Date(media.expiresAt).toISOString(),
    };
    return body;
  });

  // ---- media tokens ------------------------------------------------------------------------------------

  app.get('/api/channels/:name/media-token', async (req) => {
    const channel = await channelByName(deps, (req.params as { name: string }).name);
    const who = await identify(req, deps);
    if (!(await deps.access.canWatch(who, channelAccessInfo(channel)))) throw privateChannel(channel.name);
    // Bound to the caller: it stops working when their access does.
    const m = deps.access.newMediaToken(channel.id, who);
    const body: MediaToken = { token: m.token, expiresAt: new Date(m.expiresAt).toISOString() };
    return body;
  });
}
