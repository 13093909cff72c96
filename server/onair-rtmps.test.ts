// End to end: RTMPS ingest. The server takes RTMP over TLS on its own port when a certificate and key are set; a
// real ffmpeg publishes to the rtmps:// URL the settings page shows, with the channel's key, and the channel's HLS
// plays. Our own RTMP client (the restream pusher) refuses a certificate it cannot trust, in words, and publishes
// once told to trust it. The key stays out of the logs. Bad certificate settings stop the start in words.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig, readTlsFiles } from './config.js';
import { RtmpPublisher, RtmpPublishError } from './rtmp/client.js';
import { ffprobe, waitFor } from './test-support/process.js';
import { api, newStreamer, publish, startTestServer, type Publisher, type TestServer } from './test-support/server.js';
import { selfSignedCertificate, type TestCertificate } from './test-support/tls.js';

describe('RTMPS ingest', { timeout: 120_000 }, () => {
  let cert: TestCertificate;
  let server: TestServer;
  const publishers: Publisher[] = [];
  before(async () => {
    cert = selfSignedCertificate();
    server = await startTestServer({ ONAIR_TLS_CERT: cert.certFile, ONAIR_TLS_KEY: cert.keyFile, ONAIR_RTMPS_PORT: '0' });
  });
  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    await server?.stop();
    cert?.remove();
  });

  test('ffmpeg publishes to the rtmps:// URL the channel settings give, and the channel plays', async () => {
    assert.ok(server.rtmpsPort, 'the RTMPS port is bound');
    const streamer = await newStreamer(server.base, 'secure');
    const me = await api(server.base, 'GET', '/api/me/channel', undefined, streamer.token);
    assert.equal(me.body.rtmpsUrl, `rtmps://127.0.0.1:${server.rtmpsPort}/live`, 'the encrypted server URL, with the host the owner used');
    assert.equal(me.body.rtmpUrl, `${server.rtmpBase}`);

    publishers.push(publish(`${me.body.rtmpsUrl}/${streamer.channel.streamKey}`, { seconds: 30 }));
    await waitFor('the channel is live', async () => (await api(server.base, 'GET', '/api/channels/secure')).body.live, 20_000, 200);
    await waitFor('two segments', () => (server.streams.get('secure')?.segments ?? 0) >= 2, 20_000, 100);
    const probe = await ffprobe(`${server.base}/hls/secure/index.m3u8`);
    assert.ok(
      probe.streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264'),
      JSON.stringify(probe.streams),
    );
    assert.ok(probe.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac'));
    assert.ok(!server.logs().includes(streamer.channel.streamKey), 'the key is never logged');
    assert.match(server.logs(), /"msg":"rtmps listening"/);
  });

  test('our RTMP client refuses a certificate it cannot trust, in words; told to trust it, it publishes', async () => {
    const streamer = await newStreamer(server.base, 'pusher');
    const url = `rtmps://localhost:${server.rtmpsPort}/live`;
    await assert.rejects(
      RtmpPublisher.connect({ url, key: streamer.channel.streamKey }, { timeoutMs: 5000 }),
      (err: unknown) => err instanceof RtmpPublishError && /TLS certificate is not trusted/.test(err.message),
    );
    const client = await RtmpPublisher.connect({ url, key: streamer.channel.streamKey }, { timeoutMs: 5000, ca: cert.cert });
    await waitFor('the pushed channel is live', async () => (await api(server.base, 'GET', '/api/channels/pusher')).body.live, 10_000, 100);
    client.close();
  });

  test('certificate settings: both files or neither, readable, else the start stops in words', () => {
    assert.throws(() => loadConfig({ ONAIR_TLS_CERT: cert.certFile }), /needs both ONAIR_TLS_CERT and ONAIR_TLS_KEY/);
    assert.throws(() => loadConfig({ ONAIR_RTMPS_PORT: '1936' }), /ONAIR_RTMPS_PORT needs ONAIR_TLS_CERT/);
    const on = loadConfig({ ONAIR_TLS_CERT: cert.certFile, ONAIR_TLS_KEY: cert.keyFile, ONAIR_PUBLIC_URL: 'https://live.example.com' });
    assert.equal(on.rtmps?.port, 1936, 'RTMPS port 1936 by default');
    assert.equal(on.rtmpsPublicUrl, 'rtmps://live.example.com:1936/live');
    assert.equal(loadConfig({}).rtmps, null, 'off without a certificate');
    assert.throws(
      () => readTlsFiles({ certFile: '/nonexistent/cert.pem', keyFile: cert.keyFile }),
      (err: unknown) => err instanceof ConfigError && /ONAIR_TLS_CERT: cannot read \/nonexistent\/cert.pem: ENOENT/.test(err.message),
    );
  });
});
