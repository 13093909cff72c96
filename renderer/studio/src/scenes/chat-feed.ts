// The chat overlay layers' lines: people's messages as the Studio's chat panel (the Audience panel's Chat) shows
// them. The panel keeps that list (the history on joining, new messages alone or batched, less deleted messages and
// those of people hidden by a moderator), so what a moderator removes leaves the stream's overlay at once, and an
// overlay added mid-stream starts with the recent lines rather than empty.
import type { ChatLine } from '../../engine/sources/chat.js';
import type { ChatMessage } from '../../../shared/contracts.js';

const KEEP = 50;
let lines: readonly ChatLine[] = [];

/** The panel's list changed (or [] when it closed). */
export function showChatMessages(messages: readonly ChatMessage[]): void {
  // A new array per change: the overlay redraws when the array changes.
  lines = messages
    .filter((m) => m.author.kind !== 'system')
    .slice(-KEEP)
    .map((m) => ({ author: m.author.name, text: m.text }));
}

export function chatLines(): readonly ChatLine[] {
  return lines;
}
