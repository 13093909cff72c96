// What main lets the Studio capture, and its desktop-audio answer per system (electron/main/core/media-capture.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desktopAudioFeatures, displayMediaAudio, MAC_SYSTEM_AUDIO_FEATURE, mediaPermissionAllowed } from './media-capture.js';

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
});
