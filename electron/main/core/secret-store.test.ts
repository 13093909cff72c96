// The secret store with an injected cipher (Electron's safeStorage in the app).
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { SecretStore, type Cipher, type Secrets } from './secret-store.js';

/** AES-256-GCM with a fixed key: stands in for safeStorage. */
function testCipher(key = randomBytes(32), available = true): Cipher {
  return {
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(buf) {
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

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
