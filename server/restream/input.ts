// What a channel owner may give as a restream destination, checked once here (the routes answer 400 with these
// messages): a name, an rtmp:// or rtmps:// ingest address with its application path, a stream key, enabled. No
// message ever quotes the key. And how a destination is named to the operator: its host alone.
import { DESTINATION_LIMITS } from '../api/types.js';
import { ValidationError } from '../db/errors.js';
import { parseRtmpUrl } from '../rtmp/client.js';
import { isPrivateHost } from '../webhooks/addresses.js';

const invalid = (message: string) => new ValidationError('invalid_destination', message);

export function parseDestinationName(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid('name is required, e.g. "Twitch".');
  const name = raw.trim().replace(/\s+/g, ' ');
  if (name.length > DESTINATION_LIMITS.maxNameChars) throw invalid(`name must be at most ${DESTINATION_LIMITS.maxNameChars} characters.`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid('name may not contain control characters.');
  return name;
}

/** The ingest address, normalised; `allowPrivate` (ONAIR_RESTREAM_ALLOW_PRIVATE) lets it name a private network. */
export function parseDestinationUrl(raw: unknown, allowPrivate: boolean): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid('url must be an rtmp:// or rtmps:// address, e.g. rtmp://live.twitch.tv/app.');
  const text = raw.trim();
  if (text.length > DESTINATION_LIMITS.maxUrlChars) throw invalid(`url must be at most ${DESTINATION_LIMITS.maxUrlChars} characters.`);
  let host: string;
  try {
    host = parseRtmpUrl(text).host;
  } catch (err) {
    throw invalid(`url: ${(err as Error).message}`);
  }
  if (!allowPrivate && isPrivateHost(host)) {
    throw invalid(
      'Destinations may not point at this server or a private network address (the operator can allow it with ONAIR_RESTREAM_ALLOW_PRIVATE).',
    );
  }
  return text;
}

export function parseDestinationKey(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid("key is required: the destination's stream key.");
  const key = raw.trim();
  if (key.length > DESTINATION_LIMITS.maxKeyChars) throw invalid(`key must be at most ${DESTINATION_LIMITS.maxKeyChars} characters.`);
  if (/[\s\u0000-\u001f\u007f]/.test(key)) throw invalid('key may not contain spaces or control characters.');
  return key;
}

export function parseEnabled(raw: unknown): boolean {
  if (typeof raw !== 'boolean') throw invalid('enabled must be true or false.');
  return raw;
}

/** The destination's host (and port when given), for the operator's stats and logs. */
export function destinationHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
