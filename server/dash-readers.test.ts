// End to end: the live DASH manifest and the replay, played by the readers besides browsers that people point at
// a DASH URL: GStreamer's dashdemux2 and the older dashdemux (each alone: the other is ranked out), and
// ffmpeg's dash demuxer. A real server, a real ffmpeg publisher, and a recording HTTP proxy in front of the server
// that tells which segments each reader fetched and how they were answered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, newStreamer, publish, startTestServer, type TestServer } from './test-support/server.js';
import { ffmpegPath, run, waitFor } from './test-support/process.js';

const GST_LAUNCH = 'gst-launch-1.0';
const DEMUXERS = ['dashdemux2', 'dashdemux'] as const;
type Demuxer = (typeof DEMUXERS)[number];
/** Segments in the live window: small, so the window has slid well before the readers join. */
const LIVE_WINDOW = 4;

interface Fetch {
  path: string;
  status: number;
}

/** An HTTP proxy to `target` that records every request's path and status, cleared with take(). */
async function recordingProxy(target: string): Promise<{ base: string; take: () => Fetch[]; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  let log: Fetch[] = [];
  const server = http.createServer((req, res) => {
    const up = http.request({ hostname, port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      log.push({ path: req.url ?? '', status: r.statusCode ?? 0 });
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take: () => {
      const out = log;
      log = [];
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Segment numbers of one track fetched, in request order, with their statuses. */
function segmentFetches(fetches: Fetch[], prefix: 'v' | 'a'): { n: number; status: number }[] {
  const re = new RegExp(`/${prefix}-seg-(\\d+)\\.m4s`);
  return fetches.flatMap((f) => {
    const m = re.exec(f.path);
    return m ? [{ n: Number(m[1]), status: f.status }] : [];
  });
}

/** Each segment fetched once, in increasing order, and found: a reader that neither re-reads nor runs ahead. */
function assertSteadyFetches(fetches: Fetch[], what: string): void {
  for (const prefix of ['v', 'a'] as const) {
    const segs = segmentFetches(fetches, prefix);
    assert.ok(segs.length >= 3, `${what}: ${prefix}-seg fetches ${JSON.stringify(segs)}`);
    assert.ok(
      segs.every((s) => s.status === 200),
      `${what}: every ${prefix}-seg found: ${JSON.stringify(segs)}`,
    );
    for (let i = 1; i < segs.length; i++) {
      assert.ok(segs[i].n > segs[i - 1].n, `${what}: ${prefix}-seg numbers only increase: ${segs.map((s) => s.n).join(',')}`);
    }
  }
}

/**
 * GStreamer decoding `uri` with `demuxer` as the only DASH demuxer (the old one runs in uridecodebin, dashdemux2
 * only in the streams-aware uridecodebin3), audio and video into fakesinks that report each buffer (-v).
 * Live (`liveMs`): clock-synced sinks, stopped with SIGINT after liveMs; a live branch in the pipeline makes
 * gst-launch start playing at once, as players do with a live stream, rather than pause until the demuxer's
 * 30 s buffering target is full. Else as fast as it goes, to EOS. Bounded: SIGKILL at `timeoutMs`.
 */
function gstPlay(uri: string, demuxer: Demuxer, liveMs: number | undefined, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  const sink = (kind: 'video' | 'audio') => [
    'd.',
    '!',
    `${kind}/x-raw`,
    '!',
    'queue',
    '!',
    'fakesink',
    `name=${kind}`,
    'silent=false',
    `sync=${liveMs ? 'true' : 'false'}`,
  ];
  const bin = demuxer === 'dashdemux2' ? 'uridecodebin3' : 'uridecodebin';
  const other = demuxer === 'dashdemux2' ? 'dashdemux' : 'dashdemux2';
  const args = [
    '-m',
    '-v',
    bin,
    `uri=${uri}`,
    'name=d',
    ...sink('video'),
    ...sink('audio'),
    ...(liveMs ? ['fakesrc', 'is-live=true', '!', 'fakesink'] : []),
  ];
  const p = spawn(GST_LAUNCH, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GST_PLUGIN_FEATURE_RANK: `${demuxer}:512,${other}:0` },
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const stop = liveMs ? setTimeout(() => p.kill('SIGINT'), liveMs) : undefined;
  const kill = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    p.on('close', (code) => {
      clearTimeout(stop);
      clearTimeout(kill);
      resolve({ code, out });
    });
    p.on('error', (err) => {
      clearTimeout(stop);
      clearTimeout(kill);
      resolve({ code: -1, out: `${out}\n${err.message}` });
    });
  });
}

/** Presentation times (s) of the buffers one fakesink reported. */
function sinkPts(out: string, sink: 'video' | 'audio'): number[] {
  const re = new RegExp(`\\(${sink}:sink\\) \\(\\d+ bytes, dts: [^,]+, pts: (\\d+):(\\d+):(\\d+\\.\\d+)`, 'g');
  return [...out.matchAll(re)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]));
}

function assertGstPlayed(r: { out: string }, demuxer: Demuxer, what: string, minSpan: number): void {
  const tail = r.out.slice(-3000);
  assert.ok(r.out.includes(demuxer === 'dashdemux2' ? 'GstDashDemux2:' : 'GstDashDemux:'), `${what}: played through ${demuxer}\n${tail}`);
  assert.doesNotMatch(r.out, /\(error\)|^ERROR/m, `${what}: no error\n${tail}`);
  assert.match(
    r.out,
    /from element "pipeline0" \(state-changed\): GstMessageStateChanged, old-state=\(GstState\)paused, new-state=\(GstState\)playing/,
    `${what}: reached PLAYING\n${tail}`,
  );
  for (const sink of ['video', 'audio'] as const) {
    const pts = sinkPts(r.out, sink);
    assert.ok(pts.length >= 10, `${what}: ${sink} buffers ${pts.length}\n${tail}`);
    const span = pts[pts.length - 1] - pts[0];
    assert.ok(span >= minSpan, `${what}: ${sink} advanced ${span.toFixed(2)} s`);
  }
}

/**
 * ffmpeg copying every packet of `url` to framecrc (for `liveSeconds` of media, when live; read at a player's pace
 * with -re unless `paced` is false): its packet list per stream (dts in the stream's time base) and its warnings.
 * ffmpeg's dash demuxer asks for the next segment as soon as it has one; unpaced, it reads as fast as the server
 * answers, which for the segment in progress is when it is cut.
 */
async function ffmpegPackets(
  url: string,
  liveSeconds: number | undefined,
  timeoutMs: number,
  paced = true,
): Promise<{ code: number | null; dts: Map<number, number[]>; stderr: string }> {
  const live = liveSeconds && paced ? ['-re'] : [];
  const limit = liveSeconds ? ['-t', String(liveSeconds)] : [];
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning', ...live, '-i', url, ...limit, '-map', '0', '-c', 'copy', '-f', 'framecrc', '-'];
  const r = await run(ffmpegPath, args, timeoutMs);
  const dts = new Map<number, number[]>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d+),\s*(-?\d+),/.exec(line);
    if (!m) continue;
    const list = dts.get(Number(m[1])) ?? [];
    list.push(Number(m[2]));
    dts.set(Number(m[1]), list);
  }
  return { code: r.code, dts, stderr: r.stderr };
}

function assertMonotonic(r: { code: number | null; dts: Map<number, number[]>; stderr: string }, what: string): void {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /monoton/i, `${what}: no DTS complaint`);
  assert.equal(r.dts.size, 2, `${what}: audio and video packets (${[...r.dts.keys()]})\n${r.stderr}`);
  for (const [stream, list] of r.dts) {
    assert.ok(list.length >= 20, `${what}: stream ${stream} packets ${list.length}`);
    const back = list.findIndex((d, i) => i > 0 && d <= list[i - 1]);
    assert.equal(back, -1, `${what}: stream ${stream} dts goes back at packet ${back}: ${list.slice(Math.max(0, back - 3), back + 3)}`);
  }
}

describe('DASH readers besides browsers', () => {
  let s: TestServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  before(async () => {
    const gst = await run(GST_LAUNCH, ['--version'], 10_000);
    assert.equal(
      gst.code,
      0,
      `${GST_LAUNCH} is needed (apt-get install gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad): ${gst.stderr}`,
    );
    s = await startTestServer({ ONAIR_LIVE_WINDOW: String(LIVE_WINDOW), ONAIR_GRACE_SECONDS: '2' });
    proxy = await recordingProxy(s.base);
  });
  after(async () => {
    await proxy?.close();
    await s?.stop();
  });

  test('GStreamer (dashdemux2, dashdemux) and ffmpeg play the live manifest after the window slid, and the replay', async () => {
    const { channel } = await newStreamer(s.base, 'dashfan');
    const pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 90 });
    try {
      // Join once the live window no longer starts at the first segment, and has slid 3 segments further: a reader
      // derives its first segment from its clock and the suggested delay (3 segments), so a join just as the window
      // slides can fairly start at number LIVE_WINDOW - 1 (CI once).
      await waitFor(
        'the live window to slide',
        async () => {
          const master = await (await fetch(`${s.base}/hls/dashfan/index.m3u8`)).text();
          const uri = master.split('\n').find((l) => l.endsWith('video.m3u8'));
          if (!uri) return false;
          const seq = /#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(await (await fetch(s.base + uri)).text());
          return seq !== null && Number(seq[1]) >= LIVE_WINDOW + 3;
        },
        30_000,
        250,
      );
      const live = `${proxy.base}/dash/dashfan/index.mpd`;
      for (const demuxer of DEMUXERS) {
        proxy.take();
        const r = await gstPlay(live, demuxer, 8_000, 20_000);
        assertGstPlayed(r, demuxer, `live ${demuxer}`, 3);
        const fetches = proxy.take();
        assertSteadyFetches(fetches, `live ${demuxer}`);
        assert.ok(segmentFetches(fetches, 'v')[0].n >= LIVE_WINDOW, `live ${demuxer} joined mid-stream`);
      }
      proxy.take();
      const ff = await ffmpegPackets(live, 5, 30_000);
      assertMonotonic(ff, 'live ffmpeg');
      assertSteadyFetches(proxy.take(), 'live ffmpeg');
      // A recording without -re: the server holds the request for the segment in progress until it is cut.
      const unpaced = await ffmpegPackets(live, 4, 30_000, false);
      assertMonotonic(unpaced, 'live ffmpeg, unpaced');
      assertSteadyFetches(proxy.take(), 'live ffmpeg, unpaced');
    } finally {
      pub.proc.kill('SIGKILL');
      await pub.exit;
    }

    await waitFor('replay', async () => (await api(s.base, 'GET', '/api/channels/dashfan/replays')).body.length === 1, 20_000);
    const [replay] = (await api(s.base, 'GET', '/api/channels/dashfan/replays')).body;
    const vod = `${proxy.base}/vod/${replay.id}/index.mpd`;
    for (const demuxer of DEMUXERS) {
      const r = await gstPlay(vod, demuxer, undefined, 60_000);
      assertGstPlayed(r, demuxer, `replay ${demuxer}`, replay.durationSeconds - 2);
      assert.match(r.out, /Got EOS from element "pipeline0"/, `replay ${demuxer}: played to the end`);
    }
    const ff = await ffmpegPackets(vod, undefined, 60_000);
    assertMonotonic(ff, 'replay ffmpeg');
  });
});
