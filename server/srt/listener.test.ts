// The listener's clock (ACKs, NAKs, drops every 10 ms) runs only while a connection exists: an idle server with
// SRT on must not wake a hundred times a second. A real ffmpeg (libsrt) connects; the decision is held open so the
// connection is there, then refused; once the refusal is forgotten the clock stops again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../log.js';
import { RelayHub } from '../rtmp/relay.js';
import type { PublishDecision } from '../rtmp/types.js';
import { publish } from '../test-support/server.js';
import { waitFor } from '../test-support/process.js';
import { SrtListener } from './listener.js';

// Intervals started and not yet cleared (the listener's clock is unref'd, so Node's active-resource list omits it).
const running = new Set<unknown>();
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;

test('the SRT clock ticks only while someone is connected', { timeout: 30_000 }, async () => {
  let decide: (d: PublishDecision) => void = () => {};
  let asked = 0;
  const listener = new SrtListener({
    host: '127.0.0.1',
    port: 0,
    relay: new RelayHub(1 << 20),
    logger: createLogger({ level: 'silent' }),
    limits: { rejectionMemoryMs: 200 },
    authorizePublish: () => {
      asked++;
      return new Promise((resolve) => (decide = resolve));
    },
  });
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const t = realSetInterval(...args);
    running.add(t);
    return t;
  }) as typeof setInterval;
  globalThis.clearInterval = ((t: Parameters<typeof clearInterval>[0]) => {
    running.delete(t);
    realClearInterval(t);
  }) as typeof clearInterval;
  const idle = running.size;
  const { port } = await listener.listen();
  const pub = publish(`srt://127.0.0.1:${port}?streamid=somekey&latency=120000`, { seconds: 5, format: 'mpegts' });
  try {
    assert.equal(running.size, idle, 'listening alone runs no timer');
    await waitFor('the publisher is being decided on', () => asked > 0, 15_000, 20);
    assert.equal(listener.stats().connections, 1);
    assert.equal(running.size, idle + 1, 'a connection starts the clock');
    decide({ ok: false, code: 'bad_name', reason: 'test' });
    await waitFor('the refusal is forgotten', () => listener.stats().connections === 0, 10_000, 20);
    assert.equal(running.size, idle, 'the clock stops with the last connection');
  } finally {
    pub.proc.kill('SIGKILL');
    await listener.close();
    globalThis.setInterval = realSetInterval;
    globalThis.clearInterval = realClearInterval;
  }
});
