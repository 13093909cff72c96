// Real identify / canJoin for chat tests, the two-process test and the benchmark: users sign in with real bearer
// tokens (TokensRepo), channels come from ChannelsRepo. Guests carry a test guest token, an HMAC-signed value
// `g1.<channelId>.<guestId>.<base64url displayName>.<mac>`, so chat can be tested without the invites flow.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChatIdentity } from '../api/chat.js';
import { TokensRepo } from '../db/auth-tokens.js';
import { ChannelsRepo } from '../db/channels.js';
import type { Db } from '../db/database.js';
import { UsersRepo } from '../db/users.js';
import type { ChatHandshake, JoinDecision } from '../chat/service.js';

const mac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64url');

export function makeGuestToken(secret: string, channelId: number, guestId: string, displayName: string): string {
  const body = `g1.${channelId}.${guestId}.${Buffer.from(displayName).toString('base64url')}`;
  return `${body}.${mac(secret, body)}`;
}

export function readGuestToken(secret: string, token: string): Extract<ChatIdentity, { kind: 'guest' }> | null {
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== 'g1') return null;
  const body = parts.slice(0, 4).join('.');
  const want = Buffer.from(mac(secret, body));
  const got = Buffer.from(parts[4]);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  const channelId = Number(parts[1]);
  if (!Number.isSafeInteger(channelId)) return null;
  return { kind: 'guest', channelId, guestId: parts[2], displayName: Buffer.from(parts[3], 'base64url').toString() };
}

export function testChatAuth(db: Db, guestSecret: string) {
  const tokens = new TokensRepo(db);
  const users = new UsersRepo(db);
  const channels = new ChannelsRepo(db);
  const known = new Map<string, { id: number; userId: number }>();
  return {
    async identify(h: ChatHandshake): Promise<ChatIdentity | null> {
      if (h.bearer) {
        const t = await tokens.resolve(h.bearer);
        const user = t ? await users.byId(t.userId) : null;
        return user ? { kind: 'user', userId: user.id, username: user.username } : null;
      }
      if (h.guestToken) return readGuestToken(guestSecret, h.guestToken);
      return null;
    },
    async canJoin(_identity: ChatIdentity | null, channelName: string): Promise<JoinDecision> {
      // Cached like the real AccessControl's channel facts: chat asks again on every send.
      const ch = known.get(channelName) ?? (await channels.byName(channelName));
      if (ch) known.set(channelName, ch);
      return ch ? { ok: true, channelId: ch.id, ownerUserId: ch.userId } : { ok: false, code: 'not_found', reason: 'There is no such channel.' };
    },
  };
}
