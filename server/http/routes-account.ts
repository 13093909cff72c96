// Accounts: register, log in and out, the caller's channel and stream key.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiUser, AuthResult, Credentials, MyChannel, NewStreamKey } from '../api/types.js';
import type { Channel, User } from '../db/models.js';
import { LIMITS } from '../config.js';
import { bearerToken } from '../access/credentials.js';
import { authenticate, requireUser, SESSION_COOKIE, setSessionCookie } from './auth.js';
import type { HttpDeps } from './deps.js';
import { HttpError, rethrowDbError } from './errors.js';
import { channelUrls } from './urls.js';

/** The owner's view of their channel (GET and PATCH /api/me/channel). */
export function myChannelBody(deps: HttpDeps, channel: Channel, tags: string[]): MyChannel {
  const urls = channelUrls(deps.config, channel.name);
  return {
    name: channel.name,
    title: channel.title,
    streamKey: channel.streamKey,
    rtmpUrl: deps.config.rtmpPublicUrl,
    hlsUrl: urls.hls,
    dashUrl: urls.dash,
    live: deps.streams.isPublishing(channel.name),
    tags,
    visibility: channel.visibility,
  };
}

export function toApiUser(u: User): ApiUser {
  return { id: u.id, username: u.username, createdAt: new Date(u.createdAt).toISOString() };
}

function readCredentials(body: unknown): Credentials {
  const b = body as Partial<Credentials> | null;
  if (!b || typeof b !== 'object' || typeof b.username !== 'string' || typeof b.password !== 'string') {
    throw new HttpError(400, 'bad_request', 'Send JSON {"username": "...", "password": "..."}.');
  }
  return { username: b.username.trim(), password: b.password };
}


/** Registrations per address, so one client cannot mint accounts without bound. */
class RegistrationLimiter {
  private readonly seen = new Map<string, number[]>();
  check(ip: string, now = Date.now()): number {
    const windowMs = LIMITS.registrationWindowSeconds * 1000;
    const list = (this.seen.get(ip) ?? []).filter((t) => now - t < windowMs);
    this.seen.set(ip, list);
    if (this.seen.size > 50_000) this.seen.delete(this.seen.keys().next().value!);
    if (list.length >= LIMITS.registrationsPerIp) return Math.ceil((list[0] + windowMs - now) / 1000);
    list.push(now);
    return 0;
  }
}

export function registerAccountRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const registrations = new RegistrationLimiter();
  const bearerTtl = deps.config.auth.bearerDays * 86400;
  const sessionTtl = deps.config.auth.sessionDays * 86400;

  async function myChannel(req: FastifyRequest) {
    const { userId } = await requireUser(req, deps);
    const channel = await deps.channels.byUserId(userId);
    if (!channel) throw new HttpError(404, 'not_found', 'This account has no channel.');
    return { userId, channel };
  }

  app.post('/api/auth/register', async (req, reply) => {
    const creds = readCredentials(req.body);
    const wait = registrations.check(req.ip);
    if (wait > 0) throw new HttpError(429, 'rate_limited', 'Too many new accounts from this address; try again later.', wait);
    const { user } = await deps.accounts.createUserWithChannel(creds.username, creds.password).catch(rethrowDbError);
    const token = await deps.tokens.issue(user.id, 'bearer', bearerTtl);
    const session = await deps.tokens.issue(user.id, 'session', sessionTtl);
    setSessionCookie(reply, deps, session);
    const body: AuthResult = { user: toApiUser(user), token };
    return reply.status(201).send(body);
  });

  app.post('/api/auth/login', async (req, reply) => {
    const creds = readCredentials(req.body);
    const gate = deps.loginLimiter.check(req.ip, creds.username.toLowerCase());
    if (!gate.allowed) throw new HttpError(429, 'rate_limited', 'Too many failed sign-ins; wait and try again.', gate.retryAfterSeconds);
    const user = await deps.users.verify(creds.username, creds.password);
    if (!user) {
      deps.loginLimiter.recordFailure(req.ip, creds.username.toLowerCase());
      throw new HttpError(401, 'bad_credentials', 'Wrong username or password.');
    }
    deps.loginLimiter.recordSuccess(req.ip, creds.username.toLowerCase());
    const token = await deps.tokens.issue(user.id, 'bearer', bearerTtl);
    const session = await deps.tokens.issue(user.id, 'session', sessionTtl);
    setSessionCookie(reply, deps, session);
    const body: AuthResult = { user: toApiUser(user), token };
    return body;
  });

  app.post('/api/auth/logout', async (req, reply) => {
    const raw = bearerToken(req.headers.authorization) ?? req.cookies?.[SESSION_COOKIE];
    if (raw) await deps.tokens.revoke(raw);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
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
    return myChannelBody(deps, channel, await deps.channels.tagsOf(channel.id));
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
