// The record output's events as OBS tells them, from the recording statuses main hears: STARTING then STARTED with the
// file, STOPPING then STOPPED with it, a repeated status told once, a recording that fails at its start told as
// STOPPED alone, the ffmpeg pipeline's next part as STARTED with its file; and the answers to StartRecord, StopRecord
// and ToggleRecord for each refusal; StartRecord with no stream passed to the window. The recording is played here; obs-websocket.test.ts and
// renderer/studio-engine-control.browser.test.ts drive the real ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordingStatus } from '../../../broadcast/types.js';
import type { RecordFigures, RecordRefusal } from '../studio-live.js';
import { ObsRecord } from './obs-record.js';
import { RequestStatus } from './obs-protocol.js';

function harness(o: { refusal?: RecordRefusal | null; started?: RecordingStatus; streaming?: boolean } = {}) {
  const told: string[] = [];
  const forwarded: string[] = [];
  let figures: RecordFigures = { active: false, durationMs: 0, bytes: 0, path: null };
  const rec = new ObsRecord({
    figures: () => figures,
    refusal: () => o.refusal ?? null,
    streaming: () => o.streaming ?? true,
    start: async () => o.started ?? { state: 'recording', path: '/v/a.mkv' },
    forward: async (type) => (forwarded.push(type), { code: RequestStatus.Success }),
    stop: async () => ({ state: 'stopped', path: '/v/a.mkv' }),
    emit: (d) => told.push(`${d.outputState.replace('OBS_WEBSOCKET_OUTPUT_', '')}${d.outputActive ? '+' : ''} ${d.outputPath ?? '-'}`),
  });
  return { rec, told, forwarded, setFigures: (f: RecordFigures) => (figures = f) };
}

test('a recording told as OBS tells it: STARTING, STARTED with its file, once; a new part STARTED with its own; STOPPING, STOPPED', () => {
  const { rec, told } = harness();
  rec.recording({ state: 'recording', path: '/v/show.mkv' });
  rec.recording({ state: 'recording', path: '/v/show.mkv', vertical: { state: 'recording', path: '/v/show-vertical.mkv' } });
  rec.recording({ state: 'recording', path: '/v/show-2.mkv' });
  rec.recording({ state: 'stopped', path: '/v/show-2.mkv', vertical: { state: 'recording', path: '/v/show-vertical.mkv' } });
  rec.recording({ state: 'stopped', path: '/v/show-2.mkv', vertical: { state: 'stopped', path: '/v/show-vertical.mkv' } });
  assert.deepEqual(told, ['STARTING -', 'STARTED+ /v/show.mkv', 'STARTED+ /v/show-2.mkv', 'STOPPING -', 'STOPPED /v/show-2.mkv']);
});

test('a recording that fails at its start (a folder not there): STOPPED with its file, no STARTING', () => {
  const { rec, told } = harness();
  rec.recording({ state: 'failed', path: '/nope/show.mkv', reason: 'Not recording: the folder /nope does not exist.' });
  assert.deepEqual(told, ['STOPPED /nope/show.mkv']);
});

test('the answers: each refusal its status code and words; StopRecord the file; ToggleRecord the state it leads to', async () => {
  const refusals: [RecordRefusal['code'], number][] = [
    ['recording', RequestStatus.OutputRunning],
    ['not_recording', RequestStatus.OutputNotRunning],
    ['not_live', RequestStatus.InvalidResourceState],
    ['record_with_ffmpeg', RequestStatus.InvalidResourceState],
  ];
  for (const [code, status] of refusals) {
    const { rec } = harness({ refusal: { code, message: `words for ${code}` } });
    for (const r of [await rec.start(), await rec.stop(), await rec.toggle()])
      assert.deepEqual([r.code, r.comment], [status, `words for ${code}`], code);
  }
  const ok = harness();
  assert.equal((await ok.rec.start()).code, RequestStatus.Success);
  assert.deepEqual((await ok.rec.stop()).data, { outputPath: '/v/a.mkv' });
  assert.deepEqual((await ok.rec.toggle()).data, { outputActive: true });
  ok.setFigures({ active: true, durationMs: 61_005, bytes: 1234, path: '/v/a.mkv' });
  assert.deepEqual((await ok.rec.toggle()).data, { outputActive: false });
  assert.deepEqual(ok.rec.status().data, {
    outputActive: true,
    outputPaused: false,
    outputTimecode: '00:01:01.005',
    outputDuration: 61_005,
    outputBytes: 1234,
  });
  const failing = harness({ started: { state: 'failed', path: '/v/a.mkv', reason: 'Not recording: the Studio may not write in /v.' } });
  const r = await failing.rec.start();
  assert.deepEqual([r.code, r.comment], [RequestStatus.RequestProcessingFailed, 'Not recording: the Studio may not write in /v.']);
});

test('with no stream, StartRecord is the window’s (its encoder starts a recording alone); StopRecord stays main’s', async () => {
  const { rec, forwarded } = harness({ streaming: false });
  assert.equal((await rec.start()).code, RequestStatus.Success);
  assert.equal((await rec.stop()).code, RequestStatus.Success);
  assert.deepEqual(forwarded, ['StartRecord']);
  const live = harness();
  await live.rec.start();
  assert.deepEqual(live.forwarded, []);
});
