import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePart } from './llhls.js';
import { partKey, partKeyString, resolvePath } from './llviewers-client.js';

test('request paths of listed URIs: plain names appended to the folder, the rest as URL resolves them', () => {
  const base = new URL('http://127.0.0.1:8080/vod/abc123/video/index.m3u8');
  const dir = '/vod/abc123/video/';
  const as = (uri: string) => resolvePath(base, dir, uri);
  assert.equal(as('v-part-9.2.m4s'), '/vod/abc123/video/v-part-9.2.m4s');
  assert.equal(as('v-init-0.mp4'), '/vod/abc123/video/v-init-0.mp4');
  // Whatever is not a plain file name goes through URL, as before.
  for (const uri of ['../audio/a-part-1.0.m4s', '/vod/abc123/x.m4s', 'x.m4s?t=1', './y.m4s', 'a b.m4s', 'http://127.0.0.1:8080/z.m4s']) {
    const u = new URL(uri, base);
    assert.equal(as(uri), u.pathname + u.search, uri);
  }
  assert.throws(() => as('http://elsewhere.example/p.m4s'), /another origin/);
});

test('part keys order as comparePart and read back as "msn.index"', () => {
  const parts: Array<[number, number]> = [
    [7, 0],
    [7, 4],
    [8, 0],
    [8, 1],
    [123456, 9],
  ];
  for (const [m1, i1] of parts) {
    assert.equal(partKeyString(partKey(m1, i1)), `${m1}.${i1}`);
    for (const [m2, i2] of parts) assert.equal(Math.sign(partKey(m1, i1) - partKey(m2, i2)), Math.sign(comparePart(m1, i1, m2, i2)));
  }
});
