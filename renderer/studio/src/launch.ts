// How this window was opened. The desktop app and a developer's browser open the Studio plain; the headless Studio
// (scripts/studio-headless.ts) opens it with options in the query, for a window nobody looks at or clicks in:
//   encode=engine|pipeline   what Go Live starts with (the Settings' "Encode with"; default pipeline)
//   screen=direct            the screen source opens without waiting for a "Share screen" click (Chromium's fake
//                            screen has no picker to answer, and there is nobody to click)
import { BROADCAST_MODES, type BroadcastMode } from '../../../electron/ipc-contract.js';

export interface LaunchOptions {
  mode: BroadcastMode | null;
  screenDirect: boolean;
}

/** The options in `search` (location.search); anything unknown is ignored. Pure. */
export function launchOptions(search: string): LaunchOptions {
  const q = new URLSearchParams(search);
  const encode = q.get('encode');
  return {
    mode: (BROADCAST_MODES as readonly string[]).includes(encode ?? '') ? (encode as BroadcastMode) : null,
    screenDirect: q.get('screen') === 'direct',
  };
}

export const launch: LaunchOptions = launchOptions(typeof location === 'undefined' ? '' : location.search);
