// The operator CLI as a child process next to a running server, on a SQLite file and on PostgreSQL: it names the
// data folder and database it opened (never a password), refuses a folder with no database, makes admins and
// deletes accounts, and running servers act on what it takes back.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChatRepo } from './db/chat.js';
import { ReplaysRepo } from './db/replays.js';
import { connectChat } from './test-support/chat-client.js';
import { waitFor } from './test-support/process.js';
import { api, newStreamer, publish, runCli, startTestServer, type TestServer } from './test-support/server.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`operator CLI (${kind})`, { timeout: 180_000 }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({}, { db: kind });
    });
    after(async () => s?.stop());

    const cli = (...args: string[]) => runCli(args, s.sameDatabaseEnv);
    /** /api/stats from "another host": an untrusted X-Forwarded-For takes the loopback pass away. */
    const statsAs = async (token?: string) =>
      (
        await fetch(`${s.base}/api/stats`, {
          headers: { 'x-forwarded-for': '203.0.113.7', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        })
      ).status;

    test('names the data folder and the database it opened on stderr, with no password', async () => {
      let env = s.sameDatabaseEnv;
      let password = '';
      if (kind === 'postgres') {
        // The test database trusts local connections, so a password in the URL is carried but not checked.
        const u = new URL(env.DATABASE_URL);
        u.password ||= 'cli-test-db-password';
        password = decodeURIComponent(u.password);
        env = { ...env, DATABASE_URL: u.toString() };
      }
      const r = await runCli(['user', 'list'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stderr.includes(`data folder ${s.dataDir}`), r.stderr);
      if (kind === 'sqlite') assert.ok(r.stderr.includes(`database SQLite ${path.join(s.dataDir, 'onair.db')}`), r.stderr);
      else {
        assert.match(r.stderr, /database PostgreSQL postgres(ql)?:\/\/[^ ]*:\*\*\*@127\.0\.0\.1/);
        assert.ok(!r.stderr.includes(password) && !r.stdout.includes(password), 'the password is never printed');
      }
      assert.ok(!r.stdout.includes('data folder'), 'stdout stays the answer alone (scripts parse it)');
    });

    test('user admin on|off opens and closes the stat routes to that account, at once', async () => {
      const ada = await newStreamer(s.base, 'ada');
      assert.equal(await statsAs(ada.token), 403);
      assert.equal((await api(s.base, 'GET', '/api/me', undefined, ada.token)).body.user.admin, false);

      const on = await cli('user', 'admin', 'ada', 'on', '--json');
      assert.equal(on.code, 0, on.stderr);
      assert.deepEqual(JSON.parse(on.stdout), { username: 'ada', admin: true });
      assert.equal(await statsAs(ada.token), 200);
      assert.equal(await statsAs(), 403, 'still closed to others');
      assert.equal((await api(s.base, 'GET', '/api/me', undefined, ada.token)).body.user.admin, true);
      const list = await cli('user', 'list', '--json');
      assert.deepEqual(
        JSON.parse(list.stdout).map((u: any) => [u.username, u.admin]),
        [['ada', true]],
      );
      assert.match((await cli('user', 'list')).stdout, /^ada\tada\t\S+\tadmin$/m);

      assert.equal((await cli('user', 'admin', 'ada', 'off')).code, 0);
      assert.equal(await statsAs(ada.token), 403, 'taken back on the next request');
      const bad = await cli('user', 'admin', 'ada', 'maybe');
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /on or off/);
      assert.equal((await cli('user', 'admin', 'nobody-here', 'on')).code, 1);
    });

    test('user delete asks for --yes, then deletes the account and everything of it; servers drop the user', async () => {
      const dora = await newStreamer(s.base, 'dora');
      const bob = await newStreamer(s.base, 'bobby');
      const doraId = (await api(s.base, 'GET', '/api/me', undefined, dora.token)).body.user.id as number;
      const bobChannelId = (await s.access.channel('bobby'))!.id;
      const doraChannelId = (await s.access.channel('dora'))!.id;
      await api(s.base, 'POST', '/api/channels/bobby/follow', undefined, dora.token);
      const chat = new ChatRepo(s.db);
      await chat.insertMessage({ channelId: bobChannelId, userId: doraId, authorName: 'dora', text: 'hi from dora' });
      await chat.insertMessage({ channelId: bobChannelId, userId: null, guestId: 'g-1', authorName: 'Sam', text: 'hi from a guest' });
      // A replay of dora's, with its folder.
      const replayId = `dora-replay-${kind}`;
      await new ReplaysRepo(s.db).insert({
        id: replayId,
        channelId: doraChannelId,
        title: 'old stream',
        startedAt: Date.now() - 60_000,
        endedAt: Date.now() - 30_000,
        durationSeconds: 30,
        bytes: 1000,
        hasDiscontinuity: false,
      });
      const replayDir = path.join(s.dataDir, 'media', replayId);
      mkdirSync(replayDir, { recursive: true });
      writeFileSync(path.join(replayDir, 'video.m3u8'), '#EXTM3U\n');
      // dora's chat connection in bob's room.
      const socket = await connectChat(s.base, { token: dora.token });
      const joined = await new Promise<any>((resolve) => socket.emit('join', { channel: 'bobby' }, resolve));
      assert.equal(joined.ok, true);
      // Noted whenever it happens: the CLI runs below take seconds each (a tsx start), more on a loaded machine.
      let disconnected = false;
      socket.on('disconnect', () => (disconnected = true));

      const unconfirmed = await cli('user', 'delete', 'dora');
      assert.equal(unconfirmed.code, 2);
      assert.equal(disconnected, false, 'still connected');
      assert.match(unconfirmed.stderr, /for good[\s\S]*--yes/);
      assert.equal((await api(s.base, 'GET', '/api/me', undefined, dora.token)).status, 200, 'nothing deleted without --yes');

      const r = await cli('user', 'delete', 'dora', '--yes', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { username: 'dora', channel: 'dora', replays: 1, chatMessages: 1, signedOut: 1 });
      await waitFor('the chat connection closed', () => disconnected, 10_000);
      socket.close();
      assert.equal((await api(s.base, 'GET', '/api/me', undefined, dora.token)).status, 401);
      assert.equal((await api(s.base, 'GET', '/api/channels/dora')).status, 404);
      assert.equal(existsSync(replayDir), false, "the replay's files are gone");
      assert.deepEqual(
        (await chat.history(bobChannelId, 100)).map((m) => m.text),
        ['hi from a guest'],
        "dora's messages are gone, not left without a name",
      );
      assert.equal((await api(s.base, 'GET', '/api/channels/bobby', undefined, bob.token)).body.followers, 0);
      assert.equal((await cli('user', 'delete', 'dora', '--yes')).code, 1, 'no such user any more');
      assert.equal(
        (await api(s.base, 'POST', '/api/auth/register', { username: 'dora', password: 'a new password' })).status,
        201,
        'the name is free',
      );
    });

    if (kind === 'sqlite') {
      test("deleting an account that is live drops its publisher and keeps none of the stream's files", async () => {
        const { channel } = await newStreamer(s.base, 'livia');
        const pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 60 });
        try {
          const streamId = await waitFor('livia live', async () => s.streams.get('livia')?.streamId ?? null, 20_000);
          const r = await cli('user', 'delete', 'livia', '--yes');
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, /Deleted livia: the account, channel livia, 0 replays/);
          await waitFor('publisher dropped', async () => (s.streams.isPublishing('livia') ? null : true), 15_000);
          await s.replayRecorded(streamId);
          assert.equal(existsSync(path.join(s.dataDir, 'media', streamId)), false);
        } finally {
          pub.proc.kill('SIGKILL');
          await pub.exit;
        }
      });

      test('a folder with no database is refused, not filled; user add makes one and says so', async () => {
        const empty = mkdtempSync(path.join(tmpdir(), 'onair-cli-empty-'));
        try {
          const list = await runCli(['user', 'list'], { ONAIR_DATA_DIR: empty });
          assert.equal(list.code, 1);
          assert.match(list.stderr, new RegExp(`there is no database in ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
          assert.match(list.stderr, /ONAIR_DATA_DIR/);
          assert.equal(existsSync(path.join(empty, 'onair.db')), false);
          const add = await runCli(['user', 'add', 'first', '--password', 'first-password'], { ONAIR_DATA_DIR: empty });
          assert.equal(add.code, 0, add.stderr);
          assert.match(add.stderr, /no database was there yet: a new one is made/);
          assert.ok(existsSync(path.join(empty, 'onair.db')));
        } finally {
          rmSync(empty, { recursive: true, force: true });
        }
      });
    }
  });
}
