// PostgreSQL going away under a running Onair, and not there at start. Through a TCP relay in front of the real
// PostgreSQL that cuts every connection: what needs the database answers 503 with Retry-After and says why, the live
// stream and its media go on, and once PostgreSQL is back the same server answers again without a restart. At start
// an unreachable PostgreSQL ends the real server process (`server/main.ts`) with exit code 1 and one line that says
// where it looked, never the password.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { TEST_PG_URL } from './test-support/db.js';
import { waitFor } from './test-support/process.js';
import { api, newStreamer, publish, startServerProcess, startTestServer, type Publisher, type TestServer } from './test-support/server.js';
import { stallingRelay } from './test-support/stalling-relay.js';

describe('PostgreSQL unreachable', { timeout: 120_000 }, () => {
  let server: TestServer | undefined;
  let relay: Awaited<ReturnType<typeof stallingRelay>> | undefined;
  let publisher: Publisher | undefined;
  after(async () => {
    publisher?.proc.kill('SIGKILL');
    relay?.mend();
    await server?.stop();
    relay?.close();
  });

  test('while running: 503 where the database is needed, the live stream goes on, and it comes back by itself', async () => {
    const pg = new URL(TEST_PG_URL);
    relay = await stallingRelay(Number(pg.port || 5432));
    const viaRelay = new URL(TEST_PG_URL);
    viaRelay.port = String(relay.port);
    server = await startTestServer({ DATABASE_URL: viaRelay.toString() }, { db: 'postgres' });
    const s = server;
    const { token, channel } = await newStreamer(s.base, 'dbout');
    publisher = publish(`${s.rtmpBase}/${channel.streamKey}`);
    await waitFor('live', () => s.streams.get('dbout')?.state === 'live' && s.streams.get('dbout')!.segments >= 2, 30_000, 100);

    relay.cut();
    const refused = await waitFor(
      'a 503 from an API route',
      async () => {
        const r = await api(s.base, 'GET', '/api/me/channel', undefined, token);
        return r.status === 503 ? r : r.status === 200 ? false : assert.fail(`status ${r.status}: ${JSON.stringify(r.body)}`);
      },
      15_000,
      250,
    );
    assert.equal(refused.body.error.code, 'unavailable');
    assert.match(refused.body.error.message, /database is unreachable/);
    assert.equal(refused.headers.get('retry-after'), '5');

    // The stream and its media do not need the database.
    const stream = s.streams.get('dbout')!;
    const segments = stream.segments;
    await waitFor('segments go on', () => stream.segments >= segments + 3, 10_000, 100);
    assert.equal(s.streams.get('dbout'), stream, 'the same stream');
    const playlist = await fetch(`${s.base}/hls/dbout/index.m3u8`);
    assert.equal(playlist.status, 200, 'its playlist is served');
    assert.equal((await api(s.base, 'GET', '/api/me/channel', undefined, token)).status, 503, 'still 503 while it is gone');

    relay.mend();
    await waitFor('the API answers again', async () => (await api(s.base, 'GET', '/api/me/channel', undefined, token)).status === 200, 20_000, 250);
    assert.equal(s.streams.get('dbout'), stream, 'the stream lived through it');
  });

  test('at start: exit code 1 and one line that says where it looked, without the password', async () => {
    const err = await startServerProcess({ DATABASE_URL: 'postgres://onair:not-this-password@127.0.0.1:1/onair' }).then(
      () => assert.fail('the server started without its database'),
      (e: Error) => e,
    );
    assert.match(err.message, /exited with 1/);
    assert.match(err.message, /onair: could not start: PostgreSQL at 127\.0\.0\.1:1\/onair is unreachable .*; start it, or correct DATABASE_URL\./);
    assert.doesNotMatch(err.message, /not-this-password/);
  });
});
