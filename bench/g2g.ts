// Glass-to-glass latency as a viewer sees it: a publisher paints the wall clock into every frame (bench/g2g-clock.ts),
// x264 (zerolatency, 1 s GOP) + AAC over RTMP to both servers at once (one tee'd ffmpeg), and Chromium plays the
// stream while a page script (bench/g2g-probe.ts) decodes the clock from each presented frame: latency = Date.now()
// at presentation - painted time, one machine clock. Pages run one at a time: nginx-rtmp's HLS with hls.js defaults,
// Onair's HLS with hls.js defaults, Onair's own /embed/<channel> page. Method and caveats: bench/README.md.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { FRAME } from './g2g-clock.js';
import { ensureViewerBuilt, hlsjsPage, probeScript } from './g2g-pages.js';
import { startClockPublisher, type ClockPublisher } from './g2g-publisher.js';
import type { ProbeSnapshot } from './g2g-probe.js';
import { median, quantile } from './hls.js';
import { measureGroups } from './proc.js';
import { getPlaylist, publisherGone, withInstance, type Ctx } from './scenarios.js';
import { sleep, tempDir } from './spawn.js';
import type { Instance, Target } from './targets.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];
/** Segments each playlist lists before the first page opens: a viewer joins a stream that has been on for a while. */
const MIN_SEGMENTS = 4;
const FIRST_FRAME_TIMEOUT_MS = 30_000;

export type G2gPageId = 'nginx-hlsjs' | 'onair-hlsjs' | 'onair-embed';

export interface G2gSession {
  medianMs: number;
  firstFrameMs: number;
  stalls: number;
  /** Random wait before opening the page, ms: spreads the joins over the 1 s segment cycle. */
  joinDelayMs: number;
}

export interface G2gPage {
  id: G2gPageId;
  server: string;
  player: string;
  /** Measured time, s, summed over the sessions (each after its first decoded frame and the warm-up). */
  seconds: number;
  /** Each join of the page (a fresh browser context); the figures below pool their frames. */
  sessions: G2gSession[];
  sessionErrors: string[];
  samples: number;
  medianMs: number;
  p95Ms: number;
  p5Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  /** Median latency of each measured second, sessions one after another: drift shows here. */
  perSecondMedianMs: number[];
  /** Frames presented / decoded, and decoded / presented. */
  attempts: number;
  decoded: number;
  decodeRate: number;
  repeats: number;
  stalls: number;
  stalledMs: number;
  waitingEvents: number;
  /** Page navigation -> first decoded frame, ms, median over the sessions (join time; informational). */
  firstFrameMs: number;
  droppedFrames?: number;
  totalFrames?: number;
  videoSize: string;
  clock: 'rvfc' | 'raf';
  videoSwaps: number;
  /** Box busy % (all cores), and CPU % of one core of the publisher (painter + x264) and of the servers, over the window. */
  boxBusyPct: number;
  publisherCpuPct: number;
  serversCpuPct: number;
  /** hls.js errors (hls.js pages) or page errors, first few. */
  playerErrors: string[];
}

export interface G2gResult {
  pages: Partial<Record<G2gPageId, G2gPage | { error: string }>>;
  order: G2gPageId[];
  warmupSeconds: number;
  /** Joins (sessions) per page. */
  joins: number;
  /** The painter's frame timing over the whole run (how late frames were handed to ffmpeg). */
  painter?: { frames: number; lateP99Ms: number; lateMaxMs: number };
  publisher: string;
}

export interface G2gOptions {
  /** Measured seconds per page, in joins of about SESSION_SECONDS. */
  seconds: number;
  warmupSeconds: number;
}

/**
 * hls.js (defaults, and Onair's player) starts a live stream a fixed 3 target durations behind the newest listed
 * segment and never catches up, so a viewer's latency is set when they join: where in the 1 s segment cycle the page
 * opened, plus its load time. One join per page would put up to a second of luck into the comparison; the measured
 * time is split into joins of about this long, opened at random points of the cycle, the pages taking turns.
 */
const SESSION_SECONDS = 15;

async function waitForSegments(url: string, pub: ClockPublisher, signal: AbortSignal): Promise<void> {
  for (let k = 0; k < 150; k++) {
    const gone = publisherGone(pub);
    if (gone) throw new Error(gone);
    const { pl } = await getPlaylist(url);
    if ((pl?.segments.length ?? 0) >= MIN_SEGMENTS) return;
    await sleep(200, signal);
  }
  throw new Error(`${url} did not list ${MIN_SEGMENTS} segments within 30 s`);
}

interface PageSpec {
  id: G2gPageId;
  server: string;
  player: string;
  /** Page to open; for hls.js pages it is answered by the harness (same origin as the playlist) and not fetched. */
  url: string;
  html?: string;
}

interface SessionData {
  samples: Array<[number, number]>;
  snap: ProbeSnapshot;
  windowStart: number;
  seconds: number;
  firstFrameMs: number;
  joinDelayMs: number;
  boxBusyPct: number;
  publisherCpuPct: number;
  serversCpuPct: number;
  playerErrors: string[];
}

type ProbeWindow = Window & { __g2g: { snapshot(): ProbeSnapshot; reset(): void }; __playerErrors?: string[] };

/** One join: a fresh context opens the page, plays to its first decoded frame, warms up, then is measured. */
async function session(
  browser: Browser,
  spec: PageSpec,
  probe: string,
  pub: ClockPublisher,
  servers: number[],
  seconds: number,
  o: G2gOptions,
  ctx: Ctx,
): Promise<SessionData> {
  const joinDelayMs = Math.round(Math.random() * 1000);
  await sleep(joinDelayMs, ctx.signal);
  const context = await browser.newContext({ viewport: { width: FRAME.width, height: FRAME.height }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  try {
    // Installed by the DevTools protocol in every new document, before the page's own scripts: not subject to the
    // page's Content-Security-Policy, and the same for the hls.js pages and Onair's /embed page.
    await context.addInitScript({ content: probe });
    const page = await context.newPage();
    page.on('pageerror', (e) => {
      if (errors.length < 10) errors.push(e.message.slice(0, 200));
    });
    if (spec.html) {
      // Served from the playlist's own origin so hls.js needs no CORS (nginx sends none); the route is removed once
      // the page is loaded, so no media request passes through the harness.
      const html = spec.html;
      await page.route(spec.url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    }
    const navWall = Date.now();
    await page.goto(spec.url, { waitUntil: 'domcontentloaded', timeout: 20_000 });
    if (spec.html) await page.unrouteAll();
    const playerErrors = async () =>
      [...errors, ...(await page.evaluate(() => (window as unknown as ProbeWindow).__playerErrors ?? []))].slice(0, 10);
    let first: number | undefined;
    for (let k = 0; k < FIRST_FRAME_TIMEOUT_MS / 250 && first === undefined; k++) {
      const gone = publisherGone(pub);
      if (gone) throw new Error(gone);
      await sleep(250, ctx.signal);
      first = await page.evaluate(() => (window as unknown as ProbeWindow).__g2g.snapshot().firstFrameWall);
    }
    if (first === undefined) {
      const pe = await playerErrors();
      throw new Error(`no decodable frame within ${FIRST_FRAME_TIMEOUT_MS / 1000} s${pe.length ? ` (${pe.join('; ')})` : ''}`);
    }
    await sleep(o.warmupSeconds * 1000, ctx.signal);
    await page.evaluate(() => (window as unknown as ProbeWindow).__g2g.reset());
    const windowStart = Date.now();
    const m = await measureGroups({ publisher: () => [pub.proc.pid], servers: () => servers }, seconds * 1000, 1000, ctx.signal);
    const snap = await page.evaluate(() => (window as unknown as ProbeWindow).__g2g.snapshot());
    if (snap.samples.length === 0) throw new Error(`no frame decoded in the ${seconds} s window (${snap.attempts} presented)`);
    return {
      samples: snap.samples,
      snap,
      windowStart,
      seconds,
      firstFrameMs: first - navWall,
      joinDelayMs,
      boxBusyPct: m.boxBusyPct,
      publisherCpuPct: m.groups.publisher.cpuPct,
      serversCpuPct: m.groups.servers.cpuPct,
      playerErrors: await playerErrors(),
    };
  } finally {
    await context.close().catch(() => {});
  }
}

/** A page's figures over all its sessions (frames pooled; counts summed; load figures averaged). */
function pageFigures(spec: PageSpec, ss: SessionData[], errors: string[]): G2gPage {
  const lat = ss.flatMap((x) => x.samples.map((y) => y[1]));
  const sum = (f: (x: SessionData) => number) => ss.reduce((a, x) => a + f(x), 0);
  const mean = (f: (x: SessionData) => number) => sum(f) / ss.length;
  const perSecond = ss.flatMap((x) =>
    Array.from({ length: Math.ceil(x.seconds) }, (_, k) => {
      const inSecond = x.samples.filter(([wall]) => wall >= x.windowStart + k * 1000 && wall < x.windowStart + (k + 1) * 1000).map((y) => y[1]);
      return inSecond.length ? Math.round(median(inSecond)) : NaN;
    }),
  );
  const attempts = sum((x) => x.snap.attempts);
  const dropped = ss.every((x) => x.snap.droppedFrames !== undefined);
  return {
    id: spec.id,
    server: spec.server,
    player: spec.player,
    seconds: sum((x) => x.seconds),
    sessions: ss.map((x) => ({
      medianMs: median(x.samples.map((y) => y[1])),
      firstFrameMs: x.firstFrameMs,
      stalls: x.snap.stalls,
      joinDelayMs: x.joinDelayMs,
    })),
    sessionErrors: errors,
    samples: lat.length,
    medianMs: median(lat),
    p95Ms: quantile(lat, 0.95),
    p5Ms: quantile(lat, 0.05),
    minMs: Math.min(...lat),
    maxMs: Math.max(...lat),
    meanMs: lat.reduce((a, b) => a + b, 0) / lat.length,
    perSecondMedianMs: perSecond,
    attempts,
    decoded: sum((x) => x.snap.decoded),
    decodeRate: attempts ? sum((x) => x.snap.decoded) / attempts : 0,
    repeats: sum((x) => x.snap.repeats),
    stalls: sum((x) => x.snap.stalls),
    stalledMs: sum((x) => x.snap.stalledMs),
    waitingEvents: sum((x) => x.snap.waitingEvents),
    firstFrameMs: median(ss.map((x) => x.firstFrameMs)),
    ...(dropped ? { droppedFrames: sum((x) => x.snap.droppedFrames ?? 0), totalFrames: sum((x) => x.snap.totalFrames ?? 0) } : {}),
    videoSize: [...new Set(ss.map((x) => x.snap.videoSize))].join(', '),
    clock: ss.every((x) => x.snap.clock === 'rvfc') ? 'rvfc' : 'raf',
    videoSwaps: sum((x) => x.snap.videoSwaps),
    boxBusyPct: mean((x) => x.boxBusyPct),
    publisherCpuPct: mean((x) => x.publisherCpuPct),
    serversCpuPct: mean((x) => x.serversCpuPct),
    playerErrors: [...new Set(ss.flatMap((x) => x.playerErrors))].slice(0, 10),
  };
}

/** Time budget of the scenario: a viewer build, the servers, and every join allowed its full first-frame wait. */
export function g2gBudgetMs(o: G2gOptions): number {
  const joins = Math.max(1, Math.round(o.seconds / SESSION_SECONDS));
  return 420_000 + 3 * (o.seconds + joins * (o.warmupSeconds + 2 + FIRST_FRAME_TIMEOUT_MS / 1000)) * 1000;
}

/** Run `fn` with a fresh instance of each target (servers up at once), stopping them all afterwards. */
function withInstances<T>(targets: Target[], fn: (insts: Instance[]) => Promise<T>, acc: Instance[] = []): Promise<T> {
  if (acc.length === targets.length) return fn(acc);
  return withInstance(targets[acc.length], (inst) => withInstances(targets, fn, [...acc, inst]));
}

export async function g2gScenario(targets: Target[], ctx: Ctx, o: G2gOptions): Promise<G2gResult> {
  const onairAt = targets.findIndex((t) => t.name === 'onair');
  const nginxAt = targets.findIndex((t) => t.name !== 'onair');
  if (onairAt >= 0) ensureViewerBuilt(ctx.log);
  const probe = await probeScript();
  const joins = Math.max(1, Math.round(o.seconds / SESSION_SECONDS));
  const perJoin = o.seconds / joins;
  return withInstances(targets, async (insts) => {
    const keys: string[] = [];
    for (const t of targets) keys.push(await t.publishName(0));
    const playlists = targets.map((t, i) => insts[i].hlsUrl(t.playName(0)));
    const pages: PageSpec[] = [];
    if (nginxAt >= 0) {
      const src = playlists[nginxAt];
      pages.push({
        id: 'nginx-hlsjs',
        server: targets[nginxAt].name,
        player: 'hls.js defaults',
        url: `${new URL(src).origin}/g2g/hlsjs.html`,
        html: hlsjsPage(src),
      });
    }
    if (onairAt >= 0) {
      const src = playlists[onairAt];
      const origin = new URL(src).origin;
      pages.push({ id: 'onair-hlsjs', server: 'onair', player: 'hls.js defaults', url: `${origin}/g2g/hlsjs.html`, html: hlsjsPage(src) });
      pages.push({
        id: 'onair-embed',
        server: 'onair',
        player: '/embed page',
        url: `${origin}/embed/${encodeURIComponent(targets[onairAt].playName(0))}`,
      });
    }
    // Long enough for every join's delay, first frame, warm-up and window; the painter then ends and so does ffmpeg.
    const publishSeconds = 30 + pages.length * joins * (perJoin + o.warmupSeconds + FIRST_FRAME_TIMEOUT_MS / 1000 + 5);
    const pub = startClockPublisher(
      insts.map((inst, i) => `${inst.rtmpBase}/${keys[i]}`),
      publishSeconds,
    );
    const profile = mkdtempSync(join(tmpdir(), 'onair-bench-chromium-'));
    tempDir.track(profile);
    let browser: Browser | undefined;
    try {
      for (const url of playlists) await waitForSegments(url, pub, ctx.signal);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profile } });
      const done = new Map<G2gPageId, SessionData[]>(pages.map((p) => [p.id, []]));
      const failed = new Map<G2gPageId, string[]>(pages.map((p) => [p.id, []]));
      // The pages take turns, one at a time: a slow spell of the box falls on all of them alike.
      for (let j = 0; j < joins; j++) {
        for (const spec of pages) {
          try {
            const x = await session(
              browser,
              spec,
              probe,
              pub,
              insts.map((i) => i.pid()),
              perJoin,
              o,
              ctx,
            );
            done.get(spec.id)!.push(x);
            ctx.log(
              `  g2g ${spec.id} #${j + 1}/${joins}: median ${median(x.samples.map((y) => y[1])).toFixed(0)} ms, first frame ${x.firstFrameMs} ms, ` +
                `stalls ${x.snap.stalls}, decoded ${x.snap.decoded}/${x.snap.attempts}, box ${x.boxBusyPct.toFixed(0)}%${x.playerErrors.length ? `, errors: ${x.playerErrors.join('; ')}` : ''}`,
            );
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            const msg = (err as Error).message;
            ctx.log(`  g2g ${spec.id} #${j + 1}/${joins} ERROR: ${msg.split('\n')[0]}`);
            failed.get(spec.id)!.push(msg.slice(0, 500));
          }
        }
      }
      const out: G2gResult = {
        pages: {},
        order: pages.map((p) => p.id),
        warmupSeconds: o.warmupSeconds,
        joins,
        publisher: `${FRAME.width}x${FRAME.height}@${FRAME.fps} gray frames from bench/g2g-painter.ts | ffmpeg libx264 veryfast zerolatency 2500k, GOP ${FRAME.fps}, AAC 128k, ${insts.length > 1 ? 'tee to both servers' : 'one server'}`,
      };
      for (const spec of pages) {
        const ss = done.get(spec.id)!;
        const errs = failed.get(spec.id)!;
        out.pages[spec.id] = ss.length ? pageFigures(spec, ss, errs) : { error: errs.join('\n').slice(0, 2000) || 'no session' };
        const p = out.pages[spec.id]!;
        if (!('error' in p)) {
          ctx.log(
            `  g2g ${spec.id}: median ${p.medianMs.toFixed(0)} ms, p95 ${p.p95Ms.toFixed(0)} ms over ${p.samples} frames in ${ss.length} joins, ` +
              `decoded ${(100 * p.decodeRate).toFixed(1)}%, stalls ${p.stalls} (${p.stalledMs.toFixed(0)} ms)`,
          );
        }
      }
      // Stopped before reading its timing: the painter reports once more on SIGTERM.
      await pub.proc.stop('SIGTERM', 3000);
      const painter = pub.stats();
      if (painter) out.painter = painter;
      return out;
    } finally {
      await browser?.close().catch(() => {});
      await pub.proc.stop('SIGTERM', 3000);
      rmSync(profile, { recursive: true, force: true });
      tempDir.forget(profile);
    }
  });
}
