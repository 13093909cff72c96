// Folding runs of "is live" / "has ended" lines in the chat list (renderer/shared/chat-fold.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldChat, foldSummary, type ChatRow } from './shared/chat-fold.js';
import type { ChatMessage } from './shared/contracts.js';

let nextId = 1;
const at = (hhmm: string, day = 3) => `2024-03-0${day}T${hhmm}:00.000Z`;
const live = (time: string, day?: number): ChatMessage => ({
  id: nextId++,
  channel: 'alice',
  author: { name: '', kind: 'system' },
  text: 'alice is live',
  at: at(time, day),
  system: 'live',
});
const ended = (time: string, day?: number): ChatMessage => ({ ...live(time, day), text: 'The stream has ended.', system: 'ended' });
const said = (time: string, text: string): ChatMessage => ({
  id: nextId++,
  channel: 'alice',
  author: { name: 'bob', kind: 'user', userId: 2 },
  text,
  at: at(time),
});

/** Rows as short words: "fold:<lives>:<hidden>" or the message text. */
const shape = (rows: ChatRow[]) => rows.map((r) => (r.kind === 'fold' ? `fold:${r.lives}:${r.hidden.length}` : r.message.text));

describe('foldChat', () => {
  it('leaves a single start and end, and messages between runs, as they are', () => {
    const list = [live('14:00'), said('14:01', 'hi'), ended('14:30'), said('14:31', 'bye')];
    assert.deepEqual(shape(foldChat(list)), ['alice is live', 'hi', 'The stream has ended.', 'bye']);
    const pairAndAHalf = [ended('13:00'), live('14:00'), ended('14:30')];
    assert.deepEqual(
      shape(foldChat(pairAndAHalf)),
      ['The stream has ended.', 'alice is live', 'The stream has ended.'],
      'one hidden line is not worth a fold',
    );
  });

  it('folds a run of restarts into one line followed by the latest start and end', () => {
    const run = [live('14:02'), ended('14:10'), live('14:20'), ended('14:40'), live('15:00'), ended('15:10')];
    const rows = foldChat([said('14:00', 'hello'), ...run, said('15:11', 'back?')]);
    assert.deepEqual(shape(rows), ['hello', 'fold:3:4', 'alice is live', 'The stream has ended.', 'back?']);
    const fold = rows[1];
    assert.ok(fold.kind === 'fold');
    assert.equal(fold.key, String(run[0].id));
    assert.deepEqual([fold.from, fold.to], [run[0].at, run[5].at]);
    assert.deepEqual(
      fold.hidden.map((m) => m.id),
      run.slice(0, 4).map((m) => m.id),
    );
  });

  it('while live, the latest line is the start alone', () => {
    const rows = foldChat([live('14:02'), ended('14:10'), live('14:20'), ended('14:40'), live('15:00')]);
    assert.deepEqual(shape(rows), ['fold:3:4', 'alice is live']);
  });

  it('an opened fold shows its earlier lines after it, in order', () => {
    const run = [live('14:02'), ended('14:10'), live('14:20'), ended('14:40')];
    const key = String(run[0].id);
    const rows = foldChat(run, new Set([key]));
    assert.deepEqual(
      rows.map((r) => (r.kind === 'fold' ? 'fold' : r.message.id)),
      ['fold', ...run.map((m) => m.id)],
    );
  });

  it('the fold key stays the same while the run grows', () => {
    const run = [live('14:02'), ended('14:10'), live('14:20'), ended('14:40')];
    const before = foldChat(run)[0];
    const after = foldChat([...run, live('15:00')])[0];
    assert.ok(before.kind === 'fold' && after.kind === 'fold');
    assert.equal(before.key, after.key);
    assert.deepEqual([before.lives, after.lives], [2, 3]);
  });
});

describe('foldSummary', () => {
  const hhmm = (iso: string, withDate: boolean) => (withDate ? iso.slice(5, 16).replace('T', ' ') : iso.slice(11, 16));
  it('says how many times and between which times', () => {
    assert.equal(foldSummary({ lives: 3, from: at('14:02'), to: at('15:10') }, hhmm), 'Live 3 times between 14:02 and 15:10');
    assert.equal(foldSummary({ lives: 1, from: at('14:02'), to: at('15:10') }, hhmm), 'Live once between 14:02 and 15:10');
    assert.equal(foldSummary({ lives: 0, from: at('14:02'), to: at('15:10') }, hhmm), 'Stream notices between 14:02 and 15:10');
  });
  it('names the days when the run spans more than one', () => {
    assert.equal(foldSummary({ lives: 2, from: at('12:00', 3), to: at('12:00', 5) }, hhmm), 'Live 2 times between 03-03 12:00 and 03-05 12:00');
  });
});
