// Attaches a stream to a video element, through hls.js or the browser's own HLS, and turns what goes wrong into the
// player's states: a live playlist not there yet is asked for again, network errors are retried, a media error is
// recovered once or twice, and the rest ends in a PlayerError in plain words. No React here: Player.tsx calls it
// from an effect and detaches on cleanup.
import type HlsType from 'hls.js';
import { HOLE_WAIT_MS } from './buffer-holes.js';
import { chooseEngine, hlsErrorToPlayerError, type PlayerEngine, type PlayerError, type PlayerState } from './player-engine.js';

/** The fastest playback rate used to catch up with the live edge (a gentle speed-up, not a jump). */
const LIVE_CATCH_UP_RATE = 1.5;
/** Fatal network errors retried before showing an error. */
const NETWORK_RETRIES = 4;
/** A live playlist that is not there yet (the stream is starting) is asked for again this often, this many times. */
export const MANIFEST_RETRIES = 12;
const MANIFEST_RETRY_MS = 1500;

export interface SourceOptions {
  src: string;
  live: boolean;
  engine: 'auto' | PlayerEngine;
  autoPlay: boolean;
  /** Playlist retries made so far by earlier attachments of this source (a restart keeps counting). */
  manifestRetries: { count: number };
}

export interface SourceEvents {
  state(s: PlayerState): void;
  fail(e: PlayerError): void;
  play(): void;
  /** Media reached the buffer. */
  progress(): void;
  /** Attach this source again from scratch (a playlist that was not there yet). */
  restart(): void;
}

export interface AttachedSource {
  /** null when this browser cannot play the stream (already reported through `fail`). */
  readonly engine: PlayerEngine | null;
  /** The hls.js instance once loaded, for its live position and dates; null on the native engine. */
  hls(): HlsType | null;
  /**
   * Ends the stream for hls.js when it has ended and nothing has arrived for a while (buffer-holes.ts): ended by the
   * playlist hls.js last read, or `known` (the page heard the channel go off the air, which can come first: on a
   * loaded machine the final playlist may reach the player after the page's 4 s stall rule shows the ended card).
   */
  endEndedStream(known: boolean): void;
  detach(): void;
}

export function attachSource(video: HTMLVideoElement, opts: SourceOptions, on: SourceEvents): AttachedSource {
  const engine = chooseEngine(video, opts.engine);
  if (!engine) {
    on.fail({
      code: 'unsupported',
      message:
        'This browser cannot play live video: it has neither HLS playback nor Media Source Extensions with H.264/AAC. Try a current Chrome, Firefox, Edge or Safari.',
    });
    return { engine, hls: () => null, endEndedStream: () => {}, detach: () => {} };
  }
  return engine === 'native' ? attachNative(video, opts, on) : attachHlsJs(video, opts, on);
}

function attachNative(video: HTMLVideoElement, { src, live, autoPlay }: SourceOptions, on: SourceEvents): AttachedSource {
  video.src = src;
  if (autoPlay) on.play();
  const onNativeError = () => {
    const code = video.error?.code;
    if (code === 4)
      on.fail({
        code: live ? 'offline' : 'unsupported',
        message: live ? 'This stream is not on air right now.' : 'This browser cannot play this video.',
      });
    else if (code === 2) on.fail({ code: 'network', message: 'Lost the connection to the stream.' });
    else on.fail({ code: 'media', message: 'The video could not be decoded.' });
  };
  video.addEventListener('error', onNativeError);
  return {
    engine: 'native',
    hls: () => null,
    endEndedStream: () => {},
    detach() {
      video.removeEventListener('error', onNativeError);
      video.removeAttribute('src');
      video.load();
    },
  };
}

function attachHlsJs(video: HTMLVideoElement, { src, live, autoPlay, manifestRetries }: SourceOptions, on: SourceEvents): AttachedSource {
  let cancelled = false;
  let hlsInstance: HlsType | null = null;
  let endEndedStream = (_known: boolean) => {};
  let retries = 0;
  let mediaRecoveries = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  void import('hls.js').then(
    ({ default: Hls }) => {
      if (cancelled) return;
      const hls = new Hls({
        enableWorker: true,
        // Low-Latency HLS when the playlist offers parts (hls.js then holds PART-HOLD-BACK behind the edge); a classic
        // playlist keeps hls.js's default of three segments. Setting liveSyncDuration(Count) here would override
        // PART-HOLD-BACK, so neither is set (nor liveMaxLatencyDurationCount, which hls.js refuses without them).
        // A little behind the target it catches up by playing up to 1.5x; further behind, where hls.js would leave it,
        // a viewer who did not pause or seek is moved to the live position (live-join.ts).
        lowLatencyMode: live,
        maxLiveSyncPlaybackRate: live ? LIVE_CATCH_UP_RATE : 1,
        backBufferLength: live ? 30 : 90,
        manifestLoadingMaxRetry: 2,
        levelLoadingMaxRetry: 4,
        fragLoadingMaxRetry: 4,
      });
      hlsInstance = hls;
      const failWith = (e: PlayerError) => {
        on.fail(e);
        hls.destroy();
      };
      hls.on(Hls.Events.ERROR, (_evt, data) => {
        if (!data.fatal) return;
        const known = hlsErrorToPlayerError(data);
        if (known && known.code !== 'offline') return failWith(known);
        const manifestFailed =
          data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR ||
          data.details === Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT ||
          data.details === Hls.ErrorDetails.MANIFEST_PARSING_ERROR;
        if (manifestFailed) {
          // No playlist yet: a stream that has just started has no segment for a second or two. hls.js cannot
          // reload a manifest it never got, so start over with a fresh instance, a bounded number of times.
          hls.destroy();
          if (live && manifestRetries.count < MANIFEST_RETRIES) {
            manifestRetries.count++;
            on.state('loading');
            retryTimer = setTimeout(on.restart, MANIFEST_RETRY_MS);
            return;
          }
          on.fail(known ?? { code: 'network', message: 'Could not load the stream. Check your connection and press Retry.' });
          return;
        }
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          if (retries++ < NETWORK_RETRIES) {
            on.state('buffering');
            retryTimer = setTimeout(() => hls.startLoad(), 1000 * retries);
            return;
          }
          return failWith(known ?? { code: 'network', message: 'Lost the connection to the stream. Check your connection and press Retry.' });
        }
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          mediaRecoveries++;
          if (mediaRecoveries === 1) return hls.recoverMediaError();
          if (mediaRecoveries === 2) {
            hls.swapAudioCodec();
            return hls.recoverMediaError();
          }
          return failWith({ code: 'media', message: 'The video could not be decoded in this browser.' });
        }
        failWith({ code: 'media', message: `Playback stopped (${data.details}).` });
      });
      hls.on(Hls.Events.FRAG_LOADED, () => {
        retries = 0;
      });
      let lastAppend = Date.now();
      hls.on(Hls.Events.FRAG_BUFFERED, () => {
        lastAppend = Date.now();
        on.progress();
      });
      endEndedStream = (known) => {
        if ((known || hls.latestLevelDetails?.live === false) && Date.now() - lastAppend >= HOLE_WAIT_MS)
          hls.trigger(Hls.Events.BUFFER_EOS, { type: null });
      };
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        manifestRetries.count = 0;
        if (autoPlay) on.play();
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    },
    () => {
      if (!cancelled) on.fail({ code: 'network', message: 'Could not load the player. Check your connection and reload the page.' });
    },
  );
  return {
    engine: 'hlsjs',
    hls: () => hlsInstance,
    endEndedStream: (known) => endEndedStream(known),
    detach() {
      cancelled = true;
      clearTimeout(retryTimer);
      hlsInstance?.destroy();
      hlsInstance = null;
      endEndedStream = () => {};
    },
  };
}
