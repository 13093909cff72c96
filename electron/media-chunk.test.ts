// The engine's media chunk message: encode/decode round trips for every kind, and malformed messages refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMediaChunk, encodeMediaChunk, MEDIA_CHUNK_HEADER, MEDIA_KINDS, type MediaChunk } from './media-chunk.js';

test('every kind round-trips through one ArrayBuffer', () => {
  for (const kind of MEDIA_KINDS) {
    const c: MediaChunk = {
      kind,
      timestampUs: 12_345_678.5,
      compositionUs: kind.startsWith('video') ? -33_333 : 0,
      data: new Uint8Array([1, 2, 3, 250]),
      output: kind.startsWith('video') ? 'vertical' : 'main',
    };
    const buf = encodeMediaChunk(c);
    assert.ok(buf instanceof ArrayBuffer);
    assert.equal(buf.byteLength, MEDIA_CHUNK_HEADER + 4);
    assert.deepEqual(decodeMediaChunk(buf), c);
    // What a WebSocket server hands over: a Node Buffer, a view into a larger pool.
    const pooled = Buffer.concat([Buffer.alloc(7), Buffer.from(buf)]).subarray(7);
    assert.deepEqual(
      { ...(decodeMediaChunk(pooled) as MediaChunk), data: [...(decodeMediaChunk(pooled) as MediaChunk).data] },
      { ...c, data: [1, 2, 3, 250] },
    );
  }
  const neg = decodeMediaChunk(encodeMediaChunk({ kind: 'audio-frame', timestampUs: -21_333, compositionUs: 0, data: new Uint8Array([9]) }));
  assert.equal((neg as MediaChunk).timestampUs, -21_333, 'primed audio may start before zero');
  assert.equal((neg as MediaChunk).output, 'main', 'a chunk without an output is the main one');
});

test('malformed messages are refused with a reason', () => {
  const good = new Uint8Array(encodeMediaChunk({ kind: 'video-key', timestampUs: 0, compositionUs: 0, data: new Uint8Array([1]) }));
  assert.match(String(decodeMediaChunk(good.slice(0, 10))), /header/);
  const badVersion = good.slice();
  badVersion[0] = 9;
  assert.match(String(decodeMediaChunk(badVersion)), /version/);
  const badKind = good.slice();
  badKind[1] = 42;
  assert.match(String(decodeMediaChunk(badKind)), /kind/);
  const badOutput = good.slice();
  badOutput[2] = 7;
  assert.match(String(decodeMediaChunk(badOutput)), /output/);
  const nan = good.slice();
  new DataView(nan.buffer).setFloat64(4, Number.NaN);
  assert.match(String(decodeMediaChunk(nan)), /timestamp/);
  assert.match(String(decodeMediaChunk(good.slice(0, MEDIA_CHUNK_HEADER))), /no payload/);
  assert.throws(
    () => encodeMediaChunk({ kind: 'video-key', timestampUs: Number.POSITIVE_INFINITY, compositionUs: 0, data: new Uint8Array(1) }),
    /finite/,
  );
});
