// Publish -> first playable part (Low-Latency HLS), counted from the moment the first keyframe reached the server:
// the last byte of its RTMP message written to the loopback socket by our own publisher (bench/rtmp-publisher.ts).
// Onair: the player polls the master (404 while the channel is not live or has no playlist yet), then asks each
// track's playlist for part 0 of segment 0 with a blocking request (_HLS_msn=0&_HLS_part=0), then GETs the init
// (EXT-X-MAP) and the first listed part of the video and of the audio rendition. nginx-rtmp (no LL-HLS), for
// reference: the first segment, polled as in the startup scenario, with the same publisher and the same t0.

import { httpGet, sleep } from './spawn.js';
import { parseMaster, resolveUri, median } from './hls.js';
import { parseLlPlaylist } from './llhls.js';
import { startNodePublisher, type NodePublisher } from './rtmp-publisher.js';
import { firstSegmentPlayable, getPlaylist, withInstance, type Ctx } from './scenarios.js';
import type { Target } from './targets.js';

/** Master / playlist polling: fixed rate from the publish start. */
const POLL_MS = 10;
/** Each run gives up after this long. */
const RUN_LIMIT_MS = 15_000;

export interface FirstPartRun {
  /** ms from the first keyframe's last byte written until the init and first part (segment) of every track answered 200 in full. */
  playableMs?: number;
  /** ms from the keyframe until the first 200 of the master (Onair) / of a playlist listing a segment (nginx). */
  firstPlaylistMs?: number;
  /** Onair: ms from the keyframe until the blocking playlist requests of both tracks answered 200. */
  blockingAnsweredMs?: number;
  /** Onair: the part fetched first (msn.index), per track. */
  parts?: string[];
  /** Statuses the server answered before the first 200, with counts (what a not-yet-live channel gets). */
  statusesBefore: Record<string, number>;
  polls: number;
  /** ms from opening the TCP connection to the keyframe written (handshake, connect, publish). */
  publishSetupMs?: number;
  keyframeBytes?: number;
  error?: string;
}

export interface FirstPartResult {
  /** 'part' (Onair, LL-HLS) or 'segment' (nginx-rtmp: no parts). */
  unit: 'part' | 'segment';
  runs: FirstPartRun[];
  medianMs: number;
  maxMs: number;
  minMs: number;
  ok: number;
  medianFirstPlaylistMs: number;
}

async function nextTick(t0: number): Promise<void> {
  const now = performance.now();
  await sleep(t0 + Math.floor((now - t0) / POLL_MS + 1) * POLL_MS - now);
}

/** Onair's player side: master, then per track a blocking playlist request, its init and its first part. */
async function llFirstPart(masterUrl: string, pub: NodePublisher, run: FirstPartRun, keyAt: () => number): Promise<void> {
  const t0 = pub.publishStartPerf;
  let master: { video: string; audio?: string } | undefined;
  for (let k = 0; k < RUN_LIMIT_MS / POLL_MS && !master; k++) {
    run.polls++;
    const r = await httpGet(masterUrl, 2000);
    if (r.status === 200) {
      const m = parseMaster(r.body.toString('utf8'));
      if (m?.variants.length) {
        master = { video: resolveUri(masterUrl, m.variants[0]), ...(m.audio ? { audio: resolveUri(masterUrl, m.audio) } : {}) };
        run.firstPlaylistMs = performance.now() - keyAt();
        break;
      }
    }
    run.statusesBefore[String(r.status)] = (run.statusesBefore[String(r.status)] ?? 0) + 1;
    await nextTick(t0);
  }
  if (!master) throw new Error(`no master playlist within ${RUN_LIMIT_MS / 1000} s`);
  const track = async (url: string): Promise<{ part: string; answeredAt: number }> => {
    for (let k = 0; k < 50; k++) {
      const r = await httpGet(`${url}?_HLS_msn=0&_HLS_part=0`, 5000);
      if (r.status !== 200) {
        run.statusesBefore[`playlist ${r.status}`] = (run.statusesBefore[`playlist ${r.status}`] ?? 0) + 1;
        await sleep(POLL_MS);
        continue;
      }
      const answeredAt = performance.now();
      const pl = parseLlPlaylist(r.body.toString('utf8'));
      const first = pl.parts[0];
      const map = pl.segments[0]?.mapUri ?? pl.mapUri;
      if (!first || !map) throw new Error(`blocking answer lists ${first ? 'no EXT-X-MAP' : 'no part'}`);
      const [a, b] = await Promise.all([httpGet(resolveUri(url, map), 2000), httpGet(resolveUri(url, first.uri), 2000)]);
      const bytes = 'body' in b ? b.body.length : 0;
      if (a.status === 200 && b.status === 200 && bytes > 0) return { part: `${first.msn}.${first.index}`, answeredAt };
      throw new Error(`init ${a.status}, part ${first.uri} ${b.status} (${bytes} bytes)`);
    }
    throw new Error(`blocking playlist request of ${url} never answered 200`);
  };
  const got = await Promise.all([track(master.video), ...(master.audio ? [track(master.audio)] : [])]);
  run.playableMs = performance.now() - keyAt();
  run.blockingAnsweredMs = Math.max(...got.map((g) => g.answeredAt)) - keyAt();
  run.parts = got.map((g) => g.part);
}

/** nginx-rtmp's side: the playlist polled until it lists a segment, then that segment fetched (as in startup). */
async function firstSegment(url: string, pub: NodePublisher, run: FirstPartRun, keyAt: () => number): Promise<void> {
  for (let k = 0; k < RUN_LIMIT_MS / POLL_MS; k++) {
    run.polls++;
    const { status, pl, mediaUrl, audioUrl } = await getPlaylist(url);
    if (pl?.segments.length) {
      run.firstPlaylistMs ??= performance.now() - keyAt();
      const video = await firstSegmentPlayable(mediaUrl);
      const audio = audioUrl ? await firstSegmentPlayable(audioUrl) : { ok: true };
      if (video.ok && audio.ok) {
        run.playableMs = performance.now() - keyAt();
        return;
      }
    } else run.statusesBefore[String(status)] = (run.statusesBefore[String(status)] ?? 0) + 1;
    await nextTick(pub.publishStartPerf);
  }
  throw new Error(`no playable segment within ${RUN_LIMIT_MS / 1000} s`);
}

export async function firstPartScenario(target: Target, ctx: Ctx, repeats: number): Promise<FirstPartResult> {
  const ll = target.name === 'onair';
  return withInstance(target, async (inst) => {
    const runs: FirstPartRun[] = [];
    for (let r = 0; r < repeats; r++) {
      ctx.signal.throwIfAborted();
      // A fresh stream name each run: a new user and channel on Onair, a new name on nginx.
      const key = await target.publishName(r);
      const url = inst.hlsUrl(target.playName(r));
      const run: FirstPartRun = { statusesBefore: {}, polls: 0 };
      let pub: NodePublisher | undefined;
      try {
        pub = await startNodePublisher(ctx.input, inst.rtmpBase, key);
        const p = pub;
        // Until the keyframe's write completes (a few ms), times are provisional; they are taken after it.
        const keyAt = () => p.keyframeWrittenPerf() ?? p.publishStartPerf;
        await (ll ? llFirstPart(url, p, run, keyAt) : firstSegment(url, p, run, keyAt));
        if (p.keyframeWrittenPerf() === undefined) throw new Error('the first keyframe was never written');
        run.publishSetupMs = p.keyframeWrittenPerf()! - p.startPerf;
        run.keyframeBytes = p.keyframeBytes();
      } catch (err) {
        run.error = (err as Error).message;
        delete run.playableMs;
      } finally {
        pub?.stop();
      }
      ctx.log(
        `  firstpart #${r + 1}: ${
          run.playableMs !== undefined
            ? `${run.playableMs.toFixed(0)} ms after the keyframe ` +
              `(first ${ll ? 'master' : 'listing'} ${run.firstPlaylistMs?.toFixed(0)} ms${run.blockingAnsweredMs !== undefined ? `, blocking answers ${run.blockingAnsweredMs.toFixed(0)} ms` : ''}` +
              `${run.parts ? `, parts ${run.parts.join('/')}` : ''}; before: ${JSON.stringify(run.statusesBefore)})`
            : run.error
        }`,
      );
      runs.push(run);
      await sleep(500, ctx.signal);
    }
    const ok = runs.map((x) => x.playableMs).filter((x): x is number => x !== undefined);
    const lists = runs.map((x) => x.firstPlaylistMs).filter((x): x is number => x !== undefined);
    return {
      unit: ll ? 'part' : 'segment',
      runs,
      medianMs: median(ok),
      maxMs: Math.max(...ok),
      minMs: Math.min(...ok),
      ok: ok.length,
      medianFirstPlaylistMs: median(lists),
    };
  });
}
