// The menu a moderator opens on a message's author: delete the message, time out, ban (optionally hiding the
// author's messages), and for the channel owner, appoint or remove the author as a moderator.
import type { ChatSocket } from './chat-socket.js';
import type { ChatAck, ChatMessage, JoinResult } from './contracts.js';

const ACK_TIMEOUT_MS = 8000;
const TIMEOUT_SECONDS = 300;

export interface ChatUserMenuProps {
  socket: ChatSocket;
  channel: string;
  message: ChatMessage;
  you: JoinResult['you'];
  /** Called once the server answered: what to tell the moderator, and whether it failed. */
  onDone(said: string, failed: boolean): void;
}

export function ChatUserMenu({ socket, channel, message: m, you, onDone }: ChatUserMenuProps) {
  const who = m.author.name;
  const answer = (ok: (affected: number) => string) => (err: Error | null, ack: ChatAck<{ affected: number }>) => {
    if (err) onDone('Chat did not answer.', true);
    else if (!ack.ok) onDone(ack.error.message, true);
    else onDone(ok(ack.affected), false);
  };
  const s = () => socket.timeout(ACK_TIMEOUT_MS);
  const target = { messageId: m.id };
  const userId = m.author.kind === 'user' ? m.author.userId : undefined;
  return (
    <span className="chat__menu" role="menu" aria-label={`Moderate ${who}`}>
      <button
        type="button"
        role="menuitem"
        onClick={() =>
          s().emit(
            'delete',
            { channel, messageId: m.id },
            answer(() => 'Message deleted.'),
          )
        }
      >
        Delete message
      </button>
      <button
        type="button"
        role="menuitem"
        onClick={() =>
          s().emit(
            'timeout',
            { channel, target, seconds: TIMEOUT_SECONDS },
            answer(() => `${who} is timed out for 5 minutes.`),
          )
        }
      >
        Time out 5 min
      </button>
      <button
        type="button"
        role="menuitem"
        onClick={() =>
          s().emit(
            'ban',
            { channel, target },
            answer(() => `${who} is banned.`),
          )
        }
      >
        Ban
      </button>
      <button
        type="button"
        role="menuitem"
        onClick={() =>
          s().emit(
            'ban',
            { channel, target, hideMessages: true },
            answer(() => `${who} is banned and their messages are hidden.`),
          )
        }
      >
        Ban and hide messages
      </button>
      {you.role === 'owner' && userId !== undefined && (
        <>
          <button
            type="button"
            role="menuitem"
            onClick={() =>
              s().emit(
                'addModerator',
                { channel, userId },
                answer((n) => (n ? `${who} is now a moderator.` : `${who} was a moderator already.`)),
              )
            }
          >
            Make moderator
          </button>
          <button
            type="button"
            role="menuitem"
            onClick={() =>
              s().emit(
                'removeModerator',
                { channel, userId },
                answer((n) => (n ? `${who} is no longer a moderator.` : `${who} was not a moderator.`)),
              )
            }
          >
            Remove moderator
          </button>
        </>
      )}
    </span>
  );
}
