// RTMPS: RTMP over TLS on its own port, with real ffmpeg publishing to rtmps:// and our own client, a self-signed
// certificate from openssl.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { ffmpegPath, run, waitFor } from '../test-support/process.js';
import { clientHandshake, keyHooks, publishArgs } from '../test-support/rtmp.js';
import { selfSignedCertificate, type TestCertificate } from '../test-support/tls.js';
import { silentLogger } from '../log.js';
import { RtmpServer } from './server.js';

let cert: TestCertificate;
before(() => {
  cert = selfSignedCertificate();
});
after(() => cert.remove());

async function startTlsServer(hooks: ReturnType<typeof keyHooks>) {
  const server = new RtmpServer({
    host: '127.0.0.1',
    port: 0,
    hooks,
    logger: silentLogger(),
    tls: { port: 0, cert: cert.cert, key: cert.key },
  });
  const { port, tlsPort } = await server.listen();
  assert.ok(tlsPort, 'the RTMPS port is bound');
  return { server, port, tlsPort };
}

test('ffmpeg publishes over rtmps://: the same hook, the same frames; plain RTMP keeps working beside it', async () => {
  const hooks = keyHooks({ 'secret-key': 'alice', 'other-key': 'bob' });
  const { server, port, tlsPort } = await startTlsServer(hooks);
  try {
    const secure = run(ffmpegPath, publishArgs(`rtmps://127.0.0.1:${tlsPort}/live/secret-key`, 3), 20_000);
    const plain = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/other-key`, 3), 20_000);
    const [a, b] = await Promise.all([secure, plain]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    for (const channel of ['alice', 'bob']) {
      const sink = hooks.sinks.get(channel)![0];
      await waitFor(`${channel}'s sink ended`, () => sink.ends.length > 0, 3000, 20);
      const video = sink.messages.filter((m) => m.track === 'video');
      assert.equal(video[0].kind, 'config');
      assert.ok(video.filter((m) => m.kind === 'key').length >= 2, `${channel}: keyframes`);
      assert.ok(video.length >= 80, `${channel}: ${video.length} video frames`);
    }
    assert.deepEqual(hooks.requests.map((r) => r.streamKey).sort(), ['other-key', 'secret-key']);
  } finally {
    await server.close();
  }
});

test('a wrong key over RTMPS is refused in words, as over RTMP', async () => {
  const hooks = keyHooks({ 'secret-key': 'alice' });
  const { server, tlsPort } = await startTlsServer(hooks);
  try {
    const r = await run(ffmpegPath, publishArgs(`rtmps://127.0.0.1:${tlsPort}/live/nope`, 2), 20_000);
    assert.notEqual(r.code, 0);
    assert.equal(hooks.sinks.size, 0);
  } finally {
    await server.close();
  }
});

test('plain RTMP or garbage on the RTMPS port closes that connection alone; a silent one meets the handshake deadline', async () => {
  const hooks = keyHooks({ 'secret-key': 'alice' });
  const server = new RtmpServer({
    host: '127.0.0.1',
    port: 0,
    hooks,
    logger: silentLogger(),
    limits: { handshakeTimeoutMs: 500 },
    tls: { port: 0, cert: cert.cert, key: cert.key },
  });
  const { tlsPort } = await server.listen();
  try {
    const closed = (socket: net.Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const plain = net.connect(tlsPort!, '127.0.0.1');
    plain.on('error', () => {});
    plain.on('connect', () => plain.write(clientHandshake()));
    const silent = net.connect(tlsPort!, '127.0.0.1');
    silent.on('error', () => {});
    const started = Date.now();
    await Promise.all([closed(plain), closed(silent)]);
    assert.ok(Date.now() - started < 5000, 'both closed promptly');
    // The server still takes a proper RTMPS publisher.
    const r = await run(ffmpegPath, publishArgs(`rtmps://127.0.0.1:${tlsPort}/live/secret-key`, 1), 20_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.stats().connections, 0);
  } finally {
    await server.close();
  }
});

test('a certificate that cannot be used fails listen() in words, and nothing stays bound', async () => {
  const server = new RtmpServer({
    host: '127.0.0.1',
    port: 0,
    hooks: keyHooks({}),
    logger: silentLogger(),
    tls: { port: 0, cert: 'not a certificate', key: cert.key },
  });
  await assert.rejects(server.listen(), /RTMPS: the certificate or key cannot be used/);
});
