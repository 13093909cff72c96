// The RTMP publishing client against Onair's own RTMP server on a real socket: URLs it takes and refuses, a publish
// whose frames arrive untouched, a refusal in the server's words (the key never quoted back), and deadlines against
// a server that never answers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readFlvFile } from '../media/flv-file.js';
import type { MediaFrame } from '../media/frame.js';
import { makeTestFlvs } from '../test-support/media.js';
import { waitFor } from '../test-support/process.js';
import { keyHooks, startServer } from '../test-support/rtmp.js';
import { parseRtmpUrl, RtmpPublisher, RtmpPublishError } from './client.js';
import type { RtmpServer } from './server.js';

let work: string;
let frames: MediaFrame[];
let server: RtmpServer;
let port: number;
const hooks = keyHooks({ 'good-key-123': 'alice' });

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'onair-rtmp-client-'));
  frames = await readFlvFile((await makeTestFlvs(work)).b);
  ({ server, port } = await startServer(hooks));
});
after(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

test('parseRtmpUrl: rtmp and rtmps with their default ports and the app path; anything else refused in words', () => {
  assert.deepEqual(parseRtmpUrl('rtmp://live.twitch.tv/app'), {
    secure: false,
    host: 'live.twitch.tv',
    port: 1935,
    app: 'app',
    tcUrl: 'rtmp://live.twitch.tv/app',
  });
  assert.deepEqual(parseRtmpUrl('rtmps://a.rtmps.youtube.com:443/live2/'), {
    secure: true,
    host: 'a.rtmps.youtube.com',
    port: 443,
    app: 'live2',
    tcUrl: 'rtmps://a.rtmps.youtube.com:443/live2',
  });
  assert.equal(parseRtmpUrl('rtmp://[::1]:1940/live').host, '::1');
  assert.throws(() => parseRtmpUrl('http://x/live'), /must start with rtmp/);
  assert.throws(() => parseRtmpUrl('rtmp://x'), /application path/);
  assert.throws(() => parseRtmpUrl('rtmp://u:p@x/live'), /no user or password/);
  assert.throws(() => parseRtmpUrl('not a url'), /not a URL/);
});

test('publishes: the server hears Publish.Start and gets the frames byte for byte', async () => {
  const c = await RtmpPublisher.connect({ url: `rtmp://127.0.0.1:${port}/live`, key: 'good-key-123' });
  const first = frames[0].dts;
  for (const f of frames) c.send(f, f.dts - first);
  const sink = () => hooks.sinks.get('alice')?.[0];
  const media = frames.filter((f) => f.track !== 'data');
  await waitFor('all frames', () => (sink()?.messages.filter((m) => m.track !== 'data').length ?? 0) >= media.length, 10_000, 50);
  const got = sink()!.messages.filter((m) => m.track !== 'data');
  assert.equal(got.length, media.length);
  for (let i = 0; i < media.length; i++) {
    assert.ok(got[i].tag.equals(media[i].tag), `frame ${i} unchanged`);
    assert.equal(got[i].dts, media[i].dts - first);
  }
  assert.ok(
    sink()!.messages.some((m) => m.kind === 'meta'),
    'metadata arrives as metadata (@setDataFrame)',
  );
  c.close();
  await waitFor('the server hears the end', () => sink()!.ends.length > 0, 5000, 50);
});

test('coalesced (a restream push): frames wait up to coalesceMs and leave together, in order, byte for byte', async () => {
  const before = hooks.sinks.get('alice')?.length ?? 0;
  const c = await RtmpPublisher.connect({ url: `rtmp://127.0.0.1:${port}/live`, key: 'good-key-123' }, { coalesceMs: 200 });
  const first = frames[0].dts;
  const media = frames.filter((f) => f.track !== 'data');
  const sink = () => hooks.sinks.get('alice')![before];
  for (const f of media) c.send(f, f.dts - first);
  assert.ok(c.backlog > 0, 'what waits counts as backlog');
  assert.equal(c.bytesSent < 4096, true, 'nothing written yet (only the handshake and commands)');
  await waitFor('all frames', () => (sink()?.messages.filter((m) => m.track !== 'data').length ?? 0) >= media.length, 10_000, 20);
  const got = sink()!.messages.filter((m) => m.track !== 'data');
  for (let i = 0; i < media.length; i++) assert.ok(got[i].tag.equals(media[i].tag), `frame ${i} unchanged, in order`);
  c.close();
  await waitFor('the server hears the end', () => sink()!.ends.length > 0, 5000, 50);
});

test("a wrong key: refused with the server's own words, the key not quoted", async () => {
  const err = await RtmpPublisher.connect({ url: `rtmp://127.0.0.1:${port}/live`, key: 'bad-key-456' }).then(
    () => assert.fail('published'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RtmpPublishError);
  assert.equal(err.refused, true);
  assert.equal(err.message, 'Stream key not recognised.');

  // A server that quotes the key back: the key goes no further.
  const quoting = await startServer({
    authorizePublish: async (req) => ({ ok: false, code: 'bad_name', reason: `Key ${req.streamKey} is not valid here.` }),
  });
  try {
    const e = (await RtmpPublisher.connect({ url: `rtmp://127.0.0.1:${quoting.port}/live`, key: 'quoted-secret-789' }).catch(
      (x: unknown) => x,
    )) as RtmpPublishError;
    assert.equal(e.message, 'Key [key] is not valid here.');
  } finally {
    await quoting.server.close();
  }
});

test('a server that accepts and never answers: a deadline, not a hang; nothing listening: refused in words', async () => {
  const held: net.Socket[] = [];
  const silent = net.createServer((s) => held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const t0 = Date.now();
    const err = (await RtmpPublisher.connect(
      { url: `rtmp://127.0.0.1:${(silent.address() as net.AddressInfo).port}/live`, key: 'k' },
      { timeoutMs: 800 },
    ).catch((e: unknown) => e)) as RtmpPublishError;
    assert.equal(err.refused, false);
    assert.match(err.message, /no answer from the server while shaking hands/);
    assert.ok(Date.now() - t0 < 3000);
  } finally {
    for (const s of held) s.destroy();
    silent.close();
  }
  const closedPort = await new Promise<number>((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });
  const refused = (await RtmpPublisher.connect({ url: `rtmp://127.0.0.1:${closedPort}/live`, key: 'k' }).catch(
    (e: unknown) => e,
  )) as RtmpPublishError;
  assert.match(refused.message, /connection refused/);
});
