// Go Live's settings: the vertical output goes to the session's server under the `vertical` application, with the
// same key, or to another RTMP server with its own key; its own size and bitrate and the main output's frame rate;
// without it the sender has no vertical output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StudioSettings } from '../../ipc-contract.js';
import { broadcastSettings, engineSenderSettings, verticalIngestUrl } from './studio-broadcast.js';

test('the vertical ingest URL replaces the application of the session RTMP URL', () => {
  assert.equal(verticalIngestUrl('rtmp://host:1935/live'), 'rtmp://host:1935/vertical');
  assert.equal(verticalIngestUrl('rtmps://host/live/'), 'rtmps://host/vertical');
  assert.equal(verticalIngestUrl('rtmp://host'), 'rtmp://host/vertical');
});

test('engine settings carry the vertical output only when asked for', () => {
  const secrets = { mode: 'custom' as const, rtmpUrl: 'rtmp://h:1935/live', streamKey: 'k-123456789' };
  const base: StudioSettings = {
    source: { kind: 'test' },
    preset: 'Smooth 720p30',
    encoder: 'libx264',
    bitrateKbps: 3500,
    fps: 30,
    keyframeSeconds: 1,
  };
  const plain = engineSenderSettings(broadcastSettings(base, secrets, []), base);
  assert.equal(plain.vertical, undefined);
  const withV = { ...base, vertical: { width: 1080, height: 1920, bitrateKbps: 5000 } };
  const s = engineSenderSettings(broadcastSettings(withV, secrets, []), withV);
  assert.deepEqual(s.vertical, { server: 'rtmp://h:1935/vertical', video: { width: 1080, height: 1920, fps: 30, bitrateKbps: 5000 } });
  assert.equal(s.streamKey, 'k-123456789');
  assert.deepEqual([s.video.width, s.video.height], [1280, 720]);
  // Another RTMP destination: its own server and key; the main output keeps the session's.
  const other = engineSenderSettings(broadcastSettings(withV, secrets, []), withV, { server: 'rtmps://shorts.example/app', key: 'v-key' });
  assert.deepEqual(other.vertical, {
    server: 'rtmps://shorts.example/app',
    streamKey: 'v-key',
    video: { width: 1080, height: 1920, fps: 30, bitrateKbps: 5000 },
  });
  assert.deepEqual([other.server, other.streamKey], ['rtmp://h:1935/live', 'k-123456789']);
});
