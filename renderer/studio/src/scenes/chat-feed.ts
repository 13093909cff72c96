// The recent chat lines for chat overlay layers, from the Studio's chat socket (the one the Audience panel joins).
import type { ChatLine } from '../../engine/sources/chat.js';
import type { ChatMessage } from '../../../shared/contracts.js';
import { onChatSocketChange, type ChatSocket } from '../../../shared/chat-socket.js';

const KEEP = 50;
let lines: readonly ChatLine[] = [];
let attached: ChatSocket | null = null;

function attach(s: ChatSocket) {
  attached?.off('message', onMessage);
  attached = s;
  s.on('message', onMessage);
}

function onMessage(m: ChatMessage) {
  // A new array per message: the overlay redraws when the array changes.
  lines = [...lines, { author: m.author.name, text: m.text }].slice(-KEEP);
}

onChatSocketChange(attach);

export function chatLines(): readonly ChatLine[] {
  return lines;
}
