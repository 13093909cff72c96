import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newInviteToken } from '../db/invites.js';
import { inviteTokenSeal } from './invite-seal.js';

describe('invite token seal', () => {
  const secret = 'a-server-secret-of-at-least-32-characters';

  test('opens what it sealed; the sealed text does not contain the token and differs each time', () => {
    const seal = inviteTokenSeal(secret);
    const token = newInviteToken();
    const a = seal.seal(token);
    const b = seal.seal(token);
    assert.notEqual(a, b, 'a fresh IV each time');
    for (const sealed of [a, b]) {
      assert.ok(!sealed.includes(token));
      assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
      assert.equal(seal.open(sealed), token);
    }
  });

  test('another secret, a changed byte, or junk opens to null', () => {
    const sealed = inviteTokenSeal(secret).seal(newInviteToken());
    assert.equal(inviteTokenSeal(`${secret}-rotated`).open(sealed), null);
    const [v, iv, body] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    assert.equal(inviteTokenSeal(secret).open(`${v}.${iv}.${flipped.toString('base64url')}`), null);
    for (const junk of ['', 'v1', 'v1..', 'v2.AAAAAAAAAAAAAAAA.AAAA', `v1.${iv}.AAAA`, 'x'.repeat(5000)]) {
      assert.equal(inviteTokenSeal(secret).open(junk), null, junk.slice(0, 20));
    }
  });
});
