import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('hashes into scrypt$N$r$p$salt$hash and verifies', async () => {
    const h = await hashPassword('correct horse battery');
    const parts = h.split('$');
    assert.equal(parts.length, 6);
    assert.deepEqual(parts.slice(0, 4), ['scrypt', String(DEFAULT_SCRYPT.N), String(DEFAULT_SCRYPT.r), String(DEFAULT_SCRYPT.p)]);
    assert.equal(Buffer.from(parts[4], 'base64').length, 16);
    assert.equal(Buffer.from(parts[5], 'base64').length, 32);
    assert.ok(!h.includes('correct horse'));
    assert.equal(await verifyPassword('correct horse battery', h), true);
  });

  it('rejects a wrong password', async () => {
    const h = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse batterY', h), false);
    assert.equal(await verifyPassword('', h), false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('same password', b), true);
  });

  it('reads parameters from the stored string (old hashes keep working) and flags them for rehash', async () => {
    const weak = await hashPassword('legacy password', { N: 2 ** 10, r: 8, p: 1 });
    assert.match(weak, /^scrypt\$1024\$8\$1\$/);
    assert.equal(await verifyPassword('legacy password', weak), true);
    assert.equal(needsRehash(weak), true);
    assert.equal(needsRehash(await hashPassword('x'.repeat(8))), false);
  });

  it('returns false for malformed or hostile stored hashes instead of throwing', async () => {
    const good = await hashPassword('password1');
    const [, , r, p, salt, key] = good.split('$');
    for (const bad of [
      '',
      'plaintext',
      'bcrypt$10$abc',
      `scrypt$1000$${r}$${p}$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`, // N absurdly large (memory bomb)
      `scrypt$32768$0$${p}$${salt}$${key}`,
      `scrypt$32768$${r}$${p}$${salt}`,
      `scrypt$32768$${r}$${p}$$${key}`,
    ]) {
      assert.equal(await verifyPassword('password1', bad), false, bad);
    }
  });

  it('takes a deliberate amount of time with the default parameters', async () => {
    const t0 = performance.now();
    await hashPassword('timing password');
    const ms = performance.now() - t0;
    assert.ok(ms > 20, `hashing took only ${ms.toFixed(1)} ms: parameters too weak?`);
  });
});
