// End to end: SRT ingest. A real ffmpeg (libsrt, caller mode) sends MPEG-TS to srt://HOST:PORT?streamid=KEY: the
// channel goes live and its HLS plays H.264 + AAC; through a relay that drops 5% of datagrams each way the HLS still
// decodes without an error (retransmission did its work); a wrong key, a play request and a second publisher are
// rejected with the access-control codes, nothing goes live and the key never reaches the logs; the publisher
// stopping ends the stream into a replay; kick drops an SRT publisher; garbage datagrams and a handshake flood
// neither crash the server nor disturb an RTMP stream beside.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from './config.js';
import { CTRL, HS_TYPE, controlPacket, encodeHandshake } from './srt/packet.js';
import { parseStreamId, REJECT } from './srt/handshake.js';
import { ffmpegPath, ffprobe, runOk, sleep, waitFor } from './test-support/process.js';
import { api, newStreamer, publish, startTestServer, type Publisher, type TestServer } from './test-support/server.js';
import { startLossyUdpProxy } from './test-support/udp-proxy.js';

// ffmpeg takes the stream id as written (it does not decode %-escapes), the access-control form included.
const srtUrl = (port: number, streamId: string, latencyMs = 120) => `srt://127.0.0.1:${port}?streamid=${streamId}&latency=${latencyMs * 1000}`;
const isLive = async (s: TestServer, channel: string) => (await api(s.base, 'GET', `/api/channels/${channel}`)).body.live as boolean;

describe('SRT ingest', { timeout: 180_000 }, () => {
  let server: TestServer;
  const publishers: Publisher[] = [];
  const srtPublish = (streamId: string, seconds: number, port = server.srtPort!, latencyMs = 120) => {
    const p = publish(srtUrl(port, streamId, latencyMs), { seconds, format: 'mpegts' });
    publishers.push(p);
    return p;
  };
  before(async () => {
    server = await startTestServer({ ONAIR_SRT_PORT: 'auto', ONAIR_GRACE_SECONDS: '0' });
  });
  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    await server?.stop();
  });

  test('ffmpeg publishes with the stream key as stream id: live, HLS with H.264 + AAC that grows, the SRT URL in the API', async () => {
    assert.ok(server.srtPort, 'the SRT port is bound');
    const streamer = await newStreamer(server.base, 'srtalice');
    assert.equal(streamer.channel.name, 'srtalice');
    const me = await api(server.base, 'GET', '/api/me/channel', undefined, streamer.token);
    assert.equal(me.body.srtUrl, `srt://127.0.0.1:${server.srtPort}`);

    const pub = srtPublish(streamer.channel.streamKey, 12);
    await waitFor('the channel is live', () => isLive(server, 'srtalice'), 15_000, 200);
    await waitFor('two segments', () => (server.streams.get('srtalice')?.segments ?? 0) >= 2, 15_000, 100);
    const hls = `${server.base}/hls/srtalice/index.m3u8`;
    const first = await ffprobe(hls);
    assert.ok(
      first.streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264' && s.width === 320),
      JSON.stringify(first.streams),
    );
    assert.ok(first.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac'));
    const segmentsBefore = server.streams.get('srtalice')!.segments;
    await sleep(2500);
    assert.ok(server.streams.get('srtalice')!.segments > segmentsBefore, 'the stream grows');

    // The relay sees it as a publisher: /stat and the RTMP server's stats name it, RTMP players can play it.
    const stats = server.rtmp.stats().streams.find((s) => s.channel === 'srtalice');
    assert.match(stats?.publisher.flashver ?? '', /^SRT 1\./);
    assert.equal(stats?.media.width, 320);
    const srtStats = server.srt!.stats();
    assert.equal(srtStats.publishers[0]?.channel, 'srtalice');
    assert.ok(srtStats.publishers[0].packetsReceived > 100);
    const apiStats = await api(server.base, 'GET', '/api/stats');
    const apiStream = apiStats.body.streams.find((s: { channel: string }) => s.channel === 'srtalice');
    assert.equal(apiStream?.srt?.latencyMs, 120, JSON.stringify(apiStream));
    assert.ok(apiStream.srt.packetsReceived > 100 && apiStream.video.width === 320);
    const { stderr } = await runOk(ffmpegPath, ['-v', 'error', '-i', `${server.rtmpBase}/srtalice`, '-t', '2', '-f', 'null', '-'], 20_000);
    assert.equal(stderr.trim(), '', 'an RTMP player decodes the SRT stream');

    // The publisher stops: the stream ends into a replay.
    const streamId = server.streams.get('srtalice')!.streamId;
    assert.equal(await pub.exit, 0, pub.stderr());
    await server.replayRecorded(streamId);
    await waitFor('off air', async () => !(await isLive(server, 'srtalice')), 10_000, 100);
    const replay = await ffprobe(`${server.base}/vod/${streamId}/index.m3u8`);
    assert.ok(Number(replay.format.duration) > 8, `replay duration ${replay.format.duration}`);
    assert.ok(!server.logs().includes(streamer.channel.streamKey), 'the key is never logged');
  });

  test('5% of datagrams dropped each way: retransmissions fill the holes and the HLS decodes without an error', async () => {
    const streamer = await newStreamer(server.base, 'srtlossy');
    const proxy = await startLossyUdpProxy({ host: '127.0.0.1', port: server.srtPort! }, 0.05);
    // The access-control form of the stream id. 400 ms to recover losses: the shared test box can starve the
    // event loop for longer than the default 120 ms, and a packet given up on is a hole in the picture.
    const pub = srtPublish(`#!::r=live/${streamer.channel.streamKey},m=publish`, 10, proxy.port, 400);
    try {
      await waitFor('the lossy channel is live', () => isLive(server, 'srtlossy'), 20_000, 200);
      await waitFor('four segments', () => (server.streams.get('srtlossy')?.segments ?? 0) >= 4, 20_000, 100);
      const s = server.srt!.stats().publishers.find((p) => p.channel === 'srtlossy')!;
      assert.ok(s.packetsLost > 0 && s.retransmitted > 0, JSON.stringify(s));
      assert.equal(s.dropped, 0, 'nothing given up on');
      assert.equal(s.latencyMs, 400, 'the larger of ours (120 ms) and the encoder’s');
      assert.ok(proxy.counts.upDropped > 10 && proxy.counts.downDropped > 0, JSON.stringify(proxy.counts));
      const { stderr } = await runOk(ffmpegPath, ['-v', 'error', '-i', `${server.base}/hls/srtlossy/index.m3u8`, '-f', 'null', '-'], 30_000);
      assert.equal(stderr.trim(), '', 'no decode errors');
      await pub.exit;
    } finally {
      pub.proc.kill('SIGKILL');
      await proxy.stop();
    }
  });

  test('a wrong key, a play request and a second publisher are rejected; nothing goes live; the key stays out of the logs', async () => {
    const wrongKey = 'live_NOT_A_REAL_KEY_9f8e7d6c5b4a';
    const wrong = srtPublish(wrongKey, 5);
    assert.notEqual(await wrong.exit, 0, 'ffmpeg fails');
    assert.match(wrong.stderr(), /reject|Connection setup failure|I\/O error|Input\/output/i);
    assert.equal(server.streams.list().length, 0, 'nothing live');
    assert.ok(!server.logs().includes(wrongKey), 'the wrong key is not logged');
    assert.match(server.logs(), /"code":"bad_name","srtCode":1403,"msg":"srt publish refused"/);

    const streamer = await newStreamer(server.base, 'srtbusy');
    const play = srtPublish(`#!::r=live/${streamer.channel.streamKey},m=request`, 5);
    assert.notEqual(await play.exit, 0, 'a play request is refused');
    assert.equal(server.streams.list().length, 0);

    const first = srtPublish(streamer.channel.streamKey, 20);
    await waitFor('live', () => isLive(server, 'srtbusy'), 15_000, 200);
    const second = srtPublish(streamer.channel.streamKey, 5);
    assert.notEqual(await second.exit, 0, 'the second publisher is refused');
    assert.match(server.logs(), /"code":"already_live","srtCode":1409/);
    assert.ok(await isLive(server, 'srtbusy'), 'the first one stays on air');

    // Kick (a key reset, a ban, packaging failure) drops an SRT publisher as it does an RTMP one.
    assert.equal(server.rtmp.kick('srtbusy', 'test kick'), true);
    assert.notEqual(await first.exit, 0, 'ffmpeg sees the connection closed');
    await waitFor('off air', async () => !(await isLive(server, 'srtbusy')), 10_000, 100);
    assert.ok(!server.logs().includes(streamer.channel.streamKey));
  });

  test('garbage datagrams and a handshake flood do not crash the server nor disturb an RTMP stream beside', async () => {
    const streamer = await newStreamer(server.base, 'rtmpbeside');
    const rtmpPub = publish(`${server.rtmpBase}/${streamer.channel.streamKey}`, { seconds: 12 });
    publishers.push(rtmpPub);
    await waitFor('the RTMP channel is live', () => isLive(server, 'rtmpbeside'), 15_000, 200);
    const segmentsBefore = server.streams.get('rtmpbeside')!.segments;
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const send = (b: Buffer) => new Promise<void>((r) => sock.send(b, server.srtPort!, '127.0.0.1', () => r()));
    const conclusionWithoutCookie = controlPacket(
      CTRL.handshake,
      0,
      0,
      0,
      encodeHandshake({
        version: 5,
        encryption: 0,
        extension: 5,
        isn: 1,
        mtu: 1500,
        flowWindow: 8192,
        type: HS_TYPE.conclusion,
        socketId: 42,
        cookie: 1234,
        peerIp: Buffer.alloc(16),
        extensions: [],
      }),
    );
    const induction = (socketId: number) =>
      controlPacket(
        CTRL.handshake,
        0,
        0,
        0,
        encodeHandshake({
          version: 4,
          encryption: 0,
          extension: 2,
          isn: 7,
          mtu: 1500,
          flowWindow: 8192,
          type: HS_TYPE.induction,
          socketId,
          cookie: 0,
          peerIp: Buffer.alloc(16),
          extensions: [],
        }),
      );
    const { ndiscarded: discardedBefore, connections: connectionsBefore } = server.srt!.stats();
    for (let i = 0; i < 3000; i++) {
      const kind = i % 4;
      if (kind === 0) await send(Buffer.from(Array.from({ length: 1 + (i % 1400) }, (_, k) => (k * 31 + i) & 0xff)));
      else if (kind === 1) await send(induction(i));
      else if (kind === 2) await send(conclusionWithoutCookie);
      else await send(Buffer.from([0x80, 0x02, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78])); // an ACK for no one
    }
    sock.close();
    await sleep(2500);
    assert.ok(server.srt!.stats().ndiscarded - discardedBefore >= 2000, 'garbage counted and dropped');
    assert.ok(server.srt!.stats().connections <= connectionsBefore, 'no state held for inductions or cookieless conclusions');
    assert.ok(server.streams.get('rtmpbeside')!.segments > segmentsBefore, 'the RTMP stream kept going');
    // The listener still takes a real publisher.
    const ok = await newStreamer(server.base, 'srtafter');
    srtPublish(ok.channel.streamKey, 4);
    await waitFor('an SRT publisher after the flood', () => isLive(server, 'srtafter'), 15_000, 200);
  });
});

describe('SRT publisher lost without a word', { timeout: 120_000 }, () => {
  let server: TestServer;
  const publishers: Publisher[] = [];
  before(async () => {
    server = await startTestServer({ ONAIR_SRT_PORT: 'auto', ONAIR_GRACE_SECONDS: '30' });
  });
  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    await server?.stop();
  });

  test('the peer goes silent: dropped after the idle timeout, and a new connection within the grace period continues the stream', async () => {
    const streamer = await newStreamer(server.base, 'srtgrace');
    const url = srtUrl(server.srtPort!, streamer.channel.streamKey);
    const first = publish(url, { seconds: 60, format: 'mpegts' });
    publishers.push(first);
    await waitFor('live', () => isLive(server, 'srtgrace'), 15_000, 200);
    await waitFor('two segments', () => (server.streams.get('srtgrace')?.segments ?? 0) >= 2, 15_000, 100);
    const streamId = server.streams.get('srtgrace')!.streamId;
    first.proc.kill('SIGKILL'); // no SRT shutdown: the network went away
    await waitFor('the listener gives up on the silent peer', () => server.logs().includes('"reason":"peer idle timeout"'), 15_000, 200);
    assert.equal(server.streams.get('srtgrace')?.streamId, streamId, 'the stream waits out its grace period');
    const second = publish(url, { seconds: 30, format: 'mpegts' });
    publishers.push(second);
    await waitFor('publishing again', () => server.streams.isPublishing('srtgrace'), 15_000, 200);
    assert.equal(server.streams.get('srtgrace')?.streamId, streamId, 'the same stream goes on');
    const segments = server.streams.get('srtgrace')!.segments;
    await waitFor('it grows again', () => (server.streams.get('srtgrace')?.segments ?? 0) > segments + 1, 15_000, 200);
  });
});

describe('SRT settings and stream ids', () => {
  test('ONAIR_SRT_PORT: 8890 by default, 0 or off turns it off, auto picks a free port; the latency is bounded', () => {
    const def = loadConfig({ ONAIR_PUBLIC_URL: 'https://live.example.com' });
    assert.deepEqual(def.srt, { port: 8890, host: '0.0.0.0', latencyMs: 120 });
    assert.equal(def.srtPublicUrl, 'srt://live.example.com:8890');
    assert.equal(loadConfig({ ONAIR_SRT_PORT: '0' }).srt, null);
    assert.equal(loadConfig({ ONAIR_SRT_PORT: 'off' }).srt, null);
    assert.equal(loadConfig({ ONAIR_SRT_PORT: 'auto' }).srt?.port, 0);
    assert.equal(loadConfig({ ONAIR_SRT_LATENCY_MS: '400', ONAIR_SRT_HOST: '127.0.0.1' }).srt?.latencyMs, 400);
    assert.throws(() => loadConfig({ ONAIR_SRT_PORT: 'x' }), /ONAIR_SRT_PORT must be a number/);
    assert.throws(() => loadConfig({ ONAIR_SRT_LATENCY_MS: '5' }), /ONAIR_SRT_LATENCY_MS must be a number from 20/);
  });

  test('stream ids: a bare key, the access-control form, an application, play requests and empty ids', () => {
    assert.deepEqual(parseStreamId('abc'), { ok: true, app: 'live', key: 'abc' });
    assert.deepEqual(parseStreamId('#!::r=live/abc,m=publish'), { ok: true, app: 'live', key: 'abc' });
    assert.deepEqual(parseStreamId('#!::m=publish,r=vertical/abc,u=me'), { ok: true, app: 'vertical', key: 'abc' });
    assert.deepEqual(parseStreamId('live/abc'), { ok: true, app: 'live', key: 'abc' });
    const play = parseStreamId('#!::r=live/abc,m=request');
    assert.equal(play.ok === false && play.code, REJECT.badMode);
    const noMode = parseStreamId('#!::r=live/abc');
    assert.equal(noMode.ok === false && noMode.code, REJECT.badMode, 'the access-control default mode is request');
    const empty = parseStreamId('');
    assert.equal(empty.ok === false && empty.code, REJECT.badRequest);
    assert.equal(parseStreamId('#!::r=live/,m=publish').ok, false);
  });
});
