// The Studio's settings as kept between starts: what comes back from storage is checked field by field, so one value
// no longer right (another version's, or edited by hand) costs that value alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { savedStudioSettingsFrom, studioSettingsToSave, type SavedStudioSettings } from './studio/src/studio-settings.js';

const SAVED: SavedStudioSettings = {
  mode: 'engine',
  sourceId: 'screen:0',
  preset: 'Sharp 1080p30',
  encoder: 'h264_nvenc',
  bitrateKbps: 6000,
  fps: 60,
  keyframeSeconds: 2,
  pip: { camera: 'HD Webcam', position: 'top-left', size: 0.3 },
  recordPath: 'C:\\Videos\\stream.mp4',
  micChoice: 'alsa_input.usb',
  micOther: '',
  systemAudio: true,
};

test('kept as written, and only the settings', () => {
  assert.deepEqual(savedStudioSettingsFrom(JSON.parse(JSON.stringify(SAVED))), SAVED);
  const state = { ...SAVED, broadcast: { kind: 'live' }, session: { token: 'secret' }, error: 'x' };
  assert.deepEqual(studioSettingsToSave(state), SAVED, 'no session, broadcast or anything else is written');
});

test('each field checked on its own: a wrong one is left out, the others kept', () => {
  const cases: [keyof SavedStudioSettings, unknown][] = [
    ['mode', 'cloud'],
    ['sourceId', ''],
    ['preset', 'Ultra 8K'],
    ['encoder', 'x264; rm -rf'],
    ['bitrateKbps', 999_999],
    ['bitrateKbps', 2500.5],
    ['fps', 0],
    ['keyframeSeconds', 'two'],
    ['pip', { camera: 'cam', position: 'middle', size: 0.3 }],
    ['pip', { camera: 'cam', position: 'top-left', size: 0.9 }],
    ['recordPath', 42],
    ['micChoice', ''],
    ['systemAudio', 'yes'],
  ];
  for (const [field, value] of cases) {
    const got = savedStudioSettingsFrom({ ...SAVED, [field]: value });
    const { [field]: _dropped, ...rest } = SAVED;
    assert.deepEqual(got, rest, `${field}: ${JSON.stringify(value)}`);
  }
  assert.deepEqual(savedStudioSettingsFrom({ ...SAVED, pip: null }).pip, null, 'no camera corner is a setting too');
  assert.deepEqual(savedStudioSettingsFrom({ ...SAVED, pip: { ...SAVED.pip, extra: 1 } }).pip, SAVED.pip, 'the corner without strays');
  for (const junk of [null, undefined, 'settings', 42, []]) assert.deepEqual(savedStudioSettingsFrom(junk), {}, String(junk));
});
