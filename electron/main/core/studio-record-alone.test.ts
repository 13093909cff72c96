// A recording without a stream, as main hosts it (StudioLive with real sender threads, real H.264 and AAC made by
// ffmpeg, a real Onair server): the recording starts alone, a broadcast joins it midway and goes live with the
// configs that went by before it existed, stops, and leaves the recording running; the file holds every frame from
// the first to the last. A recording alone that cannot start (a folder not there) says why and ends its thread.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineSenderThread } from '../../broadcast/engine-sender-thread.js';
import type { BroadcastState, RecordingStatus } from '../../broadcast/types.js';
import type { EventMap, EventName } from '../../ipc-contract.js';
import { play, realChunks, recorded } from '../../broadcast/engine-test-media.js';
import { ffmpegPath, ffprobe, freePort, waitFor } from '../../../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../../../server/test-support/server.js';
import { engineRecordSettings } from './studio-broadcast.js';
import { StudioLive } from './studio-live.js';

const SETTINGS = { source: { kind: 'test' as const }, preset: 'Smooth 720p30', encoder: 'libx264', bitrateKbps: 1000, fps: 30, keyframeSeconds: 1 };

function hosted() {
  const recordings: (RecordingStatus | null)[] = [];
  const states: BroadcastState['kind'][] = [];
  const live = new StudioLive({
    emit<E extends EventName>(event: E, payload: EventMap[E]) {
      if (event === 'broadcast:recording') recordings.push(payload as RecordingStatus | null);
    },
    onState: (s) => states.push(s.kind),
  });
  const alone = (recordPath: string) => new EngineSenderThread({ ...engineRecordSettings(SETTINGS), ffmpegPath, recordPath });
  return { live, recordings, states, alone };
}

describe('a recording without a stream', { timeout: 90_000 }, () => {
  let server: TestServer;
  let rtmpPort: number;
  let work: string;
  before(async () => {
    rtmpPort = await freePort();
    server = await startTestServer({ ONAIR_RTMP_PORT: String(rtmpPort) });
    work = mkdtempSync(path.join(tmpdir(), 'onair-alone-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('records alone; a broadcast joins it at 2.5 s and stops at 6.5 s; the recording goes on to the end, whole', async () => {
    const chunks = (await realChunks(work)).filter((c) => c.output !== 'vertical');
    const { channel } = await newStreamer(server.base, 'alone');
    const { live, recordings, states, alone } = hosted();
    const file = path.join(work, 'solo.mkv');
    const started = await live.recordAlone(alone(file));
    assert.deepEqual(started.recording, { state: 'recording', path: file });
    assert.equal(started.state.kind, 'idle', 'no stream');
    assert.equal(live.busy, true, 'a recording alone keeps the machine awake (StudioCore.busy, keep-awake.ts)');
    assert.deepEqual([live.recordRefusal(true)?.code, live.recordRefusal(false)], ['recording', null]);

    const stream = new EngineSenderThread({
      server: `rtmp://127.0.0.1:${rtmpPort}/live`,
      streamKey: channel.streamKey,
      video: { width: 1280, height: 720, fps: 30, bitrateKbps: 1000 },
      audio: { bitrateKbps: 128, sampleRate: 48000, channels: 2 },
      ffmpegPath,
    });
    let probed: Promise<{ streams: any[] }> | null = null;
    let busyWhileLive: boolean | null = null;
    await play((m) => live.engineChunk(m), chunks, [
      { us: 2_500_000, run: () => void live.start(stream) },
      { us: 4_000_000, run: () => (busyWhileLive = live.active && live.busy) },
      // The stream had only what came after it started: without the configs kept from before, it sends nothing.
      { us: 5_500_000, run: () => (probed = ffprobe(`${server.base}/hls/alone/index.m3u8`)) },
      { us: 6_500_000, run: () => void live.stop() },
    ]);
    const p = await probed!;
    const video = p.streams.find((s) => s.codec_type === 'video');
    assert.deepEqual([video?.codec_name, video?.width, video?.height], ['h264', 1280, 720], 'the joined stream is on the server');
    assert.ok(
      p.streams.some((s) => s.codec_type === 'audio'),
      'with its sound',
    );
    await waitFor('the stream ended', () => live.state.kind === 'ended', 10_000, 20);
    assert.ok(states.includes('live'), states.join());
    assert.equal(live.record().active, true, 'the recording went on after the stream stopped');
    assert.deepEqual([busyWhileLive, live.busy], [true, true], 'busy while live beside it, and after the stream stopped');
    assert.ok(live.recordingAlone);

    const stopped = await live.stopRecording();
    assert.deepEqual(stopped.recording, { state: 'stopped', path: file });
    await waitFor('the thread ended', () => !live.recordingAlone, 10_000, 20);
    assert.equal(live.recordRefusal(false)?.code, 'not_recording');
    assert.equal(live.busy, false, 'nothing runs: the machine may sleep');
    // Told once at its start and once at its end: the broadcast joining and leaving did not touch it.
    assert.deepEqual(
      recordings.map((r) => r?.state ?? null),
      [null, 'recording', 'stopped'],
    );

    const r = await recorded(file);
    assert.deepEqual([r.video?.codec_name, r.video?.width, r.video?.height, r.audio?.codec_name], ['h264', 1280, 720, 'aac']);
    assert.ok(r.packets[0]?.key && Math.abs(r.packets[0].pts) < 0.001, 'from the first keyframe at 0');
    assert.equal(r.packets.length, 300, 'every frame of the 10 s, through the stream joining and leaving');
  });

  test('a recording alone that cannot start says why, and its thread ends', async () => {
    const { live, alone } = hosted();
    const file = path.join(work, 'missing-folder', 'x.mkv');
    const status = await live.recordAlone(alone(file));
    assert.equal(status.recording?.state, 'failed');
    assert.match(status.recording?.reason ?? '', /missing-folder|folder/);
    await waitFor('the thread ended', () => !live.recordingAlone, 10_000, 20);
    assert.ok(!existsSync(file));
    assert.equal(live.busy, false, 'a recording that failed keeps nothing awake');
  });
});
