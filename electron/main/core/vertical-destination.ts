// Where the Studio's vertical output goes: this Onair channel's vertical rendition (the default: the session's
// server, `vertical` application, the same key), or another RTMP server with its own key (a TikTok or YouTube
// Shorts ingest), as Aitum Vertical's own stream settings do in OBS. The other server's key is a secret: kept
// encrypted like the multistream destinations' keys (a SecretStore of its own, so signing out of Onair keeps it),
// checked by the same rules (server/restream/input.ts), and shown masked, never whole.
import { ValidationError } from '../../../server/db/errors.js';
import { destinationHost, parseDestinationKey, parseDestinationUrl } from '../../../server/restream/input.js';
import { maskKey, type VerticalDestination, type VerticalDestinationChange } from '../../ipc-contract.js';
import type { SecretStore } from './secret-store.js';
import { DestinationError } from './studio-destinations.js';

/** What is kept: the choice, and the other server with its key (kept while `channel` is chosen, to switch back). */
export interface StoredVertical {
  use: 'channel' | 'rtmp';
  rtmp: { url: string; key: string } | null;
}

const DEFAULT: StoredVertical = { use: 'channel', rtmp: null };

/** Checks what came back from disk: anything malformed is dropped (back to the channel), never trusted. */
export function parseStoredVertical(json: string): StoredVertical | null {
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    const r = o.rtmp as Record<string, unknown> | null;
    const rtmp = r ? { url: parseDestinationUrl(r.url, true), key: parseDestinationKey(r.key) } : null;
    if (o.use !== 'channel' && !(o.use === 'rtmp' && rtmp)) return null;
    return { use: o.use, rtmp };
  } catch {
    return null;
  }
}

/** The server's messages say `url` and `key`; the Studio's fields are "Server URL" and "Stream key". */
function words(err: ValidationError, field: 'url' | 'key'): string {
  const m = err.message;
  if (field === 'key') return m.startsWith('key is required') ? 'enter the stream key the service gave you.' : `the stream ${m}`;
  return m.startsWith('url: ') ? m.slice(5) : m.replace(/^url /, 'the server URL ');
}

export class StudioVerticalDestination {
  constructor(private readonly store: SecretStore<StoredVertical>) {}

  view(): VerticalDestination {
    const s = this.stored();
    return { use: s.use, rtmp: s.rtmp && { url: s.rtmp.url, host: destinationHost(s.rtmp.url), keyMasked: maskKey(s.rtmp.key) } };
  }

  /** The other server and its key when it is chosen (Go Live); null: the channel's vertical rendition. */
  target(): { server: string; key: string } | null {
    const s = this.stored();
    return s.use === 'rtmp' && s.rtmp ? { server: s.rtmp.url, key: s.rtmp.key } : null;
  }

  /** What a change would keep; throws a DestinationError in plain words (never quoting the key) when it is wrong. */
  check(change: VerticalDestinationChange): StoredVertical {
    const now = this.stored();
    if (change.use === 'channel') return { use: 'channel', rtmp: now.rtmp };
    let url: string;
    let key: string;
    try {
      url = change.url === undefined && now.rtmp ? now.rtmp.url : parseDestinationUrl(change.url, true);
    } catch (err) {
      if (err instanceof ValidationError) throw new DestinationError(`Vertical destination: ${words(err, 'url')}`);
      throw err;
    }
    // A kept key goes only to the host it was given for: a new host needs its key again, so that whoever may change
    // the URL (the window, a remote control) cannot send a kept key somewhere else.
    const sameHost = !!now.rtmp && destinationHost(now.rtmp.url) === destinationHost(url);
    try {
      key = change.key === undefined && sameHost ? now.rtmp!.key : parseDestinationKey(change.key);
    } catch (err) {
      if (err instanceof ValidationError) throw new DestinationError(`Vertical destination: ${words(err, 'key')}`);
      throw err;
    }
    return { use: 'rtmp', rtmp: { url, key } };
  }

  set(change: VerticalDestinationChange): VerticalDestination {
    this.store.set(this.check(change));
    return this.view();
  }

  private stored(): StoredVertical {
    return this.store.get() ?? DEFAULT;
  }
}
