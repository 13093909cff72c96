// keepAwake against stand-ins for Electron's powerSaveBlocker and a window's webContents (Electron cannot run here):
// what it asks of them as a stream or a recording starts and ends. Which states count as busy is StudioLive.busy's
// (studio-record-alone.test.ts drives it with real threads); the tray's words are trayLine's (state-line.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PowerSaveBlocker, WebContents } from 'electron';
import { keepAwake } from './keep-awake.js';

function standIns() {
  const calls: string[] = [];
  let next = 7;
  const blocker = {
    start: (type: string) => {
      calls.push(`start ${type}`);
      return next++;
    },
    stop: (id: number) => void calls.push(`stop ${id}`),
  } as unknown as PowerSaveBlocker;
  let destroyed = false;
  const contents = {
    isDestroyed: () => destroyed,
    setBackgroundThrottling: (on: boolean) => void calls.push(`throttling ${on}`),
  } as unknown as WebContents;
  return { calls, blocker, contents, destroy: () => (destroyed = true) };
}

test('busy blocks app suspension once and unthrottles the window; not busy undoes both; each told again is harmless', () => {
  const { calls, blocker, contents } = standIns();
  const awake = keepAwake(blocker);
  awake(true, contents); // a recording alone starts
  awake(true, contents); // a stream joins it: still one blocker
  awake(false, contents); // both over
  awake(false, contents);
  awake(true, contents); // the next one gets a blocker of its own
  assert.deepEqual(calls, [
    'start prevent-app-suspension',
    'throttling false',
    'throttling false',
    'stop 7',
    'throttling true',
    'throttling true',
    'start prevent-app-suspension',
    'throttling false',
  ]);
});

test('with no window, or a window closed, the blocker alone is kept', () => {
  const { calls, blocker, contents, destroy } = standIns();
  const awake = keepAwake(blocker);
  awake(true, null);
  destroy();
  awake(false, contents);
  assert.deepEqual(calls, ['start prevent-app-suspension', 'stop 7']);
});
