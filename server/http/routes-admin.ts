// The operator's page (/admin) API: live streams, users (disable, enable, reset a stream key), replays with their
// storage, and the server's own numbers. Open to admin accounts only (`onair user admin NAME on`): not to this
// machine (behind a reverse proxy on the same host every visitor is loopback) nor to ONAIR_ADMIN_TOKEN alone.
import { statfs } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminOverview, AdminReplays, AdminSystem, AdminUser, AdminUserChange, AdminUsers } from '../api/types.js';
import { LIMITS } from '../config.js';
import type { User } from '../db/models.js';
import { authenticate } from './auth.js';
import type { HttpDeps } from './deps.js';
import { HttpError, unauthorized } from './errors.js';
import { liveStreamStats } from './live-stats.js';
import { ONAIR_VERSION } from './routes-ops.js';

export function registerAdminRoutes(app: FastifyInstance, deps: HttpDeps): void {
  /** The signed-in admin's user id; 401 signed out, 403 anyone else. Read on every request (revoking takes effect at once). */
  async function requireAdmin(req: FastifyRequest): Promise<number> {
    const p = await authenticate(req, deps);
    if (!p) throw unauthorized();
    if (!(await deps.users.isAdmin(p.userId)))
      throw new HttpError(403, 'admin_only', 'This page is for the server’s operators: an admin account (npm run onair -- user admin NAME on).');
    return p.userId;
  }

  const page = (q: { offset?: string; limit?: string }) => {
    const offset = Math.max(0, Math.floor(Number(q.offset ?? 0)) || 0);
    const limit = Math.max(1, Math.min(LIMITS.adminPageMax, Math.floor(Number(q.limit ?? LIMITS.adminPageDefault)) || LIMITS.adminPageDefault));
    return { offset, limit };
  };

  async function adminUser(u: User, live: Set<string>): Promise<AdminUser> {
    const channel = await deps.channels.byUserId(u.id);
    const usage = channel ? (await deps.replays.usageByChannel([channel.id])).get(channel.id) : undefined;
    return {
      id: u.id,
      username: u.username,
      createdAt: new Date(u.createdAt).toISOString(),
      admin: u.admin,
      disabled: u.disabled,
      live: !!channel && live.has(channel.name),
      replays: usage?.replays ?? 0,
      replayBytes: usage?.bytes ?? 0,
    };
  }

  const liveChannels = async () => new Set((await liveStreamStats(deps)).map((s) => s.channel));

  async function targetUser(name: string): Promise<User> {
    const user = await deps.users.byUsername(name);
    if (!user) throw new HttpError(404, 'not_found', `No user named ${JSON.stringify(name.slice(0, 64))}.`);
    return user;
  }

  /** Drops the channel's live publisher on whichever process has it (the authorizer re-checks its key and owner). */
  async function dropPublisher(userId: number): Promise<void> {
    const channel = await deps.channels.byUserId(userId);
    if (channel) await deps.accessChanges.publish({ kind: 'stream-key-reset', channelId: channel.id, channel: channel.name });
  }

  app.get('/api/admin/overview', async (req) => {
    await requireAdmin(req);
    const stats = await liveStreamStats(deps);
    const channels = new Map((await deps.channels.byNames(stats.map((s) => s.channel))).map((c) => [c.name, c]));
    const streams = stats.map((s) => ({ ...s, title: channels.get(s.channel)?.title ?? '', owner: s.channel }));
    const { total: replays } = await deps.replays.pageAll(0, 1);
    const disk = await statfs(deps.config.dataDir).then(
      (fs) => ({ free: fs.bavail * fs.bsize, total: fs.blocks * fs.bsize }),
      () => null,
    );
    const body: AdminOverview = {
      uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      version: ONAIR_VERSION,
      streams,
      users: await deps.users.counts(),
      storage: { replays, replayBytes: await deps.replays.totalBytes(), diskFreeBytes: disk?.free ?? null, diskTotalBytes: disk?.total ?? null },
    };
    return body;
  });

  app.get<{ Querystring: { q?: string; offset?: string; limit?: string } }>('/api/admin/users', async (req) => {
    await requireAdmin(req);
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, LIMITS.adminSearchMax) : '';
    const { offset, limit } = page(req.query);
    const { users, total } = await deps.users.page(q, offset, limit);
    const live = await liveChannels();
    const body: AdminUsers = { users: await Promise.all(users.map((u) => adminUser(u, live))), total, offset, limit };
    return body;
  });

  const setDisabled = (on: boolean) => async (req: FastifyRequest<{ Params: { name: string } }>) => {
    const adminId = await requireAdmin(req);
    const user = await targetUser(req.params.name);
    if (on && user.id === adminId) throw new HttpError(400, 'bad_request', 'You cannot disable your own account.');
    await deps.users.setDisabled(user.id, on);
    if (on) {
      // Its sessions end (chat connections signed in with them close), and its live stream is dropped.
      await deps.tokens.revokeAllForUser(user.id);
      await deps.accessChanges.publish({ kind: 'tokens-revoked', userId: user.id });
      await dropPublisher(user.id);
    }
    deps.logger.info({ user: user.username, by: adminId }, on ? 'account disabled' : 'account enabled');
    const body: AdminUserChange = { user: await adminUser({ ...user, disabled: on }, await liveChannels()) };
    return body;
  };
  app.post('/api/admin/users/:name/disable', setDisabled(true));
  app.post('/api/admin/users/:name/enable', setDisabled(false));

  app.post<{ Params: { name: string } }>('/api/admin/users/:name/reset-key', async (req) => {
    const adminId = await requireAdmin(req);
    const user = await targetUser(req.params.name);
    // The new key is not returned: its owner reads it on their settings page.
    await deps.channels.regenerateKey(user.id);
    await dropPublisher(user.id);
    deps.logger.info({ user: user.username, by: adminId }, 'stream key reset by an admin');
    const body: AdminUserChange = { user: await adminUser(user, await liveChannels()) };
    return body;
  });

  app.get<{ Querystring: { offset?: string; limit?: string } }>('/api/admin/replays', async (req) => {
    await requireAdmin(req);
    const { offset, limit } = page(req.query);
    const { replays, total } = await deps.replays.pageAll(offset, limit);
    const body: AdminReplays = {
      replays: replays.map((r) => ({
        id: r.id,
        channel: r.channel,
        title: r.title,
        startedAt: new Date(r.startedAt).toISOString(),
        durationSeconds: Math.round(r.durationSeconds),
        bytes: r.bytes,
      })),
      total,
      totalBytes: await deps.replays.totalBytes(),
      offset,
      limit,
    };
    return body;
  });

  app.get('/api/admin/system', async (req) => {
    await requireAdmin(req);
    const history = deps.system.history();
    const body: AdminSystem = {
      now: history.at(-1) ?? (await deps.system.sample()),
      history,
      intervalSeconds: deps.config.metricsIntervalSeconds,
    };
    return body;
  });
}
