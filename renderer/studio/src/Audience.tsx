// The audience beside the picture: the viewer count, the channel's chat (main adds the bearer to the chat socket;
// this window never holds the token) and "Copy invite link", which copies the Studio's one invite (made on the first
// copy, a week and 50 uses, then the same link again while it is valid) and says what it is.
import { useEffect, useState } from 'react';
import { Chat } from '../../shared/Chat.js';
import { reconnectChat } from '../../shared/chat-socket.js';
import { LoopbackLinkNote } from '../../shared/LoopbackLinkNote.js';
import type { StudioInvite } from '../../../electron/ipc-contract.js';
import { call } from './onair.js';
import { showChatMessages } from './scenes/chat-feed.js';

/** "valid until 21 Jan 2026, 18:00 · 3 of 50 uses", in the reader's locale. */
export function inviteTerms(inv: StudioInvite): string {
  const until = inv.expiresAt
    ? `valid until ${new Date(inv.expiresAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`
    : 'no expiry';
  const uses = inv.maxUses !== null ? `${inv.uses} of ${inv.maxUses} uses` : `${inv.uses} uses, no limit`;
  return `${until} · ${uses}`;
}

export function Audience() {
  const [endpoint, setEndpoint] = useState<{ channel: string; viewerUrl: string } | null>(null);
  const [viewers, setViewers] = useState(0);
  const [invite, setInvite] = useState<{ link: StudioInvite; copied: boolean } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    call('chat:endpoint', {}).then(
      (ep) => {
        if (stop) return;
        reconnectChat({ baseUrl: ep.baseUrl });
        setEndpoint(ep);
      },
      (e: Error) => setErr(e.message),
    );
    return () => {
      stop = true;
      showChatMessages([]);
    };
  }, []);
  const copyInvite = async () => {
    setErr(null);
    try {
      const link = await call('invite:link', {});
      const copied = await (navigator.clipboard?.writeText(link.url).then(() => true) ?? Promise.resolve(false)).catch(() => false);
      setInvite({ link, copied });
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <div className="audience">
      <div className="audience__bar">
        <span data-testid="viewers">
          {viewers} {viewers === 1 ? 'viewer' : 'viewers'}
        </span>
        <button type="button" onClick={() => void copyInvite()}>
          Copy invite link
        </button>
      </div>
      {invite && (
        <div className="small invite" data-testid="invite" data-reused={invite.link.reused}>
          <p className="invite__status" role="status">
            {invite.copied ? 'Invite link copied' : 'Invite link (copy it from here)'}: {inviteTerms(invite.link)}.{' '}
            {invite.link.reused ? 'The same link as before.' : 'A new link.'}
          </p>
          <code data-testid="invite-url">{invite.link.url}</code>
          <LoopbackLinkNote
            url={invite.link.url}
            className="studio__warning"
            fix="sign in with this computer's network address as the Server (the Onair server prints it when it starts)"
          />
        </div>
      )}
      {endpoint && (
        <p className="small muted">
          Your channel: <code>{endpoint.viewerUrl}</code>
        </p>
      )}
      {err && <p className="studio__error">{err}</p>}
      {endpoint && <Chat channel={endpoint.channel} onViewers={setViewers} onMessages={showChatMessages} className="studio__chat" />}
    </div>
  );
}
