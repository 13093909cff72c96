// Pure parts of a channel's chat modes: reading a change someone asks for (HTTP or chat), and the words that
// announce the modes in chat and in the moderation log.
import { CHAT_SETTINGS_LIMITS as L, type ChatSettings } from '../api/chat.js';
import { checkTerm } from './blocked-terms.js';

export type SettingsChange = { ok: true; settings: ChatSettings } | { ok: false; message: string };

const FIELDS = ['slowModeSeconds', 'followersOnlyMinutes', 'signedInOnly', 'blockedTerms', 'firstMessageDelayMinutes'] as const;

const wholeOrNull = (v: unknown, min: number, max: number, name: string, what: string): number | null | string => {
  if (v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  return `${name} must be null (off) or a whole number of ${what} from ${min} to ${max}.`;
};

/**
 * `current` with the fields of `patch` applied; fields left out stay. Unknown fields are refused, so a typo does
 * not read as "nothing to change".
 */
export function applySettingsPatch(current: ChatSettings, patch: Record<string, unknown>): SettingsChange {
  const unknown = Object.keys(patch).filter((k) => k !== 'channel' && !(FIELDS as readonly string[]).includes(k));
  if (unknown.length) return { ok: false, message: `Unknown field ${unknown[0]}; chat settings are ${FIELDS.join(', ')}.` };
  const next: ChatSettings = { ...current, blockedTerms: [...current.blockedTerms] };
  const nums = [
    ['slowModeSeconds', L.slowModeMinSeconds, L.slowModeMaxSeconds, 'seconds'],
    ['followersOnlyMinutes', 0, L.followersOnlyMaxMinutes, 'minutes'],
    ['firstMessageDelayMinutes', 1, L.firstMessageDelayMaxMinutes, 'minutes'],
  ] as const;
  for (const [field, min, max, what] of nums) {
    if (patch[field] === undefined) continue;
    const v = wholeOrNull(patch[field], min, max, field, what);
    if (typeof v === 'string') return { ok: false, message: v };
    next[field] = v;
  }
  if (patch.signedInOnly !== undefined) {
    if (typeof patch.signedInOnly !== 'boolean') return { ok: false, message: 'signedInOnly must be true or false.' };
    next.signedInOnly = patch.signedInOnly;
  }
  if (patch.blockedTerms !== undefined) {
    const raw = patch.blockedTerms;
    if (!Array.isArray(raw)) return { ok: false, message: 'blockedTerms must be an array of strings, e.g. ["spoiler*", "bad word"].' };
    if (raw.length > L.maxBlockedTerms) return { ok: false, message: `At most ${L.maxBlockedTerms} blocked terms.` };
    const terms: string[] = [];
    for (const t of raw) {
      const c = checkTerm(t);
      if (!c.ok) return { ok: false, message: c.message };
      if (!terms.includes(c.term)) terms.push(c.term);
    }
    next.blockedTerms = terms;
  }
  return { ok: true, settings: next };
}

const minutes = (n: number) => (n % 1440 === 0 ? `${n / 1440} d` : n % 60 === 0 ? `${n / 60} h` : `${n} min`);

/** The modes that are on, in words ("slow mode 10 s, followers only (10 min)"); "all modes off" when none. */
export function describeModes(
  s: Pick<ChatSettings, 'slowModeSeconds' | 'followersOnlyMinutes' | 'signedInOnly' | 'firstMessageDelayMinutes'> & { blockedTermsCount: number },
): string {
  const on: string[] = [];
  if (s.slowModeSeconds !== null) on.push(`slow mode ${s.slowModeSeconds} s`);
  if (s.followersOnlyMinutes !== null)
    on.push(s.followersOnlyMinutes === 0 ? 'followers only' : `followers only (${minutes(s.followersOnlyMinutes)})`);
  if (s.signedInOnly) on.push('signed-in only');
  if (s.firstMessageDelayMinutes !== null) on.push(`new accounts wait ${minutes(s.firstMessageDelayMinutes)}`);
  if (s.blockedTermsCount > 0) on.push(`${s.blockedTermsCount} blocked term${s.blockedTermsCount === 1 ? '' : 's'}`);
  return on.length ? on.join(', ') : 'all modes off';
}
