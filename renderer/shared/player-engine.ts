// What plays a stream in this browser, and what a player failure means in plain words: the parts of the Player that
// need no React (Player.tsx uses them; the watch page reads its types).
import type { ErrorData } from 'hls.js';

export type PlayerEngine = 'hlsjs' | 'native';
export type PlayerState = 'loading' | 'playing' | 'paused' | 'buffering' | 'ended' | 'error';

export interface PlayerError {
  /** unsupported: the browser cannot play HLS or these codecs; offline: no stream at this URL; forbidden: private;
   *  network: the server could not be reached; media: the data could not be decoded. */
  code: 'unsupported' | 'offline' | 'forbidden' | 'network' | 'media';
  message: string;
}

const HLS_MIME = 'application/vnd.apple.mpegurl';

/** Media Source Extensions with H.264/AAC in fMP4: what hls.js needs for Onair's streams. */
export function mseSupportsStreams(): boolean {
  const MS =
    (globalThis as { MediaSource?: typeof MediaSource; ManagedMediaSource?: typeof MediaSource }).MediaSource ??
    (globalThis as { ManagedMediaSource?: typeof MediaSource }).ManagedMediaSource;
  return !!MS && typeof MS.isTypeSupported === 'function' && MS.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"');
}

/**
 * Safari (and every iOS browser) plays HLS itself: that is the platform player, with AirPlay, picture in picture
 * and lower battery use, so we use it there. Other browsers use hls.js even when they claim some HLS support
 * (recent Chromium answers "maybe"): hls.js gives live-edge control and error detail the same everywhere.
 */
export function chooseEngine(video: HTMLVideoElement, pref: 'auto' | PlayerEngine = 'auto'): PlayerEngine | null {
  const native = video.canPlayType(HLS_MIME) !== '';
  const mse = mseSupportsStreams();
  if (pref === 'native') return native ? 'native' : mse ? 'hlsjs' : null;
  if (pref === 'hlsjs') return mse ? 'hlsjs' : native ? 'native' : null;
  const apple = typeof navigator !== 'undefined' && /Apple/.test(navigator.vendor);
  if (native && (apple || !mse)) return 'native';
  if (mse) return 'hlsjs';
  return native ? 'native' : null;
}

export function hlsErrorToPlayerError(data: ErrorData): PlayerError | null {
  const status = (data.response as { code?: number } | undefined)?.code;
  if (
    data.details === 'manifestIncompatibleCodecsError' ||
    data.details === 'bufferAddCodecError' ||
    data.details === 'bufferIncompatibleCodecsError'
  ) {
    return { code: 'unsupported', message: "This browser cannot play this stream's video format (H.264 with AAC audio). Try another browser." };
  }
  if (status === 401 || status === 403) return { code: 'forbidden', message: 'This stream is private.' };
  if (status === 404 && (data.details === 'manifestLoadError' || data.details === 'levelLoadError')) {
    return { code: 'offline', message: 'This stream is not on air right now.' };
  }
  return null;
}
