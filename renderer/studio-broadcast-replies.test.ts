// The Studio window's rule for main's broadcast state heard twice: an event heard while a call was on its way is
// newer than that call's reply (CI: the window said "Connecting…" for 30 s of a stream main had live).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BroadcastState } from '../electron/ipc-contract.js';
import { BroadcastReplies } from './studio/src/broadcast-replies.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test("a 'live' event heard before the reply that read 'connecting' stays: the reply is not applied", async () => {
  const replies = new BroadcastReplies();
  const shown: BroadcastState[] = [];
  const reply = deferred<{ state: BroadcastState }>();
  const call = replies.read(
    () => reply.promise,
    (s) => shown.push(s),
  );
  // The event, sent after main read 'connecting', comes first.
  replies.heardEvent();
  shown.push({ kind: 'live', since: 1 });
  reply.resolve({ state: { kind: 'connecting', attempt: 1 } });
  assert.deepEqual(await call, { state: { kind: 'connecting', attempt: 1 } });
  assert.deepEqual(shown, [{ kind: 'live', since: 1 }]);
});

test('a reply with no event meanwhile is applied, and events before the call do not hold back its reply', async () => {
  const replies = new BroadcastReplies();
  replies.heardEvent();
  const shown: BroadcastState[] = [];
  await replies.read(
    async () => ({ state: { kind: 'ended' } as BroadcastState }),
    (s) => shown.push(s),
  );
  assert.deepEqual(shown, [{ kind: 'ended' }]);
});

test('a failed call applies nothing and rejects', async () => {
  const replies = new BroadcastReplies();
  const shown: BroadcastState[] = [];
  await assert.rejects(
    replies.read(
      () => Promise.reject(new Error('no bridge')),
      (s) => shown.push(s),
    ),
    /no bridge/,
  );
  assert.deepEqual(shown, []);
});
