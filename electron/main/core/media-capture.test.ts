// What main lets the Studio capture, and its desktop-audio answer per system (electron/main/core/media-capture.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  captureTypeOf,
  desktopAudioFeatures,
  displayMediaAudio,
  MAC_SYSTEM_AUDIO_FEATURE,
  mediaPermissionAllowed,
  pickCaptureSource,
} from './media-capture.js';

describe('media capture in main', () => {
  it('answers getDisplayMedia with loopback audio on Windows and macOS, none on Linux (the monitor device instead)', () => {
    assert.equal(displayMediaAudio('win32'), 'loopback');
    assert.equal(displayMediaAudio('darwin'), 'loopback');
    assert.equal(displayMediaAudio('linux'), null);
  });
  it("switches on Chromium's Core Audio tap on macOS 14.2 and later only", () => {
    assert.deepEqual(desktopAudioFeatures('darwin', '14.2.0'), [MAC_SYSTEM_AUDIO_FEATURE]);
    assert.deepEqual(desktopAudioFeatures('darwin', '15.1'), [MAC_SYSTEM_AUDIO_FEATURE]);
    assert.deepEqual(desktopAudioFeatures('darwin', '14.1.2'), []);
    assert.deepEqual(desktopAudioFeatures('darwin', '13.6'), []);
    assert.deepEqual(desktopAudioFeatures('win32', '10.0.22631'), []);
  });
  it('lets only our own page have microphones, cameras and display capture', () => {
    assert.ok(mediaPermissionAllowed('media', 'onair-studio://app/index.html'));
    assert.ok(mediaPermissionAllowed('display-capture', 'onair-studio://app/index.html'));
    assert.ok(!mediaPermissionAllowed('media', 'https://evil.example/'));
    assert.ok(!mediaPermissionAllowed('geolocation', 'onair-studio://app/index.html'));
    assert.ok(!mediaPermissionAllowed('media', 'onair-studio://app.evil.example/'));
    assert.ok(!mediaPermissionAllowed('media', 'not a url'));
    assert.ok(mediaPermissionAllowed('media', 'http://127.0.0.1:5174/', 'http://127.0.0.1:5174'), 'the dev server, when main runs with it');
  });
  it("answers getDisplayMedia with the picker's screen or window, found again by name; never the screen for a window gone", () => {
    const sources = [
      { id: 'window:77:0', name: 'Notes' },
      { id: 'screen:0:0', name: 'Entire screen' },
      { id: 'screen:1:0', name: 'Screen 2' },
      { id: 'window:91:0', name: 'Game' },
    ];
    assert.equal(captureTypeOf('screen:1:0'), 'screen');
    assert.equal(captureTypeOf('window:91:0'), 'window');
    assert.equal(pickCaptureSource(sources, null)?.id, 'screen:0:0', 'no choice: the first screen, not the first window');
    assert.equal(pickCaptureSource(sources, { type: 'screen', id: 'screen:1:0', name: 'Screen 2' })?.id, 'screen:1:0');
    assert.equal(pickCaptureSource(sources, { type: 'window', id: 'window:12:0', name: 'Game' })?.id, 'window:91:0', 'a new session: by name');
    assert.equal(pickCaptureSource(sources, { type: 'window', id: 'window:12:0', name: 'Screen 2' }), undefined, 'a window by a screen name');
    assert.equal(pickCaptureSource(sources, { type: 'window', id: 'window:5:0', name: 'Closed' }), undefined, 'gone: nothing');
    assert.equal(pickCaptureSource([], null), undefined);
  });
});
