// Sources from capture devices: the screen (getDisplayMedia) and a camera or capture card (getUserMedia with its
// deviceId). Video only: sound goes through the mixer (engine/audio). Each picture the track gives is converted to
// RGB once (MediaStreamTrackProcessor's VideoFrames into a FrameCanvas), however many layers and canvases draw it;
// where the processor is missing, the stream plays in a muted <video> the compositor draws from. Closing stops the
// tracks, so the camera light goes off.
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
        status = { state: 'failed', reason: err.name === 'NotAllowedError' ? `${what}: permission refused` : `${what} not available` };
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
 * `pickerNeedsClick`: in a browser, getDisplayMedia shows a picker that blocks the page, and wants a click: the source
 * then waits for the user's "Share screen" (`start`). The desktop app's main answers without a picker.
 */
export function screenSource(pickerNeedsClick: boolean): Drawable {
  return mediaSource(
    () => {
      if (!navigator.mediaDevices?.getDisplayMedia) return Promise.reject(new Error('no screen capture here'));
      return navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 30 } }, audio: false });
    },
    'Screen capture',
    pickerNeedsClick ? 'Screen: press Share screen in Layers' : null,
  );
}
