// Integration with real ffmpeg over TCP on 127.0.0.1 (ephemeral ports).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPath, ffprobePath, run, sleep, waitFor } from '../test-support/process.js';
import { clientHandshake, keyHooks, publishArgs, startServer } from '../test-support/rtmp.js';
import { decodeAmf0 } from './amf0.js';
import type { RtmpServer } from './server.js';
import { ChunkReader, DEFAULT_CHUNK_READER_LIMITS, type RtmpMessage } from './chunk.js';

/** A TCP proxy that records what the server sends, so a test can see the exact bytes a client received. */
async function recordingProxy(targetPort: number): Promise<{ port: number; fromServer: () => Buffer; close: () => void }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      chunks.push(d);
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    fromServer: () => Buffer.concat(chunks),
    close: () => {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
}

test('ffmpeg publishes H.264 + AAC: metadata, sequence headers, keyframes, monotonic timestamps, one end()', async () => {
  const hooks = keyHooks({ 'secret-key': 'alice' });
  const { server, port } = await startServer(hooks);
  try {
    const pub = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/secret-key`, 3), 20_000);
    let midStats: ReturnType<typeof server.stats> | null = null;
    await waitFor('60 frames from alice', () => (hooks.sinks.get('alice')?.[0]?.count() ?? 0) > 60, 10_000, 20);
    await sleep(1200);
    midStats = server.stats();
    const r = await pub;
    assert.equal(r.code, 0, r.stderr);
    const sink = hooks.sinks.get('alice')![0];
    await waitFor('the sink ended', () => sink.ends.length > 0, 3000, 20);

    assert.equal(hooks.requests.length, 1);
    assert.equal(hooks.requests[0].app, 'live');
    assert.equal(hooks.requests[0].streamKey, 'secret-key');

    const data = sink.messages.filter((m) => m.track === 'data');
    assert.ok(data.length >= 1);
    const meta = decodeAmf0(data[0].tag);
    assert.equal(meta[0], 'onMetaData', '@setDataFrame is stripped');
    assert.equal((meta[1] as Record<string, unknown>).width, 320);
    assert.equal(data[0].meta?.width, 320, 'parsed once, at the edge');

    const video = sink.messages.filter((m) => m.track === 'video');
    const audio = sink.messages.filter((m) => m.track === 'audio');
    assert.equal(video[0].tag[0], 0x17, 'AVC keyframe header');
    assert.equal(video[0].tag[1], 0x00, 'AVC sequence header first');
    assert.deepEqual([video[0].kind, video[0].codec, audio[0].kind, audio[0].codec], ['config', 'avc', 'config', 'aac']);
    assert.equal(audio[0].tag[0] >> 4, 10, 'AAC');
    assert.equal(audio[0].tag[1], 0x00, 'AAC sequence header first');
    const keyframes = video.filter((m) => m.kind === 'key').length;
    assert.ok(keyframes >= 2, `keyframes: ${keyframes}`);
    assert.ok(video.length >= 80, `video frames: ${video.length}`);
    assert.ok(audio.length >= 100, `audio frames: ${audio.length}`);
    for (const list of [video, audio]) {
      for (let i = 1; i < list.length; i++) assert.ok(list[i].dts >= list[i - 1].dts, 'monotonic timestamps');
    }
    assert.ok(video.at(-1)!.dts >= 2500);
    assert.equal(sink.ends.length, 1);
    assert.ok(['unpublish', 'disconnect'].includes(sink.ends[0]));

    // Stats taken while live.
    const ch = midStats!.streams.find((c) => c.channel === 'alice')!;
    assert.ok(ch, 'channel listed while live');
    assert.equal(ch.media.width, 320);
    assert.equal(ch.media.height, 240);
    assert.equal(ch.media.videoCodec, 'avc1');
    assert.equal(ch.media.audioCodec, 'aac');
    assert.equal(ch.media.audioSampleRate, 44100);
    assert.ok(ch.publisher.bytesIn > 10_000);
    assert.ok(ch.publisher.bwIn > 0);
    assert.ok(midStats!.bwIn > 0);
    assert.ok(!JSON.stringify(midStats).includes('secret-key'), 'stats never carry the key');
    assert.deepEqual(server.stats().streams, []);
  } finally {
    await server.close();
  }
});

test('wrong key: refused before any Publish.Start, ffmpeg exits non-zero with the reason', async () => {
  const hooks = keyHooks({ 'secret-key': 'alice' });
  const { server, port } = await startServer(hooks);
  const proxy = await recordingProxy(port);
  try {
    const r = await run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${proxy.port}/live/wrong-key`, 2), 15_000);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Stream key not recognised/);
    assert.equal(hooks.requests.length, 1);
    assert.equal(hooks.requests[0].streamKey, 'wrong-key');
    // Parse exactly what the client received: every onStatus code, in order.
    const msgs: RtmpMessage[] = [];
    new ChunkReader(DEFAULT_CHUNK_READER_LIMITS, { onMessage: (m) => msgs.push(m) }).push(proxy.fromServer().subarray(3073));
    const statuses = msgs
      .filter((m) => m.typeId === 20)
      .map((m) => decodeAmf0(m.payload))
      .filter((v) => v[0] === 'onStatus')
      .map((v) => (v[3] as Record<string, unknown>).code);
    assert.deepEqual(statuses, ['NetStream.Publish.BadName'], 'the refusal reached the client and Publish.Start was never sent');
    assert.equal(hooks.sinks.size, 0);
  } finally {
    proxy.close();
    await server.close();
  }
});

test('while live: a second publisher is refused (already_live) and a player pulls video + audio', async () => {
  const hooks = keyHooks({ 'secret-key': 'alice' });
  const { server, port } = await startServer(hooks);
  const dir = mkdtempSync(join(tmpdir(), 'onair-rtmp-'));
  try {
    const pub = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/secret-key`, 5), 20_000);
    await waitFor(
      'alice live with video',
      () => server.liveChannels().includes('alice') && hooks.sinks.get('alice')![0].count('video') > 5,
      10_000,
      20,
    );

    const second = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/secret-key`, 2), 15_000);
    const out = join(dir, 'pulled.flv');
    const player = run(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'warning', '-nostdin', '-i', `rtmp://127.0.0.1:${port}/live/alice`, '-t', '2', '-c', 'copy', '-f', 'flv', out],
      15_000,
    );
    // Listed while it plays (it plays for 2 s): polled, since ffmpeg's start-up on a busy machine can take over 1 s.
    let mid: ReturnType<RtmpServer['stats']>['streams'][number] | undefined;
    await waitFor(
      'the player listed in stats',
      () => ((mid = server.stats().streams.find((c) => c.channel === 'alice'))?.players.length ?? 0) > 0,
      10_000,
      20,
    ).catch(() => {}); // the assertion below says what was seen
    const s2 = await second;
    assert.notEqual(s2.code, 0, 'second publisher refused');
    assert.match(s2.stderr, /Already publishing/);
    const pr = await player;
    assert.equal(pr.code, 0, pr.stderr);
    assert.equal(mid?.players.length, 1, 'player listed in stats');
    assert.match(mid!.players[0].flashver, /LNX|WIN|FMLE|Lavf/);
    assert.ok(mid!.bytesOut > 0 && mid!.players[0].bytesOut > 0);
    const probe = await run(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', out], 10_000);
    assert.equal(probe.code, 0, probe.stderr);
    assert.match(probe.stdout, /h264,video/);
    assert.match(probe.stdout, /aac,audio/);
    const r = await pub;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(hooks.sinks.get('alice')!.length, 1, 'only one sink was ever created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('play of an offline channel fails with StreamNotFound', async () => {
  const { server, port } = await startServer(keyHooks({}));
  try {
    const r = await run(ffmpegPath, ['-hide_banner', '-nostdin', '-i', `rtmp://127.0.0.1:${port}/live/nobody`, '-t', '1', '-f', 'null', '-'], 10_000);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /StreamNotFound|not live/);
  } finally {
    await server.close();
  }
});

test('kick() drops a live publisher: sink.end("kicked"), ffmpeg exits early', async () => {
  const hooks = keyHooks({ 'secret-key': 'alice' });
  const { server, port } = await startServer(hooks);
  try {
    const started = Date.now();
    const pub = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/secret-key`, 20), 25_000);
    await waitFor('20 frames from alice', () => (hooks.sinks.get('alice')?.[0]?.count() ?? 0) > 20, 10_000, 20);
    assert.equal(server.kick('nobody', 'x'), false);
    assert.equal(server.kick('alice', 'stream key regenerated'), true);
    const r = await pub;
    assert.ok(Date.now() - started < 15_000, 'ffmpeg exited long before its 20 s');
    assert.notEqual(r.signal, 'SIGKILL');
    assert.deepEqual(hooks.sinks.get('alice')![0].ends, ['kicked']);
    assert.deepEqual(server.liveChannels(), []);
  } finally {
    await server.close();
  }
});

function closedWithin(sock: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    sock.on('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    sock.on('error', () => {});
  });
}

test('limits: connection cap refuses extra sockets; silent sockets hit the handshake timeout; idle timeout', async () => {
  const { server, port } = await startServer(keyHooks({}), { maxConnections: 2, handshakeTimeoutMs: 300, idleTimeoutMs: 600 });
  try {
    const a = net.connect(port, '127.0.0.1');
    const b = net.connect(port, '127.0.0.1');
    await Promise.all([new Promise((r) => a.once('connect', r)), new Promise((r) => b.once('connect', r))]);
    const aClosed = closedWithin(a, 3000);
    const bClosed = closedWithin(b, 3000);
    await waitFor('two connections', () => server.stats().connections === 2, 2000, 20);
    const c = net.connect(port, '127.0.0.1');
    assert.equal(await closedWithin(c, 250), true, 'third connection refused at once');
    assert.equal(server.stats().nrefused, 1);
    const t0 = Date.now();
    assert.equal(await aClosed, true);
    assert.equal(await bClosed, true);
    assert.ok(Date.now() - t0 < 1500, 'handshake timeout closed the silent sockets');

    // Handshake done, then silence: the idle timeout closes it.
    const d = net.connect(port, '127.0.0.1');
    await new Promise((r) => d.once('connect', r));
    d.on('data', () => {});
    d.write(clientHandshake());
    const dClosed = closedWithin(d, 3000);
    await sleep(400);
    assert.equal(d.destroyed, false, 'still open after the handshake timeout');
    assert.equal(await dClosed, true, 'idle timeout');
    await waitFor('connections drained', () => server.stats().connections === 0, 1000, 20);
    assert.equal(server.stats().connections, 0);
  } finally {
    await server.close();
  }
});

test('dropPlayers: each player is asked again with its query; those refused are disconnected, the others play on', async () => {
  const hooks = keyHooks({ 'secret-key': 'alice' });
  const { server, port } = await startServer(hooks);
  const pub = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/secret-key`, 30), 40_000);
  const player = (t: string) =>
    run(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', `rtmp://127.0.0.1:${port}/live/alice?t=${t}`, '-t', '25', '-f', 'null', '-'],
      30_000,
    );
  let keep: ReturnType<typeof run> | undefined;
  let gone: ReturnType<typeof run> | undefined;
  try {
    await waitFor('alice live', () => server.liveChannels().includes('alice'), 10_000, 20);
    keep = player('keep');
    gone = player('gone');
    const playing = () => server.stats().streams.find((c) => c.channel === 'alice')?.players ?? [];
    await waitFor('both players receive media', () => playing().length === 2 && playing().every((p) => p.bytesOut > 10_000), 15_000, 20);
    assert.ok(!JSON.stringify(server.stats()).includes('t=gone'), 'stats never carry the query');

    const asked: string[] = [];
    const t0 = Date.now();
    const dropped = await server.dropPlayers('alice', (query) => {
      asked.push(query);
      return query === 't=gone';
    });
    assert.equal(dropped, 1);
    assert.deepEqual(asked.sort(), ['t=gone', 't=keep']);
    const r = await gone;
    assert.ok(Date.now() - t0 < 5000, 'the refused player was disconnected at once');
    assert.notEqual(r.signal, 'SIGKILL');
    await waitFor('one player left', () => playing().length === 1, 3000, 20);
    await sleep(1000);
    assert.equal(keep.proc.exitCode, null, 'the other player plays on');

    assert.equal(await server.dropPlayers('alice', () => Promise.reject(new Error('database down'))), 1, 'a check that fails drops its player');
    await keep;
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(await server.dropPlayers('nobody', () => true), 0);
  } finally {
    for (const p of [pub, keep, gone]) p?.proc.kill('SIGKILL');
    await server.close();
  }
});
