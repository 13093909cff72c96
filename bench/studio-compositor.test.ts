import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countFmp4Samples, judge, pairFlashes, spread, spreadText } from './studio-compositor-lib.js';

const box = (type: string, ...body: Uint8Array[]) => {
  const size = 8 + body.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(Buffer.from(type, 'latin1'), 4);
  let p = 8;
  for (const b of body) {
    out.set(b, p);
    p += b.length;
  }
  return out;
};
const trun = (samples: number) => {
  const b = new Uint8Array(8 + samples * 4);
  new DataView(b.buffer).setUint32(4, samples);
  return box('trun', b);
};

test('countFmp4Samples sums every trun of every fragment and skips other boxes', () => {
  const frag = (n: number) => box('moof', box('mfhd', new Uint8Array(8)), box('traf', box('tfhd', new Uint8Array(8)), trun(n)));
  const seg = Buffer.concat([box('styp', new Uint8Array(8)), frag(6), box('mdat', new Uint8Array(100)), frag(7), box('mdat', new Uint8Array(3))]);
  assert.equal(countFmp4Samples(seg), 13);
  assert.equal(countFmp4Samples(new Uint8Array(0)), 0);
  assert.equal(countFmp4Samples(seg.subarray(0, 30)), 0, 'a truncated fragment counts nothing');
});

test('spread and judge: min / median / max over runs, verdict by the worst run', () => {
  assert.deepEqual(spread([3, null, 1, 2]), { min: 1, median: 2, max: 3, runs: 3 });
  assert.deepEqual(spread([4, 1]), { min: 1, median: 2.5, max: 4, runs: 2 });
  assert.equal(spread([null, NaN]), null);
  assert.equal(spreadText([0.95, 1.19, 0.99], 2), '0.95 / 0.99 / 1.19');
  assert.equal(spreadText([24, 22.5, 24], 1, true), '22.5 / **24.0** / 24.0');
  assert.equal(spreadText([null], 1), 'n/a');
  assert.equal(judge(spread([10, 20, 34]), { max: 33 }), false);
  assert.equal(judge(spread([10, 20, 33]), { max: 33 }), true);
  assert.equal(judge(spread([26, 24.9]), { min: 25 }), false);
  assert.equal(judge(null, { max: 1 }), null);
});

test('pairFlashes pairs the k-th change seen after the first switch with the k-th switch', () => {
  const switches = [
    { at: 1000, on: true },
    { at: 3000, on: false },
    { at: 5000, on: true },
    { at: 7000, on: false },
  ];
  // A latency longer than the time between switches: still each switch with its own change.
  const seen = [
    { at: 500, on: false }, // the state before any switch: not a change of ours
    { at: 6000, on: true },
    { at: 8100, on: false },
    { at: 10_050, on: true },
  ];
  assert.deepEqual(pairFlashes(switches, seen), { latenciesMs: [5000, 5100, 5050], missed: 1 });
  assert.deepEqual(pairFlashes(switches, [{ at: 2000, on: false }]), { latenciesMs: [], missed: 4 }, 'a change that does not fit ends the pairing');
  assert.deepEqual(pairFlashes([], seen), { latenciesMs: [], missed: 0 });
});
