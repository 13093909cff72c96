// The pipeline with real parts: real ffmpeg encoders, a real X server (Xvfb) painted a known colour, a real Onair
// server on ephemeral ports (127.0.0.1), HLS fetched and decoded. No Electron.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegPath as FFMPEG, ffprobe, ffprobePath as FFPROBE, run, waitFor } from '../../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../../server/test-support/server.js';
import { startXvfb } from '../../server/test-support/xvfb.js';
import { Broadcast } from './broadcast.js';
import { probeEncoders } from './encoders.js';
import type { BroadcastSettings, BroadcastState, RecordingStatus } from './types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function small(over: Partial<BroadcastSettings> & Pick<BroadcastSettings, 'server' | 'streamKey'>): BroadcastSettings {
  return {
    source: { kind: 'test' },
    video: { width: 320, height: 240, fps: 30, bitrateKbps: 600, keyframeSeconds: 1, encoder: 'libx264' },
    audio: { bitrateKbps: 64 },
    ...over,
  };
}

function track(b: Broadcast): { states: BroadcastState[]; logs: string[] } {
  const states: BroadcastState[] = [];
  const logs: string[] = [];
  b.on('state', (s) => states.push(s));
  b.on('log', (l) => logs.push(l));
  return { states, logs };
}

/** A TCP proxy in front of the server's RTMP port: cut() drops every connection (a network failure, not a kick). */
async function rtmpProxy(targetPort: number): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const sock of [client, upstream]) {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `rtmp://127.0.0.1:${port}/live`,
    cut: () => {
      for (const sock of sockets) sock.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const sock of sockets) sock.destroy();
        server.close(() => r());
      }),
  };
}

/** The channel's live video playlist (followed from its master) once it lists a segment, and its URL. */
async function livePlaylist(base: string, channel: string): Promise<{ text: string; url: string } | null> {
  const master = await fetch(`${base}/hls/${channel}/index.m3u8`);
  const variant = (await master.text()).split('\n').find((l) => l.endsWith('.m3u8'));
  if (master.status !== 200 || !variant) return null;
  const url = new URL(variant, base).toString();
  const r = await fetch(url);
  const text = await r.text();
  return r.status === 200 && /\.m4s/.test(text) ? { text, url } : null;
}

describe('encoder probe (real ffmpeg)', () => {
  test('offers libx264 here, and leaves out an encoder that does not exist', async () => {
    const results = await probeEncoders({
      ffmpegPath: FFMPEG,
      candidates: ['libx264', 'h264_nvenc', 'h264_vaapi', 'h264_not_a_real_encoder'],
      timeoutMs: 10_000,
    });
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    assert.equal(byName.libx264.ok, true, byName.libx264.error);
    assert.equal(byName.h264_not_a_real_encoder.ok, false);
    assert.match(byName.h264_not_a_real_encoder.error ?? '', /Unknown encoder|not found|Unrecognized/i);
    // No NVIDIA GPU or VA-API device on the test machine: a listed encoder that cannot run is not offered.
    if (!existsSync('/dev/nvidia0')) assert.equal(byName.h264_nvenc.ok, false);
    if (!existsSync('/dev/dri/renderD128')) assert.equal(byName.h264_vaapi.ok, false);
  });
});

describe('broadcast into a real Onair server', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ ONAIR_GRACE_SECONDS: '10' });
  });
  after(async () => {
    await s.stop();
  });

  test('X display capture: a red screen arrives red in the HLS segment', async (t) => {
    const x = await startXvfb('640x480');
    t.after(() => x.stop());
    const display = x.display;
    x.paint('#ff0000');

    const { channel } = await newStreamer(s.base, 'xcap');
    const b = new Broadcast(small({ server: s.rtmpBase, streamKey: channel.streamKey, source: { kind: 'screen' } }), {
      ffmpegPath: FFMPEG,
      env: { platform: 'linux', display },
    });
    const { states, logs } = track(b);
    b.start();
    t.after(() => b.stop());
    const { text: m3u8, url } = await waitFor('HLS from the X screen', () => livePlaylist(s.base, 'xcap'), 20_000, 200);
    const initUri = /#EXT-X-MAP:URI="([^"]+)"/.exec(m3u8)![1];
    const segUri = m3u8
      .split('\n')
      .filter((l) => l.endsWith('.m4s'))
      .pop()!;
    const init = Buffer.from(await (await fetch(new URL(initUri, url))).arrayBuffer());
    const seg = Buffer.from(await (await fetch(new URL(segUri, url))).arrayBuffer());
    const dir = mkdtempSync(path.join(tmpdir(), 'onair-xcap-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'seg.mp4');
    writeFileSync(file, Buffer.concat([init, seg]));
    const out = await new Promise<Buffer>((resolve, reject) => {
      const p = spawn(FFMPEG, ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
      const chunks: Buffer[] = [];
      p.stdout.on('data', (c) => chunks.push(c));
      p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`decode exit ${code}`))));
    });
    assert.equal(out.length, 320 * 240 * 3);
    // The desktop is 4:3 like the output: no letterbox. Count pixels near pure red (the cursor covers a few).
    let red = 0;
    let sum = [0, 0, 0];
    for (let i = 0; i < out.length; i += 3) {
      const [r, g, bl] = [out[i], out[i + 1], out[i + 2]];
      sum = [sum[0] + r, sum[1] + g, sum[2] + bl];
      if (r > 200 && g < 50 && bl < 50) red++;
    }
    const px = out.length / 3;
    assert.ok(red / px > 0.97, `red pixels ${((red / px) * 100).toFixed(1)} %, mean rgb ${sum.map((v) => Math.round(v / px)).join(',')}`);
    assert.equal(states.filter((x) => x.kind === 'live').length, 1);
    await b.stop();
    assert.equal(b.state.kind, 'ended');
    assert.ok(!logs.some((l) => l.includes(channel.streamKey)));
  });

  test('reconnect: the connection drops mid-stream; back live into the same playlist; the recording goes on in a new part', async (t) => {
    const { channel } = await newStreamer(s.base, 'recon');
    const proxy = await rtmpProxy(s.rtmpPort);
    t.after(() => proxy.close());
    // Recorded to a name an earlier stream has: its parts go beside it, as fragmented MP4 (an .mp4 name).
    const dir = mkdtempSync(path.join(tmpdir(), 'onair-record-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const recordPath = path.join(dir, 'show.mp4');
    writeFileSync(recordPath, 'an earlier stream');
    const b = new Broadcast(small({ server: proxy.url, streamKey: channel.streamKey, recordPath }), {
      ffmpegPath: FFMPEG,
      backoff: { initialMs: 300, maxMs: 2000, maxAttempts: 5 },
    });
    const recordings: RecordingStatus[] = [];
    b.on('recording', (r) => recordings.push(r));
    const { states, logs } = track(b);
    b.start();
    await waitFor('2 segments', () => (s.streams.get('recon')?.segments ?? 0) >= 2, 20_000);
    const streamId = s.streams.get('recon')!.streamId;
    const before = s.streams.get('recon')!.segments;
    proxy.cut();
    await waitFor('reconnecting', () => b.state.kind === 'reconnecting', 10_000, 20);
    await waitFor('live again', () => states.filter((x) => x.kind === 'live').length === 2, 15_000, 50);
    await waitFor('more segments after the cut', () => (s.streams.get('recon')?.segments ?? 0) >= before + 3, 15_000);
    assert.equal(s.streams.get('recon')!.streamId, streamId, 'same stream id within the grace period');
    const live = await livePlaylist(s.base, 'recon');
    assert.ok(live?.url.includes(`/vod/${streamId}/`), 'the live playlist continues the same stream');
    assert.deepEqual(
      states.map((x) => x.kind),
      ['connecting', 'live', 'reconnecting', 'connecting', 'live'],
    );
    const rec = states.find((x) => x.kind === 'reconnecting');
    assert.ok(rec && rec.kind === 'reconnecting' && !rec.reason.includes(channel.streamKey));
    await b.stop();
    assert.deepEqual(states.map((x) => x.kind).slice(-1), ['ended']);
    assert.equal(b.spawnCount, 2);
    assert.ok(!logs.some((l) => l.includes(channel.streamKey)), 'no key in any log line');
    const [part2, part3] = [path.join(dir, 'show-2.mp4'), path.join(dir, 'show-3.mp4')];
    assert.deepEqual(recordings, [
      { state: 'recording', path: part2 },
      { state: 'recording', path: part3 },
      { state: 'stopped', path: part3 },
    ]);
    assert.equal(readFileSync(recordPath, 'utf8'), 'an earlier stream');
    for (const part of [part2, part3]) {
      const probe = await ffprobe(part);
      assert.match(probe.format.format_name, /mp4/, part);
      assert.ok(probe.streams.some((x: { codec_type: string }) => x.codec_type === 'video') && readFileSync(part).includes('moof'), part);
    }
  });

  test('recording into a folder that is not there: said in words, and the stream goes on without it', async (t) => {
    const { channel } = await newStreamer(s.base, 'norec');
    const recordPath = path.join(tmpdir(), `onair-no-such-folder-${Date.now()}`, 'show.mkv');
    const b = new Broadcast(small({ server: s.rtmpBase, streamKey: channel.streamKey, recordPath }), { ffmpegPath: FFMPEG });
    const recordings: RecordingStatus[] = [];
    b.on('recording', (r) => recordings.push(r));
    const { states } = track(b);
    b.start();
    t.after(() => b.stop());
    await waitFor('3 segments', () => (s.streams.get('norec')?.segments ?? 0) >= 3, 20_000);
    assert.equal(b.state.kind, 'live');
    await b.stop();
    assert.deepEqual(
      states.map((x) => x.kind),
      ['connecting', 'live', 'ended'],
    );
    assert.equal(recordings.length, 1, JSON.stringify(recordings));
    assert.equal(recordings[0]!.state, 'failed');
    assert.match(recordings[0]!.reason ?? '', /^Not recording: the folder .*onair-no-such-folder-\d+ does not exist\.$/);
    assert.equal(b.spawnCount, 1);
  });

  test('a recording started and stopped while live: files from a keyframe on, the stream untouched', async (t) => {
    const { channel } = await newStreamer(s.base, 'midrec');
    const dir = mkdtempSync(path.join(tmpdir(), 'onair-midrec-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const recordPath = path.join(dir, 'show.mkv');
    // Without recordWhileLive ffmpeg writes no program pipe: nothing to record from.
    const plain = new Broadcast(small({ server: s.rtmpBase, streamKey: channel.streamKey }), { ffmpegPath: FFMPEG });
    assert.equal(plain.startRecording(recordPath), false, 'not running');
    const b = new Broadcast(small({ server: s.rtmpBase, streamKey: channel.streamKey, recordWhileLive: true }), { ffmpegPath: FFMPEG });
    const recordings: RecordingStatus[] = [];
    b.on('recording', (r) => recordings.push(r));
    const health: number[] = [];
    b.on('health', (h) => health.push(h.bitrateKbps));
    const { states } = track(b);
    b.start();
    t.after(() => b.stop());
    const segments = () => s.streams.get('midrec')?.segments ?? 0;
    await waitFor('2 segments', () => segments() >= 2, 20_000);
    const streamId = s.streams.get('midrec')!.streamId;

    // Two recordings one after the other while the stream goes on: the second beside the first.
    const files: string[] = [];
    for (const n of [1, 2]) {
      assert.equal(b.startRecording(recordPath), true);
      assert.equal(b.startRecording(recordPath), false, 'one recording at a time');
      const from = segments();
      await waitFor('2 more segments', () => segments() >= from + 2, 20_000);
      const end = await b.stopRecording();
      assert.equal(end?.state, 'stopped', JSON.stringify(end));
      files.push(end!.path);
      assert.equal(b.state.kind, 'live', `the stream goes on after recording ${n}`);
    }
    assert.deepEqual(files, [recordPath, path.join(dir, 'show-2.mkv')]);
    assert.deepEqual(recordings, [
      { state: 'recording', path: files[0] },
      { state: 'stopped', path: files[0] },
      { state: 'recording', path: files[1] },
      { state: 'stopped', path: files[1] },
    ]);
    await b.stop();
    assert.deepEqual(
      states.map((x) => x.kind),
      ['connecting', 'live', 'ended'],
    );
    assert.equal(b.spawnCount, 1, 'one ffmpeg throughout');
    assert.equal(s.streams.get('midrec')?.streamId ?? streamId, streamId);
    assert.equal(recordings.length, 4, 'nothing more said at the end: no recording ran');
    // The tee muxer reports no size: the bitrate shown comes from the program's bytes, near the 664 kb/s set.
    const shown = health.slice(-3);
    assert.ok(
      shown.every((k) => k > 300 && k < 1200),
      `bitrate shown ${shown.join(', ')} kb/s`,
    );

    for (const file of files) {
      const probe = await ffprobe(file);
      const v = probe.streams.find((x: { codec_type: string }) => x.codec_type === 'video');
      assert.equal(v?.codec_name, 'h264', file);
      assert.equal(`${v.width}x${v.height}`, '320x240');
      assert.ok(
        probe.streams.some((x: { codec_type: string; codec_name: string }) => x.codec_type === 'audio' && x.codec_name === 'aac'),
        file,
      );
      const duration = Number(probe.format.duration);
      assert.ok(duration >= 1 && duration < 10, `${file}: ${duration} s`);
      const packets = (
        await run(FFPROBE, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file], 30_000)
      ).stdout
        .trim()
        .split('\n');
      assert.match(packets[0]!, /^0\.0+,K/, `${file} starts with a keyframe at 0: ${packets[0]}`);
      assert.ok(packets.length >= 25, `${file}: ${packets.length} frames`);
    }
  });

  test('wrong key: failed(wrong_key) with a plain reason, no key in it, not retried', async () => {
    const key = 'live_ThisIsNotTheKey_abcdef123456';
    const b = new Broadcast(small({ server: s.rtmpBase, streamKey: key }), {
      ffmpegPath: FFMPEG,
      backoff: { initialMs: 100, maxMs: 200, maxAttempts: 5 },
    });
    const { states, logs } = track(b);
    b.start();
    const end = await b.finished;
    assert.equal(end.kind, 'failed');
    if (end.kind !== 'failed') return;
    assert.equal(end.code, 'wrong_key');
    assert.match(end.reason, /stream key/i);
    assert.ok(!end.reason.includes(key));
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(b.spawnCount, 1, 'a wrong key is not retried');
    assert.deepEqual(
      states.map((x) => x.kind),
      ['connecting', 'failed'],
    );
    assert.ok(logs.length > 0 && !logs.some((l) => l.includes(key)), 'stderr lines are masked');
  });

  test('unreachable: retried with backoff, then failed(unreachable)', async () => {
    const b = new Broadcast(small({ server: 'rtmp://127.0.0.1:9/live', streamKey: 'live_some_key_123456' }), {
      ffmpegPath: FFMPEG,
      backoff: { initialMs: 100, maxMs: 200, maxAttempts: 2 },
    });
    const { states } = track(b);
    b.start();
    const end = await b.finished;
    assert.ok(end.kind === 'failed' && end.code === 'unreachable', JSON.stringify(end));
    assert.match((end as { reason: string }).reason, /connection refused/);
    assert.equal(b.spawnCount, 2);
    assert.deepEqual(
      states.map((x) => x.kind),
      ['connecting', 'reconnecting', 'connecting', 'failed'],
    );
  });

  test('ffmpeg missing: failed(ffmpeg_missing)', async () => {
    const b = new Broadcast(small({ server: s.rtmpBase, streamKey: 'live_some_key_123456' }), { ffmpegPath: '/nonexistent/ffmpeg' });
    b.start();
    const end = await b.finished;
    assert.ok(end.kind === 'failed' && end.code === 'ffmpeg_missing', JSON.stringify(end));
  });

  test('CLI: --help lists every option; a 3 s test pattern broadcast exits 0 with the key from the environment', async () => {
    const help = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron/cli.ts'), '--help'], 30_000);
    assert.equal(help.code, 0, help.stderr);
    for (const opt of ['--server', '--key', '--source', '--duration', '--preset', '--bitrate', '--record', '--encoder', 'ONAIR_STREAM_KEY'])
      assert.ok(help.stdout.includes(opt), opt);

    const { channel } = await newStreamer(s.base, 'clitest');
    const res = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(ROOT, 'electron/cli.ts'),
          '--server',
          s.rtmpBase,
          '--source',
          'test',
          '--duration',
          '3',
          '--preset',
          'Low bandwidth 480p',
          '--keyframe',
          '1',
        ],
        {
          cwd: ROOT,
          env: { ...process.env, ONAIR_STREAM_KEY: channel.streamKey },
        },
      );
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });
    assert.equal(res.code, 0, res.out + res.err);
    assert.match(res.out, /state connecting/);
    assert.match(res.out, /state live/);
    assert.match(res.out, /health .* kbit\/s .* fps/);
    assert.match(res.out, /state ended/);
    assert.ok(!res.out.includes(channel.streamKey) && !res.err.includes(channel.streamKey));
    const replays = await waitFor(
      'replay kept',
      async () => {
        const r = (await (await fetch(`${s.base}/api/channels/clitest/replays`)).json()) as { durationSeconds: number }[];
        return r.length === 1 && r;
      },
      10_000,
    );
    // --duration counts time on the air, not time spent connecting (counted from the start, 2.67-2.70 s were kept).
    assert.ok(replays[0].durationSeconds >= 2.85, `${replays[0].durationSeconds} s kept of a 3 s broadcast`);

    const bad = await run(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'electron/cli.ts'), '--server', s.rtmpBase, '--key', 'live_wrong_key_zzzzzz', '--duration', '3'],
      30_000,
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /failed \(wrong_key\)/);
    assert.ok(!bad.stderr.includes('live_wrong_key_zzzzzz') && !bad.stdout.includes('live_wrong_key_zzzzzz'));
  });
});
