// A web page as a layer (OBS's browser source): main renders it offscreen at its size (Electron's offscreen window in
// the app, a Chromium page in the dev bridge) and sends each new picture as one JPEG (electron/source-feed.ts); here
// the newest one is decoded to an ImageBitmap and drawn. A page only paints when it changes, so a still page costs
// nothing after its first picture.
import type { FeedMessage } from '../../../../electron/source-feed.js';
import { drawCropped, drawUnavailable, type Drawable, type SourceStatus } from './drawable.js';
import type { FeedOpener } from './source-feed.js';

export function webPageSource(url: string, width: number, height: number, open: FeedOpener): Drawable {
  let status: SourceStatus = { state: 'opening' };
  let closed = false;
  let picture: ImageBitmap | null = null;
  /** One decode at a time; a picture arriving meanwhile waits, replaced by any newer one (only the newest matters). */
  let decoding = false;
  let next: Uint8Array | null = null;

  const decode = (jpeg: Uint8Array) => {
    decoding = true;
    createImageBitmap(new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }))
      .then(
        (bitmap) => {
          if (closed) return bitmap.close();
          picture?.close();
          picture = bitmap;
          if (status.state !== 'failed') status = { state: 'ready' };
        },
        () => {}, // A picture that does not decode is skipped: the next one replaces it.
      )
      .finally(() => {
        decoding = false;
        const n = next;
        next = null;
        if (n && !closed) decode(n);
      });
  };

  const onMessage = (m: FeedMessage) => {
    if (closed) return;
    if (m instanceof Uint8Array) {
      if (decoding) next = m;
      else decode(m);
      return;
    }
    if (m.type !== 'state') return;
    if (m.state === 'failed') status = { state: 'failed', reason: m.reason ?? 'The web page could not be shown.' };
    else if (m.state === 'reconnecting') status = { state: 'failed', reason: `${m.reason ?? 'The web page went away.'} Trying again…` };
    else if (m.state === 'live' && picture) status = { state: 'ready' };
  };

  const stop = open({ kind: 'web', url, width, height }, onMessage, (reason) => (status = { state: 'failed', reason }));
  return {
    get status() {
      return status;
    },
    draw(ctx, crop, dst) {
      if (status.state === 'failed') drawUnavailable(ctx, status.reason, dst);
      else if (picture) drawCropped(ctx, picture, picture.width, picture.height, crop, dst);
    },
    close() {
      closed = true;
      stop();
      picture?.close();
      picture = null;
    },
  };
}
