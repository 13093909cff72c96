// Invite links this browser made. The server keeps only a hash of each invite token, so a link can be shown only
// when it is made; the settings page remembers the links it made (by invite id) so "Copy link" works in the list
// later. They are the account's secrets: every sign-out, or another account signing in, forgets them.
import { useSession } from '../../shared/stores/session.js';

const LINKS_KEY = 'onair.inviteLinks';
const MAX_REMEMBERED_LINKS = 100;

export function rememberedLinks(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(LINKS_KEY) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

export function rememberLink(id: number, url: string | null) {
  try {
    const links = rememberedLinks();
    if (url) links[id] = url;
    else delete links[id];
    const kept = Object.entries(links).slice(-MAX_REMEMBERED_LINKS);
    localStorage.setItem(LINKS_KEY, JSON.stringify(Object.fromEntries(kept)));
  } catch {
    /* storage unavailable: links are shown once only */
  }
}

export function forgetInviteLinks() {
  try {
    localStorage.removeItem(LINKS_KEY);
  } catch {
    /* storage unavailable: nothing was kept */
  }
}

useSession.subscribe((now, before) => {
  const otherAccount = !!before.user && !!now.user && before.user.id !== now.user.id;
  if ((now.status === 'signed-out' && before.status !== 'signed-out') || otherAccount) forgetInviteLinks();
});
