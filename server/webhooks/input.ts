// What a channel owner may give as a webhook, checked once here (the routes answer 400 with these messages): the URL
// (http or https, with a host), the body format and the events. And how a webhook URL is shown: masked in API
// answers, its origin alone in logs. A Discord webhook URL carries its token in the path, so no message here
// ever quotes a URL.
import { WEBHOOK_LIMITS, type WebhookEvent, type WebhookFormat } from '../api/types.js';
import { ValidationError } from '../db/errors.js';
import { isPrivateHost } from './addresses.js';

const FORMATS: readonly WebhookFormat[] = ['json', 'discord'];
const EVENTS: readonly WebhookEvent[] = ['live', 'ended'];

const invalid = (message: string) => new ValidationError('invalid_webhook', message);

/**
 * The URL a webhook posts to, normalised (fragment dropped). `allowPrivate` (ONAIR_WEBHOOKS_ALLOW_PRIVATE) lets it
 * name this machine or a private network; names that resolve there are refused again at delivery.
 */
export function parseWebhookUrl(raw: unknown, allowPrivate: boolean): string {
  if (typeof raw !== 'string' || raw.trim() === '')
    throw invalid('url must be an http:// or https:// address, e.g. https://example.com/hooks/onair.');
  const text = raw.trim();
  if (text.length > WEBHOOK_LIMITS.maxUrlChars) throw invalid(`url must be at most ${WEBHOOK_LIMITS.maxUrlChars} characters.`);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw invalid('url is not a valid web address: it should look like https://example.com/hooks/onair.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('Only http:// and https:// webhook addresses are supported.');
  if (!u.hostname) throw invalid('url needs a host name.');
  if (!allowPrivate && isPrivateHost(u.hostname)) {
    throw invalid(
      'Webhooks may not point at this server or a private network address (the operator can allow it with ONAIR_WEBHOOKS_ALLOW_PRIVATE).',
    );
  }
  u.hash = '';
  return u.toString();
}

export function parseWebhookFormat(raw: unknown): WebhookFormat {
  if (typeof raw === 'string' && (FORMATS as readonly string[]).includes(raw)) return raw as WebhookFormat;
  throw invalid(`format must be one of ${FORMATS.map((f) => `"${f}"`).join(', ')}.`);
}

/** One or more of 'live' and 'ended', duplicates removed, in that order. */
export function parseWebhookEvents(raw: unknown): WebhookEvent[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 10 || raw.some((e) => !(EVENTS as readonly unknown[]).includes(e))) {
    throw invalid(`events must be a list of one or both of ${EVENTS.map((e) => `"${e}"`).join(', ')}.`);
  }
  return EVENTS.filter((e) => raw.includes(e));
}

/** A URL shown to its owner: scheme, host and port, then "/…" and the last 4 characters of a long enough rest. */
export function maskWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    const rest = (u.pathname + u.search).replace(/^\//, '');
    const origin = `${u.protocol}//${u.host}`;
    if (rest === '') return `${origin}/`;
    return rest.length >= 12 ? `${origin}/…${rest.slice(-4)}` : `${origin}/…`;
  } catch {
    return '(invalid address)';
  }
}

/** What logs may say about where a webhook goes: its scheme, host and port. */
export function webhookTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid address)';
  }
}
