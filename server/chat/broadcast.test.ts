import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage } from '../api/chat.js';
import { sleep } from '../test-support/process.js';
import { RoomBroadcaster } from './broadcast.js';

const msg = (id: number) => ({ id, channel: 'c', text: `m${id}`, at: '', author: { name: 'a', kind: 'user' } }) as unknown as ChatMessage;

test('a quiet room gets a message at once; a burst goes out as one ordered batch per window', async () => {
  const frames: Array<number[]> = [];
  const b = new RoomBroadcaster({ one: (_r, m) => frames.push([m.id]), many: (_r, ms) => frames.push(ms.map((m) => m.id)) }, 40);
  b.send('r', msg(1));
  assert.deepEqual(frames, [[1]], 'first message is not delayed');
  for (let i = 2; i <= 6; i++) b.send('r', msg(i));
  assert.equal(frames.length, 1, 'the burst waits for the window');
  await sleep(80);
  assert.deepEqual(frames, [[1], [2, 3, 4, 5, 6]]);
  await sleep(60);
  b.send('r', msg(7));
  assert.deepEqual(frames[2], [7], 'quiet again: immediate');
});

test('rooms are independent and flushAll sends what waits', () => {
  const frames: string[] = [];
  const b = new RoomBroadcaster(
    { one: (r, m) => frames.push(`${r}:${m.id}`), many: (r, ms) => frames.push(`${r}:${ms.map((m) => m.id).join(',')}`) },
    1000,
  );
  b.send('a', msg(1));
  b.send('b', msg(2));
  b.send('a', msg(3));
  b.send('a', msg(4));
  assert.deepEqual(frames, ['a:1', 'b:2']);
  b.flushAll();
  assert.deepEqual(frames, ['a:1', 'b:2', 'a:3,4']);
});

test('a slow fan-out stretches the room’s window (at most to the maximum); a fast one brings it back', () => {
  let t = 1_000_000;
  let fanoutMs = 0;
  const frames: number[][] = [];
  const slow = (ids: number[]) => {
    frames.push(ids);
    t += fanoutMs;
  };
  const b = new RoomBroadcaster({ one: (_r, m) => slow([m.id]), many: (_r, ms) => slow(ms.map((m) => m.id)) }, 100, () => t, 200);
  fanoutMs = 70;
  b.send('r', msg(1));
  assert.equal(b.windowOf('r'), 140, 'twice the 70 ms fan-out');
  fanoutMs = 500;
  t += 200;
  b.send('r', msg(2));
  assert.equal(b.windowOf('r'), 200, 'capped');
  fanoutMs = 10;
  t += 300;
  b.send('r', msg(3));
  assert.equal(b.windowOf('r'), 100, 'never below the base window');
  assert.deepEqual(frames, [[1], [2], [3]]);
});
