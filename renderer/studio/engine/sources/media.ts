// Sources from capture devices: the screen (getDisplayMedia) and a camera or capture card (getUserMedia with its
// deviceId). Video only: sound goes through the mixer (engine/audio). Each picture the track gives is converted to
// RGB once (MediaStreamTrackProcessor's VideoFrames into a FrameCanvas), however many layers and canvases draw it;
// where the processor is missing, the stream plays in a muted <video> the compositor draws from. Closing stops the
// tracks, so the camera light goes off.
import type { CaptureTarget } from '../../../../electron/ipc-contract.js';
import { drawCropped, drawUnavailable, type Drawable, type SourceStatus } from './drawable.js';
import { FrameCanvas } from './frame-canvas.js';

/** Chromium's (and so Electron's) reader of a video track's frames, on the window. */
type TrackProcessor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };
const TrackProcessor = (globalThis as { MediaStreamTrackProcessor?: TrackProcessor }).MediaStreamTrackProcessor;

/** Converts each frame of `track` into `frames` until it ends or `stopped()`; a picture still converting drops the next. */
async function readFrames(track: MediaStreamTrack, frames: FrameCanvas, stopped: () => boolean): Promise<void> {
  const reader = new TrackProcessor!({ track, maxBufferSize: 1 }).readable.getReader();
  try {
    // Bounded by the track: it ends when the capture stops or close() stops it.
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (stopped()) return value.close();
      void frames.put(value);
    }
  } finally {
    void reader.cancel().catch(() => {});
  }
}

function mediaSource(open: () => Promise<MediaStream>, what: string, waitFor: string | null): Drawable {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  let status: SourceStatus = waitFor ? { state: 'waiting', reason: waitFor } : { state: 'opening' };
  let stream: MediaStream | null = null;
  let closed = false;
  const frames = TrackProcessor ? new FrameCanvas() : null;
  const begin = () => {
    status = { state: 'opening' };
    open().then(
      async (s) => {
        if (closed) return s.getTracks().forEach((t) => t.stop());
        stream = s;
        const track = s.getVideoTracks()[0];
        if (frames && track) {
          void readFrames(track, frames, () => closed);
          status = { state: 'ready' };
        } else {
          video.srcObject = s;
          try {
            await video.play();
            status = { state: 'ready' };
          } catch (err) {
            status = { state: 'failed', reason: `${what} could not play: ${(err as Error).message}` };
          }
        }
        // The user ended the capture from the browser's or system's own "stop sharing".
        for (const t of s.getVideoTracks()) t.addEventListener('ended', () => (status = { state: 'failed', reason: `${what} stopped` }));
      },
      (err: Error) => {
        status = { state: 'failed', reason: err.name === 'NotAllowedError' ? `${what}: permission refused or not open` : `${what} not available` };
      },
    );
  };
  const start = () => {
    if (!closed && (status.state === 'waiting' || status.state === 'failed')) begin();
  };
  if (!waitFor) begin();
  return {
    get status() {
      return status;
    },
    start,
    draw(ctx, crop, dst) {
      if (status.state === 'failed' || status.state === 'waiting') drawUnavailable(ctx, status.reason, dst);
      else if (frames) frames.draw(ctx, crop, dst);
      else if (video.readyState >= 2) drawCropped(ctx, video, video.videoWidth, video.videoHeight, crop, dst);
    },
    close() {
      closed = true;
      stream?.getTracks().forEach((t) => t.stop());
      video.srcObject = null;
      frames?.clear();
    },
  };
}

export function cameraSource(deviceId: string | undefined): Drawable {
  const constraints: MediaStreamConstraints = {
    video: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
    audio: false,
  };
  return mediaSource(() => navigator.mediaDevices.getUserMedia(constraints), 'Camera', null);
}

/**
 * Asks main to have the next getDisplayMedia capture `target` (the desktop app's picker; null: the first screen).
 * Screen layers open one after another, so each getDisplayMedia gets the target its own layer asked for.
 */
export type ChooseCaptureTarget = (target: CaptureTarget | null) => Promise<void>;
let screenOpens: Promise<unknown> = Promise.resolve();

/**
 * `pickerNeedsClick`: in a browser, getDisplayMedia shows a picker that blocks the page, and wants a click: the source
 * then waits for the user's "Share screen" (`start`). The desktop app's main answers without a picker, with the screen
 * or window the layer chose in the Studio's own picker (`target`, told to main through `choose` first).
 */
export function screenSource(pickerNeedsClick: boolean, target?: CaptureTarget, choose?: ChooseCaptureTarget): Drawable {
  const what = target ? `${target.type === 'window' ? 'Window' : 'Screen'} "${target.name}"` : 'Screen capture';
  const open = async () => {
    if (!navigator.mediaDevices?.getDisplayMedia) throw new Error('no screen capture here');
    await choose?.(target ?? null);
    return navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 30 } }, audio: false });
  };
  return mediaSource(
    () => {
      const opened = screenOpens.then(open);
      screenOpens = opened.catch(() => {});
      return opened;
    },
    what,
    pickerNeedsClick ? 'Screen: press Share screen in Layers' : null,
  );
}
