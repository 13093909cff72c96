// The IPC contract's validators, table-driven: every channel with good and malformed payloads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { INVOKE_CHANNELS, isEventName, maskKey, validateRequest } from './ipc-contract.js';

const settings = { source: { kind: 'test' }, preset: 'Smooth 720p30', encoder: 'libx264', bitrateKbps: 3500, fps: 30, keyframeSeconds: 2 };

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
  ['broadcast:start', { settings: { ...settings, pip: { camera: '/dev/video0', position: 'top-left', size: 0.25 } } }, true, 'with pip'],
  ['broadcast:start', { settings: { ...settings, recordPath: '/tmp/out.mkv' } }, true, 'with record path'],
  ['broadcast:start', { settings: { ...settings, recordPath: '/tmp/out.sh' } }, false, 'record path not a video'],
  ['broadcast:start', { settings: { ...settings, microphone: 'default', systemAudio: true } }, true, 'microphone and system audio'],
  ['broadcast:start', { settings: { ...settings, systemAudio: 'yes' } }, false, 'system audio not a boolean'],
  ['broadcast:start', { settings: { ...settings, pip: { camera: 'c', position: 'middle', size: 0.25 } } }, false, 'bad pip position'],
  ['broadcast:start', { settings: { ...settings, pip: { camera: 'c', position: 'top-left', size: 0.9 } } }, false, 'pip too big'],
  ['broadcast:start', { settings: { ...settings, preset: 'Ultra 8K' } }, false, 'unknown preset'],
  ['broadcast:start', { settings: { ...settings, preset: 'toString' } }, false, 'prototype key as preset'],
  ['broadcast:start', { settings: { ...settings, encoder: 'libx264 -f null' } }, false, 'encoder with spaces'],
  ['broadcast:start', { settings: { ...settings, bitrateKbps: 1e9 } }, false, 'bitrate too high'],
  ['broadcast:start', { settings: { ...settings, fps: 29.97 } }, false, 'fractional fps'],
  ['broadcast:start', { settings: { ...settings, keyframeSeconds: 0 } }, false, 'keyframe 0'],
  ['broadcast:start', { settings: { ...settings, server: 'rtmp://evil/live' } }, false, 'renderer may not pick the server'],
  ['broadcast:start', { settings: { ...settings, streamKey: 'k' } }, false, 'renderer may not pass a key'],
  ['broadcast:start', {}, false, 'missing settings'],
  ['broadcast:stop', {}, true, 'stop'],
  ['invite:create', {}, true, 'no limits'],
  ['invite:create', { expiresInSeconds: 3600, maxUses: 5 }, true, 'limits'],
  ['invite:create', { expiresInSeconds: 1 }, false, 'too short'],
  ['invite:create', { maxUses: 0 }, false, 'zero uses'],
  ['chat:endpoint', {}, true, 'chat endpoint'],
  ['channel:serverView', {}, true, 'server view'],
  ['channel:serverView', { channel: 'x' }, false, 'server view takes nothing'],
  ['monitor:source', {}, true, 'monitor source'],
  ['monitor:source', { hlsUrl: 'http://evil/x.m3u8' }, false, 'the renderer may not pick the source'],
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

  test('events are allow-listed', () => {
    assert.ok(isEventName('broadcast:state'));
    assert.ok(!isEventName('ipc:raw'));
  });

  test('maskKey keeps only the ends', () => {
    assert.equal(maskKey('live_abcdefghijklmnop'), 'live••••••••mnop');
    assert.equal(maskKey('short'), '•••••');
  });
});
