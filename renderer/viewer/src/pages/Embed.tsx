// /embed/<channel>: the player alone for an iframe on another site; ?chat=1 adds the chat.
import { useEffect } from 'react';
import { Chat } from '../../../shared/Chat.js';
import type { SystemEvent } from '../../../shared/contracts.js';
import { useLocation } from '../router.js';
import { Stage, useChannel } from './Stage.js';

export function Embed({ channel: name }: { channel: string }) {
  const { query } = useLocation();
  const withChat = query.get('chat') === '1';
  const { channel, problem, refresh } = useChannel(name);
  const watchUrl = `/c/${encodeURIComponent(name)}`;
  useEffect(() => {
    document.body.classList.add('embedded');
    return () => document.body.classList.remove('embedded');
  }, []);
  const onSystem = (e: SystemEvent) => {
    if (e.kind === 'live' || e.kind === 'ended') refresh();
  };
  return (
    <div className={`embed${withChat ? ' embed--chat' : ''}`}>
      <div className="embed__stage">
        <Stage name={name} channel={channel} problem={problem} refresh={refresh} signInHref={watchUrl} />
        <a className="embed__brand" href={watchUrl} target="_blank" rel="noopener">
          Watch on Onair ↗
        </a>
      </div>
      {withChat && channel && (
        <div className="embed__chat">
          <Chat
            channel={channel.name}
            onSystem={onSystem}
            signInHint={
              <a href={watchUrl} target="_blank" rel="noopener">
                Open the channel to chat ↗
              </a>
            }
          />
        </div>
      )}
    </div>
  );
}
