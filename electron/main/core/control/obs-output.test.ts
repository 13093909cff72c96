// StartStream, StopStream and ToggleStream as OBS answers them, against a window that takes its time: the answer at
// once, StreamStateChanged from STARTING to STARTED or STOPPED and from STOPPING to STOPPED, 500 while starting, live
// or stopping.
// The window and main's broadcast are played here; obs-websocket.test.ts and renderer/studio-engine-control.browser
// .test.ts drive the real ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BroadcastState } from '../../../broadcast/types.js';
import type { OutputFigures } from '../studio-live.js';
import { ObsOutput, OutputState, outputStateFor } from './obs-output.js';
import { RequestStatus, type RequestResult } from './obs-protocol.js';

function harness(o: { signedIn?: boolean } = {}) {
  let state: BroadcastState = { kind: 'idle' };
  let active = false;
  const events: string[] = [];
  const asked: { type: string; timeoutMs?: number; answer(r: RequestResult): void }[] = [];
  const out = new ObsOutput({
    status: () => ({ state, health: null, vertical: null, recording: null }),
    output: () => ({ active }) as OutputFigures,
    service: () => (o.signedIn === false ? null : { server: 'rtmp://h/live', key: 'k' }),
    forward: (type, _data, timeoutMs) => new Promise((answer) => asked.push({ type, timeoutMs, answer })),
    emit: (d) => events.push(`${d.outputState.replace('OBS_WEBSOCKET_OUTPUT_', '')}${d.outputActive ? '+' : ''}`),
  });
  /** Main's broadcast moves, as StudioLive tells the control. */
  const move = (s: BroadcastState, isActive = s.kind === 'live' || (active && s.kind !== 'ended' && s.kind !== 'failed')) => {
    state = s;
    active = isActive;
    out.broadcastState(s, active);
  };
  return { out, events, asked, move };
}

const flush = () => new Promise((r) => setImmediate(r));

test("StartStream: success at once, STARTING; the window starts main's broadcast: STARTED; a second StartStream 500", async () => {
  const h = harness();
  assert.equal(h.out.start().code, RequestStatus.Success);
  assert.deepEqual(h.events, ['STARTING']);
  assert.equal(h.asked[0]?.type, 'StartStream');
  assert.ok(h.asked[0]!.timeoutMs! >= 30_000, 'the window gets long enough to start its encoder');
  assert.equal(h.out.start().code, RequestStatus.OutputRunning, 'while starting');
  h.move({ kind: 'connecting', attempt: 1 });
  h.move({ kind: 'live', since: 1 });
  assert.equal(h.out.start().code, RequestStatus.OutputRunning, 'while live');
  h.asked[0]!.answer({ code: RequestStatus.Success });
  await flush();
  assert.deepEqual(h.events, ['STARTING', 'STARTED+']);
  // Reconnects keep the output active; the end stops it.
  h.move({ kind: 'reconnecting', attempt: 1, retryInMs: 1000, reason: 'dropped' });
  h.move({ kind: 'connecting', attempt: 1 });
  h.move({ kind: 'live', since: 2 });
  // Stopped in the window (its Stop button): STOPPING, then STOPPED, as OBS tells a stop from its own window.
  h.move({ kind: 'ended' });
  assert.deepEqual(h.events, ['STARTING', 'STARTED+', 'RECONNECTING+', 'RECONNECTED+', 'STOPPING', 'STOPPED']);
});

test('a live stream that fails goes straight to STOPPED, as in OBS', () => {
  const h = harness();
  h.move({ kind: 'connecting', attempt: 1 });
  h.move({ kind: 'live', since: 1 });
  h.move({ kind: 'failed', code: 'unreachable', reason: 'The server stopped answering.' });
  assert.deepEqual(h.events, ['STARTING', 'STARTED+', 'STOPPED']);
});

test('a start the window cannot make, or that fails before live: STOPPED once the window has answered', async () => {
  const h = harness();
  h.out.start();
  h.asked[0]!.answer({ code: RequestStatus.RequestProcessingFailed, comment: 'No H.264 encoder here.' });
  await flush();
  assert.deepEqual(h.events, ['STARTING', 'STOPPED']);
  assert.equal(h.out.start().code, RequestStatus.Success, 'and it can be asked again');

  // The first connection refused: the broadcast fails while the window is still starting; told once it answers.
  h.move({ kind: 'connecting', attempt: 1 });
  h.move({ kind: 'reconnecting', attempt: 2, retryInMs: 1000, reason: 'refused' });
  h.move({ kind: 'failed', code: 'wrong_key', reason: 'refused' });
  assert.deepEqual(h.events, ['STARTING', 'STOPPED', 'STARTING'], 'a retried first connection is still starting');
  h.asked[1]!.answer({ code: RequestStatus.Success });
  await flush();
  assert.deepEqual(h.events, ['STARTING', 'STOPPED', 'STARTING', 'STOPPED']);
});

test('refused at once when signed out; Stop and Toggle', async () => {
  assert.equal(harness({ signedIn: false }).out.start().code, RequestStatus.RequestProcessingFailed);
  const h = harness();
  assert.equal(h.out.stop().code, RequestStatus.OutputNotRunning);
  assert.deepEqual(h.out.toggle(), { code: RequestStatus.Success, data: { outputActive: true } });
  // A stop while the window is still starting goes to the window, which stops once its start is made: answered at
  // once all the same, and given as long as the start.
  assert.deepEqual(h.out.toggle(), { code: RequestStatus.Success, data: { outputActive: false } });
  assert.equal(h.asked[1]?.type, 'StopStream');
  assert.ok(h.asked[1]!.timeoutMs! >= 30_000, 'the stop waits for the start');
  assert.deepEqual(h.events, ['STARTING', 'STOPPING']);
  // The window's start reaches main meanwhile, then its stop: still stopping until the broadcast has ended.
  h.move({ kind: 'connecting', attempt: 1 });
  h.move({ kind: 'live', since: 1 });
  h.asked[0]!.answer({ code: RequestStatus.Success });
  await flush();
  assert.deepEqual(h.events, ['STARTING', 'STOPPING']);
  h.move({ kind: 'ended' });
  h.asked[1]!.answer({ code: RequestStatus.Success });
  await flush();
  assert.deepEqual(h.events, ['STARTING', 'STOPPING', 'STOPPED']);
  assert.deepEqual(h.out.toggle(), { code: RequestStatus.Success, data: { outputActive: true } });
});

test('StopStream: success before the window has stopped, STOPPING then STOPPED; StartStream 500 until stopped', async () => {
  const h = harness();
  h.out.start();
  h.move({ kind: 'connecting', attempt: 1 });
  h.move({ kind: 'live', since: 1 });
  h.asked[0]!.answer({ code: RequestStatus.Success });
  await flush();
  assert.deepEqual(h.out.stop(), { code: RequestStatus.Success });
  assert.equal(h.asked[1]?.type, 'StopStream');
  assert.equal(h.asked[1]!.timeoutMs, undefined, "a stop of what runs gets a window request's time");
  assert.deepEqual(h.events, ['STARTING', 'STARTED+', 'STOPPING']);
  assert.equal(h.out.start().code, RequestStatus.OutputRunning, 'not while stopping');
  assert.equal(h.out.stop().code, RequestStatus.Success, 'a second stop: still stopping, as OBS answers it');
  assert.equal(h.asked.length, 2, 'and not asked of the window again');
  assert.deepEqual(h.out.toggle(), { code: RequestStatus.Success, data: { outputActive: false } });
  h.move({ kind: 'reconnecting', attempt: 1, retryInMs: 1000, reason: 'dropped' });
  assert.deepEqual(h.events, ['STARTING', 'STARTED+', 'STOPPING'], 'the broadcast still runs: stopping');
  h.move({ kind: 'ended' });
  h.move({ kind: 'idle' });
  h.asked[1]!.answer({ code: RequestStatus.Success });
  await flush();
  assert.deepEqual(h.events, ['STARTING', 'STARTED+', 'STOPPING', 'STOPPED'], 'STOPPED once');
  assert.equal(h.out.stop().code, RequestStatus.OutputNotRunning);
  assert.equal(h.out.start().code, RequestStatus.Success);
});

test('a stop the window could not make: back to what runs, not STOPPING for ever', async () => {
  const h = harness();
  h.out.start();
  h.move({ kind: 'live', since: 1 });
  h.asked[0]!.answer({ code: RequestStatus.Success });
  await flush();
  h.out.stop();
  h.asked[1]!.answer({ code: RequestStatus.RequestProcessingFailed, comment: 'The window did not answer.' });
  await flush();
  assert.deepEqual(h.events, ['STARTING', 'STARTED+', 'STOPPING', 'STARTED+']);
  assert.equal(h.out.start().code, RequestStatus.OutputRunning, 'still live');
  // Followed as before: it can be stopped again, and its end is told.
  h.out.stop();
  h.move({ kind: 'failed', code: 'unreachable', reason: 'gone' });
  assert.deepEqual(h.events, ['STARTING', 'STARTED+', 'STOPPING', 'STARTED+', 'STOPPING', 'STOPPED']);
  // A failed answer when the broadcast has stopped all the same: STOPPED.
  h.out.start();
  h.move({ kind: 'live', since: 2 });
  h.out.stop();
  h.move({ kind: 'ended' });
  h.asked[4]!.answer({ code: RequestStatus.RequestProcessingFailed });
  await flush();
  assert.deepEqual(h.events.slice(-3), ['STARTED+', 'STOPPING', 'STOPPED']);
});

test('outputStateFor: OBS names, active only once live', () => {
  const S = OutputState;
  assert.equal(outputStateFor({ kind: 'connecting', attempt: 1 }, false, S.Stopped), S.Starting);
  assert.equal(outputStateFor({ kind: 'live', since: 0 }, true, S.Starting), S.Started);
  assert.equal(outputStateFor({ kind: 'live', since: 0 }, true, S.Started), S.Started);
  assert.equal(outputStateFor({ kind: 'connecting', attempt: 2 }, true, S.Reconnecting), S.Reconnecting);
  assert.equal(outputStateFor({ kind: 'live', since: 0 }, true, S.Reconnecting), S.Reconnected);
  assert.equal(outputStateFor({ kind: 'failed', code: 'refused', reason: '' }, false, S.Reconnecting), S.Stopped);
});
