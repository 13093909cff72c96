// Opens a source of any kind in the page. Web page sources (Electron's offscreen rendering) are not built yet: see
// engine/README.md.
import type { SourceSettings } from '../scene/model.js';
import { chatSource, type ChatLine } from './chat.js';
import type { Drawable } from './drawable.js';
import { cameraSource, screenSource } from './media.js';
import type { PhoneFeedOpener } from './phone-feed.js';
import { phoneSource } from './phone.js';
import type { OpenSource } from './registry.js';
import { colorSource, imageSource, textSource } from './still.js';

export interface BrowserSourceOptions {
  /** The recent chat lines for chat overlay layers. */
  chatLines: () => readonly ChatLine[];
  /** Screen capture waits for a click (a browser's picker); false where the host answers without one (Electron). */
  screenPickerNeedsClick: boolean;
  /** How a phone layer reaches main's phone feed (phoneFeedOpener); without it a phone layer says it is unavailable. */
  openPhone?: PhoneFeedOpener;
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
        return screenSource(o.screenPickerNeedsClick);
      case 'camera':
        return cameraSource(s.deviceId);
      case 'chat':
        return chatSource(o.chatLines, s.lines);
      case 'phone':
        return phoneSource(s.serial, o.openPhone ?? ((_s, _m, end) => (end('A phone needs Onair Studio (or its dev bridge).'), () => {})));
    }
  };
}
