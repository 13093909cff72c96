// The IPC contract's validators, table-driven: every channel with good and malformed payloads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isEventName, maskKey } from './ipc-contract.js';
import { INVOKE_CHANNELS, validateRequest } from './ipc-guards.js';

const settings = { source: { kind: 'test' }, preset: 'Smooth 720p30', encoder: 'libx264', bitrateKbps: 3500, fps: 30, keyframeSeconds: 1 };

const cases: [channel: string, request: unknown, ok: boolean, why: string][] = [
  ['session:get', {}, true, 'empty object'],
  ['session:get', undefined, true, 'no payload'],
  ['session:get', { extra: 1 }, false, 'unknown key'],
  ['session:get', [], false, 'array'],
  ['session:signIn', { serverUrl: 'https://live.example.com', username: 'ann', password: 'pw-123456', register: false }, true, 'good'],
  ['session:signIn', { serverUrl: 'http://127.0.0.1:8080/', username: 'ann', password: 'x', register: true }, true, 'http + register'],
  ['session:signIn', { serverUrl: 'file:///etc/passwd', username: 'ann', password: 'x', register: false }, false, 'file URL'],
  ['session:signIn', { serverUrl: 'javascript:alert(1)', username: 'ann', password: 'x', register: false }, false, 'javascript URL'],
  ['session:signIn', { serverUrl: 'http://u:p@host', username: 'ann', password: 'x', register: false }, false, 'credentials in URL'],
  ['session:signIn', { serverUrl: 'https://a.b', username: '', password: 'x', register: false }, false, 'empty username'],
  ['session:signIn', { serverUrl: 'https://a.b', username: 'a\nb', password: 'x', register: false }, false, 'control char'],
  ['session:signIn', { serverUrl: 'https://a.b', username: 'ann', password: 'x', register: 'yes' }, false, 'register not boolean'],
  ['session:signIn', { serverUrl: 'https://a.b', username: 'ann', register: false }, false, 'missing password'],
  ['session:signIn', { serverUrl: 'https://a.b', username: 'ann', password: 'x'.repeat(300), register: false }, false, 'password too long'],
  ['session:useCustom', { rtmpUrl: 'rtmp://a.example/live', streamKey: 'abc' }, true, 'rtmp'],
  ['session:useCustom', { rtmpUrl: 'rtmps://a.example:443/app', streamKey: 'abc' }, true, 'rtmps'],
  ['session:useCustom', { rtmpUrl: 'http://a.example/live', streamKey: 'abc' }, false, 'not rtmp'],
  ['session:useCustom', { rtmpUrl: 'rtmp://a.example/live', streamKey: '' }, false, 'empty key'],
  ['preview:snapshot', { source: { kind: 'screen', display: 1 } }, true, 'screen'],
  ['preview:snapshot', { source: { kind: 'camera', name: '/dev/video0' } }, true, 'camera'],
  ['preview:snapshot', { source: { kind: 'window', id: 'window:123:0', title: 'Editor' } }, true, 'window'],
  ['preview:snapshot', { source: { kind: 'android', serial: 'emulator-5554' } }, true, 'android'],
  ['preview:snapshot', { source: { kind: 'file', path: '/etc/passwd' } }, false, 'unknown kind'],
  ['preview:snapshot', { source: { kind: 'screen', display: -1 } }, false, 'negative display'],
  ['preview:snapshot', { source: { kind: 'camera' } }, false, 'camera without name'],
  ['preview:snapshot', { source: { kind: 'android', serial: 'a; rm -rf /' } }, false, 'serial with shell chars'],
  ['preview:snapshot', { source: { kind: 'test', extra: true } }, false, 'extra key in source'],
  ['broadcast:start', { settings }, true, 'good settings'],
  ['broadcast:start', { settings: { ...settings, mode: 'engine' } }, true, 'engine mode'],
  ['broadcast:start', { settings: { ...settings, mode: 'gpu' } }, false, 'unknown mode'],
  ['broadcast:start', { settings: { ...settings, pip: { camera: '/dev/video0', position: 'top-left', size: 0.25 } } }, true, 'with pip'],
  ['broadcast:start', { settings: { ...settings, recordPath: '/tmp/out.mkv' } }, true, 'with record path'],
  ['broadcast:start', { settings: { ...settings, recordPath: '/tmp/out.sh' } }, false, 'record path not a video'],
  ['recording:start', {}, true, 'recording to the default path'],
  ['recording:start', { path: 'C:\\Videos\\show.mp4' }, true, 'recording to a path'],
  ['recording:start', { path: '/tmp/out.sh' }, false, 'recording path not a video'],
  ['recording:start', { path: '/tmp/out.mkv', settings: { ...settings, mode: 'engine' } }, true, 'recording alone with the engine'],
  ['recording:start', { settings: { ...settings, preset: 'Ultra 8K' } }, false, 'recording alone with bad settings'],
  ['recording:start', { path: '/tmp/a\nb.mkv' }, false, 'recording path with a line break'],
  ['recording:stop', {}, true, 'stop'],
  ['recording:stop', { path: '/tmp/out.mkv' }, false, 'stop takes nothing'],
  ['broadcast:start', { settings: { ...settings, microphone: 'default', systemAudio: true } }, true, 'microphone and system audio'],
  ['broadcast:start', { settings: { ...settings, systemAudio: 'yes' } }, false, 'system audio not a boolean'],
  ['broadcast:start', { settings: { ...settings, pip: { camera: 'c', position: 'middle', size: 0.25 } } }, false, 'bad pip position'],
  ['broadcast:start', { settings: { ...settings, pip: { camera: 'c', position: 'top-left', size: 0.9 } } }, false, 'pip too big'],
  ['broadcast:start', { settings: { ...settings, preset: 'Ultra 8K' } }, false, 'unknown preset'],
  ['broadcast:start', { settings: { ...settings, preset: 'toString' } }, false, 'prototype key as preset'],
  ['broadcast:start', { settings: { ...settings, encoder: 'libx264 -f null' } }, false, 'encoder with spaces'],
  ['broadcast:start', { settings: { ...settings, bitrateKbps: 1e9 } }, false, 'bitrate too high'],
  ['broadcast:start', { settings: { ...settings, fps: 29.97 } }, false, 'fractional fps'],
  ['broadcast:start', { settings: { ...settings, fps: 30000 / 1001 } }, true, "NTSC's 29.97 (30000/1001)"],
  ['broadcast:start', { settings: { ...settings, fps: 121 } }, false, 'fps too high'],
  ['broadcast:start', { settings: { ...settings, keyframeSeconds: 0 } }, false, 'keyframe 0'],
  ['broadcast:start', { settings: { ...settings, server: 'rtmp://evil/live' } }, false, 'renderer may not pick the server'],
  ['broadcast:start', { settings: { ...settings, streamKey: 'k' } }, false, 'renderer may not pass a key'],
  ['broadcast:start', {}, false, 'missing settings'],
  ['broadcast:stop', {}, true, 'stop'],
  ['broadcast:start', { settings: { ...settings, microphone: 'alsa_input.usb-mic', microphoneApi: 'pulse' } }, true, 'pulse microphone'],
  ['broadcast:start', { settings: { ...settings, microphone: 'hw:CARD=PCH,DEV=0', microphoneApi: 'alsa' } }, true, 'ALSA microphone'],
  ['broadcast:start', { settings: { ...settings, microphone: 'x', microphoneApi: 'jack' } }, false, 'unknown audio system'],
  ['broadcast:start', { settings: { ...settings, microphone: 'mic\n-f' } }, false, 'control character in the microphone'],
  ['invite:link', {}, true, 'the Studio invite'],
  ['invite:link', undefined, true, 'the Studio invite, no payload'],
  ['invite:link', { maxUses: 0 }, false, 'the renderer does not set the bounds'],
  ['invite:link', { expiresInSeconds: 3600 }, false, 'nor the expiry'],
  ['chat:endpoint', {}, true, 'chat endpoint'],
  ['channel:serverView', {}, true, 'server view'],
  ['channel:serverView', { channel: 'x' }, false, 'server view takes nothing'],
  ['channel:liveMetrics', {}, true, 'live metrics'],
  ['channel:liveMetrics', { id: 'x' }, false, 'live metrics take nothing'],
  ['monitor:source', {}, true, 'monitor source'],
  ['monitor:source', { hlsUrl: 'http://evil/x.m3u8' }, false, 'the renderer may not pick the source'],
  ['destinations:list', {}, true, 'destinations'],
  ['destinations:save', { name: 'Twitch', url: 'rtmp://live.twitch.tv/app', key: 'live_x', enabled: true }, true, 'a new destination'],
  ['destinations:save', { id: 'abc', name: 'Twitch', url: 'rtmps://live.twitch.tv/app', enabled: false }, true, 'changed, key kept'],
  ['destinations:save', { name: 'Web', url: 'https://example.com/', key: 'k', enabled: true }, false, 'not an rtmp address'],
  ['destinations:save', { name: 'Twitch', url: 'rtmp://live.twitch.tv/app', key: 'k\n-f', enabled: true }, false, 'control character in the key'],
  ['destinations:save', { name: 'Twitch', url: 'rtmp://live.twitch.tv/app', key: 'k' }, false, 'enabled missing'],
  ['destinations:remove', { id: 'abc' }, true, 'remove one'],
  ['vertical:destination', {}, true, 'where the vertical output goes'],
  ['vertical:setDestination', { use: 'channel' }, true, 'back to the channel'],
  ['vertical:setDestination', { use: 'rtmp', url: 'rtmps://shorts.example/app', key: 'k' }, true, 'another server (main checks the text)'],
  ['vertical:setDestination', { use: 'tiktok' }, false, 'only channel or rtmp'],
  ['vertical:setDestination', { use: 'rtmp', url: 'rtmp://x/app', secret: 'k' }, false, 'no other field'],
  ['destinations:remove', {}, false, 'remove needs an id'],
  ['control:get', {}, true, 'remote control settings'],
  ['control:set', { enabled: true, port: 4455, password: '' }, true, 'turn on with a generated password'],
  ['control:set', { enabled: true, port: 80, password: 'x' }, false, 'a privileged port'],
  ['control:set', { enabled: true, port: 4455, password: 'a\nb' }, false, 'control character in the password'],
  ['control:reply', { id: 3, code: 100, data: { scenes: [] } }, true, 'an answer'],
  ['control:reply', { id: 3, code: 1000 }, false, 'not a status code'],
  ['control:event', { eventType: 'CurrentProgramSceneChanged', intent: 4, data: { sceneName: 'BRB' } }, true, 'an event'],
  ['control:event', { eventType: 'X', intent: 0 }, false, 'an event in no category'],
  ['scenes:load', {}, true, 'load the scenes'],
  ['scenes:load', { path: '/etc/passwd' }, false, 'load takes no path'],
  ['scenes:save', { json: '{"version":1}' }, true, 'save the scenes'],
  ['scenes:save', { json: 'x'.repeat(256 * 1024 + 1) }, false, 'scenes too large'],
  ['scenes:save', { json: { version: 1 } }, false, 'scenes as text only'],
  ['scenes:save', { json: '{}', path: 'x' }, false, 'save takes no path'],
  ['capture:targets', {}, true, 'list the screens and windows'],
  ['capture:targets', { types: ['window'] }, false, 'the list takes nothing'],
  ['capture:choose', { target: null }, true, 'the first screen'],
  ['capture:choose', { target: { type: 'window', id: 'window:77:0', name: 'Notes — Editor' } }, true, 'a window'],
  ['capture:choose', { target: { type: 'camera', id: 'x', name: 'y' } }, false, 'screens and windows only'],
  ['capture:choose', { target: { type: 'screen', id: 'screen:0:0\n', name: 'x' } }, false, 'no control characters in an id'],
  ['capture:choose', {}, false, 'the target, even null, is required'],
  ['shell:exec', {}, false, 'unknown channel'],
  ['__proto__', {}, false, 'prototype channel'],
  ['constructor', {}, false, 'prototype channel'],
  [42 as unknown as string, {}, false, 'channel not a string'],
];

describe('IPC contract validators', () => {
  for (const [channel, request, ok, why] of cases) {
    test(`${String(channel)}: ${why} -> ${ok ? 'accepted' : 'rejected'}`, () => {
      const r = validateRequest(channel, request);
      assert.equal(r.ok, ok, JSON.stringify(r));
      if (!r.ok) assert.ok(['bad_request', 'unknown_channel'].includes(r.error.code) && r.error.message.length > 0);
    });
  }

  test('every channel has a guard and a case here', () => {
    for (const c of INVOKE_CHANNELS)
      assert.ok(
        cases.some(([ch, , ok]) => ch === c && ok) ||
          ['session:signOut', 'session:revealKey', 'sources:list', 'encoders:list', 'broadcast:status', 'phone:setup'].includes(c),
        c,
      );
  });

  test('the vertical output: the two canvas sizes and a bitrate, nothing else', () => {
    const start = (vertical: unknown) => validateRequest('broadcast:start', { settings: { ...settings, mode: 'engine', vertical } }).ok;
    assert.equal(start({ width: 720, height: 1280, bitrateKbps: 2500 }), true);
    assert.equal(start({ width: 1080, height: 1920, bitrateKbps: 5000 }), true);
    assert.equal(start({ width: 720, height: 1920, bitrateKbps: 2500 }), false);
    assert.equal(start({ width: 1280, height: 720, bitrateKbps: 2500 }), false);
    assert.equal(start({ width: 720, height: 1280, bitrateKbps: 10 }), false);
    assert.equal(start({ width: 720, height: 1280, bitrateKbps: 2500, server: 'rtmp://x/y' }), false);
    assert.equal(isEventName('broadcast:vertical'), true);
    assert.equal(isEventName('vertical:destination'), true);
  });

  test('events are allow-listed', () => {
    assert.ok(isEventName('broadcast:state'));
    assert.ok(isEventName('broadcast:preview'));
    assert.ok(!isEventName('ipc:raw'));
  });

  test('maskKey keeps only the ends', () => {
    assert.equal(maskKey('live_abcdefghijklmnop'), 'live••••••••mnop');
    assert.equal(maskKey('short'), '•••••');
  });
});
