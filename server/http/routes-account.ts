// Accounts: register, log in and out (here or everywhere), change the password, the caller's channel and stream key.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {
  ApiUser,
  AuthResult,
  Credentials,
  MyChannel,
  NewStreamKey,
  PasswordChange,
  SessionMode,
  SignupMode,
  SignupPolicy,
} from '../api/types.js';
import type { Channel, User } from '../db/models.js';
import { validatePassword } from '../db/validation.js';
import { LIMITS } from '../config.js';
import { WindowLimiter } from '../db/rate-limit.js';
import { authenticate, clearCredentialCookies, presentedToken, presentedTokens, requireUser, setSessionCookie } from './auth.js';
import type { HttpDeps } from './deps.js';
import { HttpError, rethrowDbError } from './errors.js';
import { channelUrls, publicBase } from './urls.js';

/** The owner's view of their channel (GET and PATCH /api/me/channel). */
export function myChannelBody(deps: HttpDeps, req: FastifyRequest, channel: Channel, tags: string[]): MyChannel {
  const base = publicBase(deps.config, req.raw, deps.trust);
  const urls = channelUrls(base, channel.name);
  const live = deps.streams.isPublishing(channel.name);
  return {
    name: channel.name,
    title: channel.title,
    streamKey: channel.streamKey,
    rtmpUrl: base.rtmp,
    ...(base.rtmps && { rtmpsUrl: base.rtmps }),
    ...(base.srt && { srtUrl: base.srt }),
    hlsUrl: urls.hls,
    dashUrl: urls.dash,
    live,
    tags,
    visibility: channel.visibility,
    keyframes: live ? (deps.streams.get(channel.name)?.keyframes.summary() ?? null) : null,
  };
}

export function toApiUser(u: User): ApiUser {
  return { id: u.id, username: u.username, createdAt: new Date(u.createdAt).toISOString(), admin: u.admin };
}

const SESSION_MODES: readonly SessionMode[] = ['bearer', 'cookie'];

function readCredentials(body: unknown): Credentials & { session: SessionMode } {
  const b = body as Partial<Credentials> | null;
  if (!b || typeof b !== 'object' || typeof b.username !== 'string' || typeof b.password !== 'string') {
    throw new HttpError(400, 'bad_request', 'Send JSON {"username": "...", "password": "..."}.');
  }
  const session = b.session ?? 'bearer';
  if (!SESSION_MODES.includes(session)) {
    throw new HttpError(400, 'bad_request', '"session" must be "bearer" (a token in the answer) or "cookie" (the session cookie, no token).');
  }
  if (b.invite !== undefined && (typeof b.invite !== 'string' || b.invite.length === 0 || b.invite.length > 200)) {
    throw new HttpError(400, 'bad_request', '"invite" must be the token of an invite link (the part after /i/).');
  }
  return { username: b.username.trim(), password: b.password, session, ...(b.invite !== undefined ? { invite: b.invite } : {}) };
}

/** Why a sign-up is refused under ONAIR_SIGNUPS, in plain words; null when it may go on. */
function signupRefusal(mode: SignupMode, invite: string | undefined): HttpError | null {
  if (mode === 'closed') {
    return new HttpError(403, 'signups_closed', 'This server does not take sign-ups: its operator creates accounts. Ask them for one.');
  }
  if (mode === 'invite' && invite === undefined) {
    return new HttpError(
      403,
      'invite_required',
      'Sign-ups on this server need an invite link from someone on it. Open the invite link you were sent and create your account there.',
    );
  }
  return null;
}

function readPasswordChange(body: unknown): PasswordChange {
  const b = body as Partial<PasswordChange> | null;
  if (!b || typeof b !== 'object' || typeof b.currentPassword !== 'string' || typeof b.newPassword !== 'string') {
    throw new HttpError(400, 'bad_request', 'Send JSON {"currentPassword": "...", "newPassword": "..."}.');
  }
  return { currentPassword: b.currentPassword, newPassword: b.newPassword };
}

export function registerAccountRoutes(app: FastifyInstance, deps: HttpDeps): void {
  // Registrations per address, so one client cannot mint accounts without bound.
  const registrations = new WindowLimiter(deps.rateWindows, {
    name: 'registrations',
    limit: LIMITS.registrationsPerIp,
    windowMs: LIMITS.registrationWindowSeconds * 1000,
  });
  const bearerTtl = deps.config.auth.bearerDays * 86400;
  const sessionTtl = deps.config.auth.sessionDays * 86400;

  async function myChannel(req: FastifyRequest) {
    const { userId } = await requireUser(req, deps);
    const channel = await deps.channels.byUserId(userId);
    if (!channel) throw new HttpError(404, 'not_found', 'This account has no channel.');
    return { userId, channel };
  }

  /** One credential per sign-in, of the kind the client asked for: a bearer token (returned) or a cookie (set). */
  async function signIn(reply: FastifyReply, user: User, mode: SessionMode): Promise<AuthResult> {
    if (mode === 'cookie') {
      setSessionCookie(reply, deps, await deps.tokens.issue(user.id, 'session', sessionTtl));
      return { user: toApiUser(user), token: null };
    }
    return { user: toApiUser(user), token: await deps.tokens.issue(user.id, 'bearer', bearerTtl) };
  }

  /** Revokes every token the request carries; returns their owners. */
  async function revokePresented(req: FastifyRequest): Promise<Set<number>> {
    const owners = new Set<number>();
    for (const raw of presentedTokens(req)) {
      const owner = await deps.tokens.revoke(raw);
      if (owner !== null) owners.add(owner);
    }
    return owners;
  }

  /** Every process drops what the revoked tokens opened (chat sockets, cached media answers). */
  async function announceRevoked(userIds: Iterable<number>): Promise<void> {
    for (const userId of userIds) await deps.accessChanges.publish({ kind: 'tokens-revoked', userId });
  }

  app.get('/api/auth/signups', async () => {
    const body: SignupPolicy = { mode: deps.config.signups };
    return body;
  });

  app.post('/api/auth/register', async (req, reply) => {
    const creds = readCredentials(req.body);
    const refused = signupRefusal(deps.config.signups, creds.invite);
    if (refused) throw refused;
    const gate = await registrations.take(req.ip);
    if (!gate.allowed) throw new HttpError(429, 'rate_limited', 'Too many new accounts from this address; try again later.', gate.retryAfterSeconds);
    const { user } = await deps.accounts.createUserWithChannel(creds.username, creds.password, { invite: creds.invite }).catch(rethrowDbError);
    if (creds.invite !== undefined) deps.logger.info({ userId: user.id }, 'account created with an invite');
    return reply.status(201).send(await signIn(reply, user, creds.session));
  });

  app.post('/api/auth/login', async (req, reply) => {
    const creds = readCredentials(req.body);
    const gate = await deps.loginLimiter.check(req.ip, creds.username.toLowerCase());
    if (!gate.allowed) throw new HttpError(429, 'rate_limited', 'Too many failed sign-ins; wait and try again.', gate.retryAfterSeconds);
    const user = await deps.users.verify(creds.username, creds.password);
    if (!user) {
      await deps.loginLimiter.recordFailure(req.ip, creds.username.toLowerCase());
      throw new HttpError(401, 'bad_credentials', 'Wrong username or password.');
    }
    if (user.disabled) throw new HttpError(403, 'account_disabled', 'This account is disabled by the server’s operator.');
    await deps.loginLimiter.recordSuccess(req.ip, creds.username.toLowerCase());
    return signIn(reply, user, creds.session);
  });

  app.post('/api/auth/logout', async (req, reply) => {
    const owners = await revokePresented(req);
    clearCredentialCookies(reply, deps);
    await announceRevoked(owners);
    return reply.status(204).send();
  });

  app.post('/api/auth/logout-all', async (req, reply) => {
    const { userId } = await requireUser(req, deps);
    await deps.tokens.revokeAllForUser(userId);
    // A cookie of another account sent alongside the bearer goes too: this is a superset of logout.
    const owners = await revokePresented(req);
    clearCredentialCookies(reply, deps);
    await announceRevoked(new Set([userId, ...owners]));
    return reply.status(204).send();
  });

  app.post('/api/me/password', async (req, reply) => {
    const change = readPasswordChange(req.body);
    const { userId } = await requireUser(req, deps);
    const user = await deps.users.byId(userId);
    if (!user) throw new HttpError(401, 'unauthorized', 'Not signed in.');
    const key = user.username.toLowerCase();
    const gate = await deps.loginLimiter.check(req.ip, key);
    if (!gate.allowed) throw new HttpError(429, 'rate_limited', 'Too many wrong passwords; wait and try again.', gate.retryAfterSeconds);
    try {
      validatePassword(change.newPassword);
    } catch (err) {
      rethrowDbError(err);
    }
    // 403, not 401: the caller is signed in; only the proof of knowing the password is refused.
    if (!(await deps.users.verify(user.username, change.currentPassword))) {
      await deps.loginLimiter.recordFailure(req.ip, key);
      throw new HttpError(403, 'bad_credentials', 'Your current password is not right.');
    }
    await deps.loginLimiter.recordSuccess(req.ip, key);
    await deps.users.setPassword(userId, change.newPassword).catch(rethrowDbError);
    // Whoever else holds a session (perhaps the reason for the change) is signed out; this one stays.
    await deps.tokens.revokeAllForUserExcept(userId, presentedToken(req)!);
    await announceRevoked([userId]);
    return reply.status(204).send();
  });

  app.get('/api/me', async (req) => {
    const p = await authenticate(req, deps);
    if (!p) throw new HttpError(401, 'unauthorized', 'Not signed in.');
    const user = await deps.users.byId(p.userId);
    if (!user) throw new HttpError(401, 'unauthorized', 'Not signed in.');
    return { user: toApiUser(user) };
  });

  app.get('/api/me/channel', async (req) => {
    const { channel } = await myChannel(req);
    return myChannelBody(deps, req, channel, await deps.channels.tagsOf(channel.id));
  });

  app.post('/api/me/channel/stream-key', async (req) => {
    const { userId, channel } = await myChannel(req);
    const streamKey = await deps.channels.regenerateKey(userId);
    // The old key is invalid from now on: a publisher still using it is dropped at once, on whichever process.
    await deps.accessChanges.publish({ kind: 'stream-key-reset', channelId: channel.id, channel: channel.name });
    deps.logger.info({ channel: channel.name }, 'stream key regenerated');
    const body: NewStreamKey = { streamKey };
    return body;
  });
}
