// The secret store with an injected cipher (Electron's safeStorage in the app).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { testCipher } from '../../../server/test-support/cipher.js';
import { SecretStore, type Secrets } from './secret-store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'onair-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const secrets: Secrets = {
  mode: 'onair',
  serverUrl: 'https://live.example.com',
  username: 'ann',
  channel: 'ann',
  rtmpUrl: 'rtmp://live.example.com/live',
  token: 'tok_SECRET_123',
  streamKey: 'live_KEY_456',
};

describe('SecretStore', () => {
  test('round trip through the cipher; nothing in clear on disk', () => {
    const file = path.join(dir, 'a', 'secrets.bin');
    const key = randomBytes(32);
    const s = new SecretStore(file, testCipher(key));
    assert.equal(s.get(), null);
    assert.equal(s.set(secrets), true);
    const raw = readFileSync(file);
    assert.ok(!raw.toString('latin1').includes('tok_SECRET_123') && !raw.toString('latin1').includes('live_KEY_456'));
    assert.deepEqual(new SecretStore(file, testCipher(key)).get(), secrets);
  });

  test('another key (another user or machine) reads nothing', () => {
    const file = path.join(dir, 'b.bin');
    new SecretStore(file, testCipher()).set(secrets);
    assert.equal(new SecretStore(file, testCipher()).get(), null);
  });

  test('a tampered or malformed file is ignored', () => {
    const file = path.join(dir, 'c.bin');
    const key = randomBytes(32);
    const c = testCipher(key);
    writeFileSync(file, c.encryptString(JSON.stringify({ mode: 'onair', token: 'x' })));
    assert.equal(new SecretStore(file, c).get(), null);
    writeFileSync(file, c.encryptString('not json'));
    assert.equal(new SecretStore(file, c).get(), null);
    writeFileSync(file, Buffer.from('garbage'));
    assert.equal(new SecretStore(file, c).get(), null);
  });

  test("the Studio's invite link is kept with the account, encrypted; a malformed one is dropped, the account kept", () => {
    const file = path.join(dir, 'f.bin');
    const key = randomBytes(32);
    const invite = { id: 7, url: 'https://live.example.com/i/INVITE_TOKEN_789', expiresAt: '2030-01-08T10:00:00.000Z', maxUses: 50 };
    new SecretStore(file, testCipher(key)).set({ ...secrets, invite });
    assert.ok(!readFileSync(file).toString('latin1').includes('INVITE_TOKEN_789'));
    assert.deepEqual(new SecretStore(file, testCipher(key)).get(), { ...secrets, invite });
    const c = testCipher(key);
    for (const bad of [{ ...invite, id: -1 }, { ...invite, url: 'javascript:alert(1)' }, { ...invite, maxUses: 'many' }, 'x']) {
      writeFileSync(file, c.encryptString(JSON.stringify({ ...secrets, invite: bad })));
      assert.deepEqual(new SecretStore(file, c).get(), secrets, JSON.stringify(bad));
    }
  });

  test('no encryption available: memory only, never written', () => {
    const file = path.join(dir, 'd.bin');
    const s = new SecretStore(file, testCipher(randomBytes(32), false));
    assert.equal(s.persistent, false);
    assert.equal(s.set(secrets), false);
    assert.deepEqual(s.get(), secrets);
    assert.equal(existsSync(file), false);
  });

  test('clear removes the file', () => {
    const file = path.join(dir, 'e.bin');
    const s = new SecretStore(file, testCipher());
    s.set({ mode: 'custom', rtmpUrl: 'rtmp://x/live', streamKey: 'k' });
    s.clear();
    assert.equal(existsSync(file), false);
    assert.equal(s.get(), null);
  });
});
