// The obs-websocket protocol's pure parts: the password challenge (checked against obs-websocket-js's own answer in
// obs-websocket.test.ts; here its shape and the constant-time comparison) and the close code for each bad message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authMatches, authResponse, CloseCode, newChallenge, parseClientMessage } from './obs-protocol.js';
import { timecode } from './obs-requests.js';

test('the challenge: base64(sha256(base64(sha256(password + salt)) + challenge)), fresh each time', () => {
  const c = { salt: 'lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI=', challenge: '+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY=' };
  assert.equal(authResponse('supersecretpassword', c), '1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4=');
  assert.ok(authMatches('supersecretpassword', c, '1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4='));
  assert.ok(!authMatches('supersecretpassword', c, '1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu5='));
  assert.ok(!authMatches('supersecretpassword', c, undefined));
  const a = newChallenge();
  const b = newChallenge();
  assert.notEqual(a.challenge, b.challenge);
  assert.notEqual(a.salt, b.salt);
});

test('each malformed message gets the close code obs-websocket gives it', () => {
  const code = (v: unknown) => {
    const r = parseClientMessage(v);
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(code('not an object'), CloseCode.MissingDataField);
  assert.equal(code({ op: 1 }), CloseCode.MissingDataField);
  assert.equal(code({ op: 1, d: {} }), CloseCode.MissingDataField);
  assert.equal(code({ op: 1, d: { rpcVersion: 1, authentication: 42 } }), CloseCode.InvalidDataFieldType);
  assert.equal(code({ op: 1, d: { rpcVersion: 1, eventSubscriptions: -1 } }), CloseCode.InvalidDataFieldType);
  assert.equal(code({ op: 1, d: { rpcVersion: 1, authentication: null, eventSubscriptions: null } }), 'ok', 'MessagePack nils');
  assert.equal(code({ op: 6, d: { requestType: 'GetVersion' } }), CloseCode.MissingDataField);
  assert.equal(code({ op: 6, d: { requestType: 'GetVersion', requestId: '1', requestData: [] } }), CloseCode.MissingDataField);
  assert.equal(code({ op: 6, d: { requestType: 'GetVersion', requestId: '1', requestData: null } }), 'ok');
  assert.equal(code({ op: 8, d: { requestId: 'b', requests: [{}] } }), CloseCode.MissingDataField);
  assert.equal(
    code({ op: 8, d: { requestId: 'b', requests: Array.from({ length: 1001 }, () => ({ requestType: 'GetVersion' })) } }),
    CloseCode.InvalidDataFieldValue,
  );
  assert.equal(code({ op: 4, d: {} }), CloseCode.UnknownOpCode);
});

test('timecodes as obs-websocket writes them', () => {
  assert.equal(timecode(0), '00:00:00.000');
  assert.equal(timecode(3_723_045), '01:02:03.045');
});
