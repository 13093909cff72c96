// The feeds main opens for the window's layers (electron/source-feed.ts): a phone's screen (phone-feed.ts) or a web
// page rendered offscreen (a WebPageRenderer: Electron's offscreen windows in the app, a Chromium page through CDP in
// the dev bridge and the headless Studio). One handle per open layer source; all of them close with the core.
import type { FeedMessage, FeedRequest } from '../../source-feed.js';
import { openPhoneFeed, type PhoneFeedOptions } from './phone-feed.js';

export interface FeedHandle {
  close(): void;
}

/** Sends one message to the window; false when the channel is backed up (the feed then drops what it can). */
export type FeedSend = (m: FeedMessage) => boolean | void;

export type WebPageRequest = Extract<FeedRequest, { kind: 'web' }>;

/** Renders `req.url` at its size and sends each new picture as one JPEG, with `state` events (electron/source-feed.ts). */
export type WebPageRenderer = (req: WebPageRequest, send: FeedSend) => FeedHandle;

/**
 * A web page feed's sender, for both renderers: each picture, `live` once with the first, and a failure in words.
 * Failed stays failed: pictures still painted after it (an error page) never say `live` again. Nothing after close.
 */
export function pageFeed(send: FeedSend) {
  let closed = false;
  let live = false;
  let failed = false;
  return {
    get closed() {
      return closed;
    },
    starting() {
      send({ type: 'state', state: 'starting' });
    },
    picture(jpeg: Uint8Array) {
      if (closed) return;
      send(jpeg);
      if (live || failed) return;
      live = true;
      send({ type: 'state', state: 'live' });
    },
    fail(reason: string) {
      if (closed || failed) return;
      failed = true;
      send({ type: 'state', state: 'failed', reason });
    },
    close() {
      closed = true;
    },
  };
}

export interface SourceFeedsOptions {
  /** The phone layers' adb (default `adb` on the PATH) and screenrecord restart interval. */
  phone?: PhoneFeedOptions;
  /** Where web page layers are rendered; without one they say so. */
  webPages?: WebPageRenderer;
}

/** Said in a web page layer's place where nothing can render it (a plain browser without the dev bridge's Chromium). */
export const NO_WEB_PAGES = 'Web pages are shown by Onair Studio (the desktop app or the headless Studio).';

export class SourceFeeds {
  private readonly open = new Set<FeedHandle>();

  constructor(private readonly o: SourceFeedsOptions) {}

  /** Opens the feed `req` asks for (checked by the caller: isFeedRequest); the window's channel closing closes it. */
  start(req: FeedRequest, send: FeedSend): FeedHandle {
    const feed = this.feed(req, send);
    this.open.add(feed);
    return {
      close: () => {
        feed.close();
        this.open.delete(feed);
      },
    };
  }

  closeAll(): void {
    for (const f of this.open) f.close();
    this.open.clear();
  }

  private feed(req: FeedRequest, send: FeedSend): FeedHandle {
    if (req.kind === 'phone') return openPhoneFeed(req.serial, send, this.o.phone);
    if (this.o.webPages) return this.o.webPages(req, send);
    send({ type: 'state', state: 'failed', reason: NO_WEB_PAGES });
    return { close() {} };
  }
}
