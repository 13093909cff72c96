// A chat's modes as the input box shows them ("Slow mode: 10 s", "Followers only", …).
import type { PublicChatSettings } from './contracts.js';

const minutes = (n: number) => (n % 1440 === 0 ? `${n / 1440} d` : n % 60 === 0 ? `${n / 60} h` : `${n} min`);

export function chatModeLabels(s: PublicChatSettings | null | undefined): string[] {
  if (!s) return [];
  const out: string[] = [];
  if (s.slowModeSeconds !== null) out.push(`Slow mode: ${s.slowModeSeconds} s`);
  if (s.followersOnlyMinutes !== null)
    out.push(s.followersOnlyMinutes === 0 ? 'Followers only' : `Followers only (${minutes(s.followersOnlyMinutes)})`);
  if (s.signedInOnly) out.push('Signed-in only');
  if (s.firstMessageDelayMinutes !== null) out.push(`New accounts wait ${minutes(s.firstMessageDelayMinutes)}`);
  return out;
}
