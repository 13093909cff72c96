// Renaming and deleting replays through the real server (startOnair) on SQLite and on PostgreSQL, with a replay a
// real ffmpeg publisher made: who may, the title rules, files and row gone, and what viewers then get.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DB_KINDS } from '../test-support/db.js';
import { waitFor } from '../test-support/process.js';
import { api, newStreamer, publish, startTestServer, type TestServer } from '../test-support/server.js';

for (const kind of DB_KINDS) {
  describe(`renaming and deleting replays (${kind.name})`, () => {
    let s: TestServer;
    let alice: Awaited<ReturnType<typeof newStreamer>>;
    let bob: Awaited<ReturnType<typeof newStreamer>>;
    let id = '';

    before(async () => {
      s = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_THUMBNAIL_SECONDS: '1' }, { db: kind.name });
      alice = await newStreamer(s.base, 'alice');
      bob = await newStreamer(s.base, 'bob');
      await api(s.base, 'PATCH', '/api/me/channel', { title: 'Speedrun night' }, alice.token);
      const pub = publish(`${s.rtmpBase}/${alice.channel.streamKey}`, { seconds: 3 });
      id = await waitFor('alice live', () => s.streams.get('alice')?.streamId, 20_000, 50);
      assert.equal(await pub.exit, 0, pub.stderr());
      await s.replayRecorded(id);
    });
    after(async () => {
      await s?.stop();
    });

    test('the replay has a page link to share, without any token', async () => {
      const r = await api(s.base, 'GET', `/api/replays/${id}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.title, 'Speedrun night');
      assert.equal(r.body.pageUrl, `${s.base}/replay/${id}`);
      const listed = await api(s.base, 'GET', '/api/channels/alice/replays');
      assert.equal(listed.body[0].pageUrl, `${s.base}/replay/${id}`);
    });

    test('PATCH: only the owner renames; bad titles get clear errors and change nothing', async () => {
      const patch = (body: unknown, token?: string, rid = id) => api(s.base, 'PATCH', `/api/replays/${rid}`, body, token);
      assert.equal((await patch({ title: 'x' })).status, 401);
      const byBob = await patch({ title: 'Mine now' }, bob.token);
      assert.equal(byBob.status, 403);
      assert.equal(byBob.body.error.code, 'forbidden');
      assert.match(byBob.body.error.message, /Only alice can rename or delete this replay/);
      assert.equal((await patch({ title: 'x' }, alice.token, 'nope-nope')).status, 404);
      assert.equal((await patch({ title: 'x' }, alice.token, 'bad%20id')).status, 404);

      const refused: [unknown, RegExp][] = [
        [{}, /Send the new title/],
        [[], /Send the new title/],
        [{ title: 5 }, /must be text/],
        [{ title: '' }, /needs a title that shows something: 1 to 140 characters/],
        [{ title: '  \u200b ' }, /needs a title/],
        [{ title: 'é'.repeat(141) }, /at most 140 characters/],
        [{ title: 'one\ntwo' }, /line breaks/],
        [{ title: '\u202etxt.exe' }, /bidirectional/],
      ];
      for (const [body, message] of refused) {
        const r = await patch(body, alice.token);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, 'bad_request');
        assert.match(r.body.error.message, message, JSON.stringify(body));
      }
      const noBody = await fetch(`${s.base}/api/replays/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${alice.token}` } });
      assert.equal(noBody.status, 400);
      assert.equal((await api(s.base, 'GET', `/api/replays/${id}`)).body.title, 'Speedrun night', 'nothing changed');

      const ok = await patch({ title: '  Any% in 41:07 🎉 ' }, alice.token);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.title, 'Any% in 41:07 🎉');
      assert.equal(ok.body.id, id);
      assert.equal((await api(s.base, 'GET', `/api/replays/${id}`)).body.title, 'Any% in 41:07 🎉');
      assert.equal((await api(s.base, 'GET', '/api/channels/alice/replays')).body[0].title, 'Any% in 41:07 🎉');
    });

    test('a private replay: the refusal names the channel and nothing else; others cannot rename it either', async () => {
      await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, alice.token);
      try {
        const r = await api(s.base, 'GET', `/api/replays/${id}`);
        assert.equal(r.status, 403);
        assert.equal(r.body.error.code, 'forbidden');
        assert.equal(r.body.error.channel, 'alice');
        assert.doesNotMatch(JSON.stringify(r.body), /Any%|Speedrun/, 'no title of a private replay');
        const list = await api(s.base, 'GET', '/api/channels/alice/replays');
        assert.equal(list.body.error.channel, 'alice');
        const byBob = await api(s.base, 'PATCH', `/api/replays/${id}`, { title: 'x' }, bob.token);
        assert.equal(byBob.status, 403);
        assert.equal(byBob.body.error.channel, 'alice', 'someone who may not watch learns what GET says, no more');
        assert.equal((await api(s.base, 'GET', `/api/replays/${id}`, undefined, alice.token)).status, 200, 'the owner still sees it');
      } finally {
        await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, alice.token);
      }
    });

    test('DELETE: only the owner; the files, the row and every way to play it are gone', async () => {
      const folder = path.join(s.dataDir, 'media', id);
      assert.ok(existsSync(folder));
      // Played once, so its segments sit in the server's memory cache.
      const video = await (await fetch(`${s.base}/vod/${id}/video.m3u8`)).text();
      const segment = video.split('\n').find((l) => l.endsWith('.m4s'))!;
      assert.equal((await fetch(`${s.base}/vod/${id}/${segment}`)).status, 200);

      assert.equal((await api(s.base, 'DELETE', `/api/replays/${id}`)).status, 401);
      const byBob = await api(s.base, 'DELETE', `/api/replays/${id}`, undefined, bob.token);
      assert.equal(byBob.status, 403);
      assert.ok(existsSync(folder), 'a refused delete removes nothing');

      const del = await fetch(`${s.base}/api/replays/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${alice.token}` } });
      assert.equal(del.status, 204);
      assert.equal(existsSync(folder), false, 'the files are gone');
      assert.equal(await s.db.kysely.selectFrom('replays').select('id').where('id', '=', id).executeTakeFirst(), undefined, 'the row is gone');

      const gone = await api(s.base, 'GET', `/api/replays/${id}`);
      assert.equal(gone.status, 404);
      assert.match(gone.body.error.message, /deleted/);
      assert.deepEqual((await api(s.base, 'GET', '/api/channels/alice/replays')).body, []);
      for (const file of ['index.m3u8', 'video.m3u8', 'index.mpd', segment, 'thumb.jpg']) {
        assert.equal((await fetch(`${s.base}/vod/${id}/${file}`)).status, 404, file);
      }
      assert.equal((await api(s.base, 'DELETE', `/api/replays/${id}`, undefined, alice.token)).status, 404);
      assert.equal((await api(s.base, 'PATCH', `/api/replays/${id}`, { title: 'Back?' }, alice.token)).status, 404);
      // Crash recovery finds no folder to bring back.
      assert.deepEqual(await s.recoverInterrupted(0), []);
      assert.equal((await api(s.base, 'GET', `/api/replays/${id}`)).status, 404);
      assert.match(s.logs(), /replay deleted by its owner/);
    });
  });
}
