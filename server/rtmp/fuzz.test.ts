// Fuzz the real server over TCP while a real ffmpeg publisher is live on another connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { ffmpegPath, run, waitFor } from '../test-support/process.js';
import { clientHandshake, command, keyHooks, media, publishArgs, startServer } from '../test-support/rtmp.js';
import { writeChunks } from './chunk-writer.js';

function connectCmd(): Buffer {
  return command(0, 'connect', 1, { app: 'live', tcUrl: 'rtmp://127.0.0.1/live' });
}

function fuzzInput(i: number): Buffer {
  const r = (n: number) => Math.floor(Math.random() * n);
  const valid = Buffer.concat([
    clientHandshake(),
    connectCmd(),
    command(0, 'createStream', 2, null),
    command(1, 'publish', 3, null, 'k' + r(3), 'live'),
    media(9, 0, Buffer.from('1700000000', 'hex')),
    media(9, 40, randomBytes(2000)),
  ]);
  switch (i % 7) {
    case 0:
      return randomBytes(1 + r(5000));
    case 1:
      return Buffer.concat([Buffer.from([3]), randomBytes(r(3200))]); // version byte then noise
    case 2:
      return valid.subarray(0, r(valid.length)); // truncated valid session
    case 3:
      return Buffer.concat([clientHandshake(), randomBytes(1 + r(4000))]); // handshake then random chunks
    case 4: {
      // a header announcing a huge message, then some of it
      const h = Buffer.from([0x06, 0, 0, 0, 0, 0, 0, 0x09, 1, 0, 0, 0]);
      h.writeUIntBE(0x800000 + r(0x7fffff), 4, 3);
      return Buffer.concat([clientHandshake(), connectCmd(), h, randomBytes(r(3000))]);
    }
    case 5: {
      // random Set Chunk Size (including 0, huge, top bit) then chunks
      const cs = writeChunks({ csid: 2, typeId: 1, streamId: 0, timestamp: 0, payload: randomBytes(4) }, 128);
      return Buffer.concat([clientHandshake(), connectCmd(), cs, randomBytes(r(3000))]);
    }
    default: {
      // valid session with bytes flipped after the handshake
      const b = Buffer.from(valid);
      for (let k = 0; k < 1 + r(10); k++) b[3073 + r(b.length - 3073)] = r(256);
      return b;
    }
  }
}

function fuzzOne(port: number, input: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve();
    };
    const t = setTimeout(done, 150);
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => {});
    s.on('connect', () => {
      // split the input into a few writes
      let pos = 0;
      for (let n = 0; pos < input.length && n < 8; n++) {
        const len = n === 7 ? input.length - pos : 1 + Math.floor(Math.random() * 1500);
        s.write(input.subarray(pos, pos + len));
        pos += len;
      }
      if (Math.random() < 0.5) s.end();
    });
  });
}

test('fuzzing the TCP server does not disturb a live ffmpeg publisher', async (t) => {
  const hooks = keyHooks({ 'secret-key': 'alice', k0: 'f0', k1: 'f1', k2: 'f2' });
  const { server, port } = await startServer(hooks, { handshakeTimeoutMs: 1000, maxConnections: 500 });
  try {
    const pub = run(ffmpegPath, publishArgs(`rtmp://127.0.0.1:${port}/live/secret-key`, 9), 25_000);
    await waitFor('publisher live', () => (hooks.sinks.get('alice')?.[0]?.count() ?? 0) > 30, 10_000, 20);
    const sink = hooks.sinks.get('alice')![0];
    const before = sink.count();

    const started = Date.now();
    const budgetMs = 6000;
    let iterations = 0;
    const concurrency = 30;
    let next = 0;
    const worker = async () => {
      while (next < 3000 && Date.now() - started < budgetMs) {
        const i = next++;
        await fuzzOne(port, fuzzInput(i));
        iterations++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const during = sink.count();
    t.diagnostic(`fuzz connections: ${iterations} in ${Date.now() - started} ms; publisher messages ${before} -> ${during}`);
    assert.ok(iterations >= 300, `fuzz iterations: ${iterations}`);
    assert.ok(during > before + 30, `publisher kept flowing during fuzz (${before} -> ${during})`);
    assert.ok(server.liveChannels().includes('alice'));

    const r = await pub;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(sink.count() > during, 'and after');
    assert.deepEqual(sink.ends.length, 1);
    await waitFor('connections drained', () => server.stats().connections === 0, 3000, 20);
    // Still serving: a fresh connection completes a handshake.
    const s = net.connect(port, '127.0.0.1');
    const got = await new Promise<number>((resolve) => {
      let n = 0;
      s.on('data', (d) => {
        n += d.length;
        if (n >= 3073) resolve(n);
      });
      s.on('error', () => resolve(-1));
      s.on('connect', () => s.write(clientHandshake().subarray(0, 1537)));
      setTimeout(() => resolve(n), 2000);
    });
    s.destroy();
    assert.equal(got, 3073);
    // Every fuzz sink that was opened has been ended.
    for (const [ch, sinks] of hooks.sinks) for (const k of sinks) assert.equal(k.ends.length, 1, ch);
  } finally {
    await server.close();
  }
});
