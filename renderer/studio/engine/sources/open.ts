// Opens a source of any kind in the page. Phones and web pages come through a feed main opens (source-feed.ts).
import type { SourceSettings } from '../scene/model.js';
import { chatSource, type ChatLine } from './chat.js';
import type { Drawable } from './drawable.js';
import { cameraSource, screenSource, type ChooseCaptureTarget } from './media.js';
import { phoneSource } from './phone.js';
import type { FeedOpener } from './source-feed.js';
import type { OpenSource } from './registry.js';
import { colorSource, imageSource, textSource } from './still.js';
import { webPageSource } from './web-page.js';

export interface BrowserSourceOptions {
  /** The recent chat lines for chat overlay layers. */
  chatLines: () => readonly ChatLine[];
  /** Screen capture waits for a click (a browser's picker); false where the host answers without one (Electron). */
  screenPickerNeedsClick: boolean;
  /** Tells main which screen or window the next screen layer captures (the desktop app's picker). */
  chooseCaptureTarget?: ChooseCaptureTarget;
  /** How a phone or web page layer reaches its feed in main (sourceFeedOpener); without it such a layer says why not. */
  openFeed?: FeedOpener;
}

export function browserSources(o: BrowserSourceOptions): OpenSource {
  return (s: SourceSettings): Drawable => {
    switch (s.kind) {
      case 'color':
        return colorSource(s.color);
      case 'image':
        return imageSource(s.url);
      case 'text':
        return textSource(s.text, s.color, s.size);
      case 'screen':
        return screenSource(o.screenPickerNeedsClick, s.target, o.chooseCaptureTarget);
      case 'camera':
        return cameraSource(s.deviceId);
      case 'chat':
        return chatSource(o.chatLines, s.lines);
      case 'phone':
        return phoneSource(s.serial, o.openFeed ?? noFeed('A phone needs Onair Studio (or its dev bridge).'));
      case 'web':
        return webPageSource(s.url, s.width, s.height, o.openFeed ?? noFeed('A web page needs Onair Studio (or its dev bridge).'));
    }
  };
}

const noFeed =
  (reason: string): FeedOpener =>
  (_r, _m, end) => (end(reason), () => {});
