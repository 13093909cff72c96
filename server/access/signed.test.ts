import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanDisplayName, readCookie } from './access.js';
import { signGrant, signGuestGrant, signMediaGrant, verifyGuestGrant, verifyMediaGrant } from './signed.js';

const SECRET = 'k'.repeat(43);
const NOW = 1_700_000_000_000;

test('guest grants round-trip; tampering, another secret, expiry and another purpose are refused', () => {
  const g = { channelId: 7, guestId: 'g_abc', displayName: 'Sam', inviteId: 3, expiresAt: NOW + 1000 };
  const token = signGuestGrant(SECRET, g);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(verifyGuestGrant(SECRET, token, NOW), g);
  assert.equal(verifyGuestGrant('x'.repeat(43), token, NOW), null, 'another secret');
  assert.equal(verifyGuestGrant(SECRET, token, NOW + 1000), null, 'expired');
  const [payload, sig] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ c: 8, g: 'g_abc', n: 'Sam', i: 3, e: NOW + 1000 })).toString('base64url');
  assert.equal(verifyGuestGrant(SECRET, `${forged}.${sig}`, NOW), null, 'changed payload');
  assert.equal(verifyGuestGrant(SECRET, `${payload}.${sig.slice(0, -1)}A`, NOW), null, 'changed signature');
  assert.equal(verifyGuestGrant(SECRET, `${payload}`, NOW), null);
  assert.equal(verifyGuestGrant(SECRET, 'a.b.c', NOW), null);
  assert.equal(verifyGuestGrant(SECRET, 'x'.repeat(5000), NOW), null);
  assert.equal(verifyGuestGrant(SECRET, undefined, NOW), null);
  // Signed for media, presented as a guest grant (and the other way round).
  const media = signMediaGrant(SECRET, { channelId: 7, expiresAt: NOW + 1000 });
  assert.equal(verifyGuestGrant(SECRET, media, NOW), null);
  assert.equal(verifyMediaGrant(SECRET, token, NOW), null);
  assert.deepEqual(verifyMediaGrant(SECRET, media, NOW), { channelId: 7, expiresAt: NOW + 1000 });
  assert.deepEqual(verifyMediaGrant(SECRET, signMediaGrant(SECRET, { channelId: 7, expiresAt: NOW + 1, inviteId: 4 }), NOW), {
    channelId: 7,
    expiresAt: NOW + 1,
    inviteId: 4,
  });
  // Right signature, wrong shape.
  assert.equal(verifyMediaGrant(SECRET, signGrant(SECRET, 'media', { c: '7', e: NOW + 1000 }), NOW), null);
});

test('display names and cookies', () => {
  assert.equal(cleanDisplayName('  Sam   the  Man '), 'Sam the Man');
  for (const bad of ['', '   ', 'x'.repeat(33), 'a\u0007b', 'rtl\u202eevil', 42]) assert.equal(cleanDisplayName(bad), null, JSON.stringify(bad));
  assert.equal(cleanDisplayName('🎮'.repeat(32)), '🎮'.repeat(32), 'counted in code points');
  assert.equal(readCookie('a=1; onair_guest=abc.def; b=2', 'onair_guest'), 'abc.def');
  assert.equal(readCookie('xonair_guest=1', 'onair_guest'), undefined);
  assert.equal(readCookie(undefined, 'onair_guest'), undefined);
});
