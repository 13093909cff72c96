// The edge's defences against holding connection slots, over real sockets on loopback: the per-address cap,
// the connect and publish/play deadlines, and an idle check that only media satisfies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../log.js';
import { RtmpServer } from './server.js';
import { USER_CONTROL } from './chunk.js';
import { controlMessages, writeChunks } from './chunk-writer.js';
import type { RtmpLimits } from './limits.js';
import { ffmpegPath, run, sleep, waitFor } from '../test-support/process.js';
import { keyHooks, publishArgs, RawRtmpClient, startServer } from '../test-support/rtmp.js';
import type { RtmpHooks } from './types.js';

/** Protocol control messages only: what a slot-holder sends to look alive. */
function controlChatter(): Buffer {
  return Buffer.concat([
    writeChunks(controlMessages.windowAckSize(2_500_000), 128),
    writeChunks(controlMessages.ack(12345), 128),
    writeChunks(controlMessages.userControl(USER_CONTROL.pingResponse, 1), 128),
    writeChunks(controlMessages.userControl(USER_CONTROL.setBufferLength, 1, 100), 128),
    writeChunks(controlMessages.setChunkSize(128), 128),
  ]);
}

/** Sends control chatter every 100 ms until the socket closes; resolves with how long it stayed open. */
async function chatterUntilClosed(c: RawRtmpClient, maxMs: number): Promise<number> {
  const t0 = Date.now();
  const timer = setInterval(() => c.send(controlChatter()), 100);
  await Promise.race([c.closed, sleep(maxMs)]);
  clearInterval(timer);
  return Date.now() - t0;
}

async function startLogged(hooks: RtmpHooks, limits: Partial<RtmpLimits>): Promise<{ server: RtmpServer; port: number; logs: () => string }> {
  let captured = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      captured += chunk.toString();
      cb();
    },
  });
  const server = new RtmpServer({ host: '127.0.0.1', port: 0, hooks, logger: createLogger({ level: 'info' }, sink), limits });
  const { port } = await server.listen();
  return { server, port, logs: () => captured };
}

test('per-address cap: the address at its maximum is refused at once (one warning), another address still gets in', async () => {
  const { server, port, logs } = await startLogged(keyHooks({}), { maxConnectionsPerAddress: 3, refusalLogIntervalMs: 60_000 });
  const clients: RawRtmpClient[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = await RawRtmpClient.open(port, { localAddress: '127.0.0.2' });
      clients.push(c);
      assert.equal(await c.handshake(), true, `connection ${i + 1} of 3 from 127.0.0.2`);
    }
    for (let i = 0; i < 4; i++) {
      const extra = await RawRtmpClient.open(port, { localAddress: '127.0.0.2' });
      clients.push(extra);
      assert.equal(await extra.handshake(2000), false, 'one more from 127.0.0.2 is refused');
    }
    assert.equal(server.stats().nrefused, 4);
    const other = await RawRtmpClient.open(port, { localAddress: '127.0.0.1' });
    clients.push(other);
    assert.equal(await other.handshake(), true, '127.0.0.1 is not held back by 127.0.0.2');
    const warnings = logs()
      .split('\n')
      .filter((l) => l.includes('too many connections from this address'));
    assert.equal(warnings.length, 1, 'refusals from one address are logged once per interval');
    assert.match(warnings[0], /"remoteAddress":"127\.0\.0\.2"/);

    // A slot freed is a slot again.
    clients[0].close();
    await waitFor('three connections', () => server.stats().connections === 3, 2000, 20);
    const again = await RawRtmpClient.open(port, { localAddress: '127.0.0.2' });
    clients.push(again);
    assert.equal(await again.handshake(), true);
  } finally {
    for (const c of clients) c.close();
    await server.close();
  }
});

test('deadlines: handshake then only control messages is closed at the connect deadline; connect without publish or play at the next one', async () => {
  const { server, port } = await startServer(keyHooks({}), { connectTimeoutMs: 400, streamStartTimeoutMs: 900, idleTimeoutMs: 60_000 });
  try {
    // Each time counts from before the step that arms the server's deadline: on a loaded machine the client may hear
    // the end of its handshake (or the connect's answer) well after the server armed it (240 ms of 400 seen in CI).
    const t1 = Date.now();
    const silent = await RawRtmpClient.open(port);
    assert.equal(await silent.handshake(), true);
    await chatterUntilClosed(silent, 5000);
    const open1 = Date.now() - t1;
    assert.ok(open1 >= 395 && open1 < 2000, `closed after ${open1} ms, at the connect deadline`);

    const connected = await RawRtmpClient.open(port);
    assert.equal(await connected.handshake(), true);
    const t2 = Date.now();
    connected.connect('live');
    await waitFor('connect answered', () => connected.received.some((m) => m.typeId === 20), 2000, 20);
    await chatterUntilClosed(connected, 5000);
    const open2 = Date.now() - t2;
    assert.ok(open2 >= 895 && open2 < 2500, `closed after ${open2} ms: past the connect deadline, at the publish/play deadline`);
    await waitFor('connections drained', () => server.stats().connections === 0, 2000, 20);
    assert.equal(server.stats().connections, 0);
  } finally {
    await server.close();
  }
});

test('idle check counts media only: ffmpeg publisher and player run through, a publisher sending only control messages is closed', async () => {
  const hooks = keyHooks({ 'secret-key': 'alice', 'quiet-key': 'quiet' });
  const { server, port } = await startServer(hooks, { idleTimeoutMs: 800 });
  const pub = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/secret-key`, 5), 20_000);
  try {
    await waitFor('alice publishing video', () => (hooks.sinks.get('alice')?.[0]?.count('video') ?? 0) > 5, 10_000, 20);
    const player = run(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', `rtmp://127.0.0.1:${port}/live/alice`, '-t', '2.5', '-f', 'null', '-'],
      15_000,
    );

    const quiet = await RawRtmpClient.open(port);
    assert.equal(await quiet.handshake(), true);
    quiet.connect('live');
    quiet.request('publish', 'quiet-key');
    assert.ok(await quiet.status(/NetStream\.Publish\.Start/), 'quiet publisher accepted');
    const open = await chatterUntilClosed(quiet, 5000);
    assert.ok(open < 3000, `closed after ${open} ms of control messages only`);
    assert.deepEqual(hooks.sinks.get('quiet')![0].ends, ['disconnect']);

    const pr = await player;
    assert.equal(pr.code, 0, `the player got media all along: ${pr.stderr}`);
    const r = await pub;
    assert.equal(r.code, 0, `the publisher was never idle: ${r.stderr}`);
  } finally {
    pub.proc.kill('SIGKILL');
    await server.close();
  }
});

test('reading stats() closes nothing: an idle connection stays open until the sampler finds it', async (t) => {
  // The clock is mocked and the sampler is run by hand, so "idle for longer than the limit" is reached without a
  // sample in between; sockets and the stage deadlines stay real.
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  let runSampler = () => {};
  const server = new RtmpServer({
    host: '127.0.0.1',
    port: 0,
    hooks: keyHooks({}),
    logger: silentLogger(),
    limits: { idleTimeoutMs: 1000, handshakeTimeoutMs: 60_000, connectTimeoutMs: 60_000 },
    every: (periodMs, job) => {
      assert.equal(periodMs, 1000, 'the sampler runs every second');
      runSampler = job;
      return () => {};
    },
  });
  const { port } = await server.listen();
  const c = await RawRtmpClient.open(port);
  try {
    assert.equal(await c.handshake(), true);
    t.mock.timers.setTime(Date.now() + 5000);
    assert.equal(server.stats().connections, 1);
    const closedEarly = await Promise.race([c.closed.then(() => true), sleep(300).then(() => false)]);
    assert.equal(closedEarly, false, 'reading stats left the idle connection open');
    runSampler();
    const closed = await Promise.race([c.closed.then(() => true), sleep(3000).then(() => false)]);
    assert.equal(closed, true, 'the 1 s sampler closed the idle connection');
  } finally {
    c.close();
    await server.close();
  }
});
