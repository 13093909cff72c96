// Runs inside the player's page (bundled by esbuild, installed by bench/g2g.ts as an init script): follows the page's first <video>
// from the outside, decodes the painted clock from every frame the browser presents, and counts stalls.
//
// window.__g2g.reset() starts the measured window (clears samples and counters, keeps the first-frame time);
// window.__g2g.snapshot() returns everything since.

import { STRIP, decodeClock, stripRect } from './g2g-clock.js';

/** currentTime not advancing for longer than this while playing counts as a stall. */
const STALL_MS = 500;
const CHECK_MS = 100;
/** A decoded clock further than this from Date.now() is not our clock (or not this run's). */
const PLAUSIBLE_MS = 10 * 60_000;
const MAX_SAMPLES = 100_000;

export interface ProbeSnapshot {
  /** [Date.now() when the frame was presented, latency ms] per decoded frame (first sight of each painted value). */
  samples: Array<[number, number]>;
  /** Frames presented (or looked at) / decoded. */
  attempts: number;
  decoded: number;
  /** Decoded frames whose painted value was already seen (a repeated frame). */
  repeats: number;
  /** Stall episodes (a `waiting` event or currentTime frozen > 500 ms while playing) and their total length. */
  stalls: number;
  stalledMs: number;
  waitingEvents: number;
  /** Date.now() of the first decoded frame. */
  firstFrameWall?: number;
  /** requestVideoFrameCallback, or requestAnimationFrame where the browser lacks it. */
  clock: 'rvfc' | 'raf';
  videoSize: string;
  droppedFrames?: number;
  totalFrames?: number;
  /** The <video> element was replaced by the page this many times (the probe follows the new one). */
  videoSwaps: number;
}

interface ProbeApi {
  reset(): void;
  snapshot(): ProbeSnapshot;
}

function install(): void {
  const w = window as unknown as { __g2g?: ProbeApi };
  if (w.__g2g) return;
  const canvas = document.createElement('canvas');
  canvas.width = STRIP.width;
  canvas.height = STRIP.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2d canvas');
  let useRvfc = 'requestVideoFrameCallback' in HTMLVideoElement.prototype;
  /** Frames looked at since install (reset() does not clear it): tells whether requestVideoFrameCallback fires at all. */
  let everRead = 0;
  let video: HTMLVideoElement | null = null;
  let samples: Array<[number, number]> = [];
  let attempts = 0,
    decoded = 0,
    repeats = 0,
    stalls = 0,
    stalledMs = 0,
    waitingEvents = 0,
    videoSwaps = 0;
  let firstFrameWall: number | undefined;
  let lastPainted = -1;
  let lastTime = -1;
  let lastAdvance = Date.now();
  let stallStart: number | undefined;
  let dropped0 = 0,
    total0 = 0;

  const quality = (v: HTMLVideoElement | null) => {
    const q = v?.getVideoPlaybackQuality?.();
    return q ? { dropped: q.droppedVideoFrames, total: q.totalVideoFrames } : undefined;
  };
  const openStall = (at: number) => {
    if (stallStart !== undefined || firstFrameWall === undefined) return;
    stallStart = at;
    stalls++;
  };
  const closeStall = (at: number) => {
    if (stallStart === undefined) return;
    stalledMs += at - stallStart;
    stallStart = undefined;
  };

  const read = (v: HTMLVideoElement) => {
    if (!v.videoWidth || !v.videoHeight) return;
    const r = stripRect(v.videoWidth, v.videoHeight);
    ctx.drawImage(v, r.x, r.y, r.w, r.h, 0, 0, STRIP.width, STRIP.height);
    const img = ctx.getImageData(0, 0, STRIP.width, STRIP.height);
    const now = Date.now();
    attempts++;
    everRead++;
    const t = decodeClock(img.data, STRIP.width, STRIP.height, 4);
    if (t === undefined || Math.abs(now - t) > PLAUSIBLE_MS) return;
    decoded++;
    if (t === lastPainted) {
      repeats++;
      return;
    }
    lastPainted = t;
    firstFrameWall ??= now;
    if (samples.length < MAX_SAMPLES) samples.push([now, now - t]);
  };

  const onWaiting = () => {
    if (firstFrameWall === undefined) return;
    waitingEvents++;
    openStall(Date.now());
  };
  const attach = (v: HTMLVideoElement) => {
    if (video) {
      video.removeEventListener('waiting', onWaiting);
      videoSwaps++;
    }
    video = v;
    v.addEventListener('waiting', onWaiting);
    lastTime = -1;
    if (useRvfc) {
      const onFrame = () => {
        if (video !== v || !useRvfc) return;
        read(v);
        v.requestVideoFrameCallback(onFrame);
      };
      v.requestVideoFrameCallback(onFrame);
    }
  };
  const rafLoop = () => {
    if (video) read(video);
    requestAnimationFrame(rafLoop);
  };
  if (!useRvfc) requestAnimationFrame(rafLoop);
  let playedMs = 0;

  setInterval(() => {
    const v = document.querySelector('video');
    if (v && v !== video) attach(v);
    if (!video) return;
    const now = Date.now();
    if (video.currentTime !== lastTime) {
      if (lastTime >= 0) playedMs += CHECK_MS;
      // Playing for 2 s without one requestVideoFrameCallback: this browser does not fire it here; poll every frame.
      if (useRvfc && everRead === 0 && playedMs > 2000) {
        useRvfc = false;
        requestAnimationFrame(rafLoop);
      }
      lastTime = video.currentTime;
      lastAdvance = now;
      closeStall(now);
    } else if (!video.paused && !video.ended && now - lastAdvance > STALL_MS) {
      openStall(lastAdvance);
    }
  }, CHECK_MS);

  w.__g2g = {
    reset() {
      samples = [];
      attempts = decoded = repeats = stalls = stalledMs = waitingEvents = 0;
      if (stallStart !== undefined) {
        stallStart = Date.now();
        stalls = 1;
      }
      const q = quality(video);
      dropped0 = q?.dropped ?? 0;
      total0 = q?.total ?? 0;
    },
    snapshot() {
      const q = quality(video);
      const now = Date.now();
      return {
        samples,
        attempts,
        decoded,
        repeats,
        stalls,
        stalledMs: stalledMs + (stallStart !== undefined ? now - stallStart : 0),
        waitingEvents,
        firstFrameWall,
        clock: useRvfc ? 'rvfc' : 'raf',
        videoSize: video ? `${video.videoWidth}x${video.videoHeight}` : '',
        ...(q ? { droppedFrames: q.dropped - dropped0, totalFrames: q.total - total0 } : {}),
        videoSwaps,
      };
    },
  };
}

install();
