import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaTimeline } from './media-timeline.js';
import { parseDirectives } from './live-delivery.js';
import { PACKAGER_LIMITS } from './segmenter-output.js';

describe('media timeline', () => {
  it('starts at 0 and follows the publisher', () => {
    const t = new MediaTimeline();
    assert.equal(t.peek(5000), undefined);
    assert.equal(t.map(5000), 0);
    assert.equal(t.map(5033), 33);
    assert.equal(t.peek(5100), 100);
    assert.equal(t.span(), 33);
  });

  it('folds a clock jump away and counts it; peekSteady does not map one', () => {
    const t = new MediaTimeline();
    t.map(1000);
    t.map(1040);
    const far = 1040 + PACKAGER_LIMITS.jumpMs + 1000;
    assert.equal(t.peekSteady(far), undefined);
    assert.equal(t.map(far), 40);
    assert.equal(t.jumps, 1);
    assert.equal(t.map(far + 40), 80);
  });

  it('a returning publisher continues where the last one ended', () => {
    const t = new MediaTimeline();
    t.map(0);
    t.map(2000);
    t.rebase(2033.4);
    assert.equal(t.last, undefined);
    assert.equal(t.peek(90_000), undefined);
    assert.equal(t.map(90_000), 2034);
    assert.equal(t.span(), 0);
  });

  it('a fixed timeline (an ABR rendition) keeps the times it is given', () => {
    const t = new MediaTimeline(true);
    assert.equal(t.peek(700), 700);
    assert.equal(t.map(700), 700);
    t.rebase(5000);
    assert.equal(t.map(6000), 6000);
  });
});

describe('Low-Latency HLS delivery directives', () => {
  it('parses msn, part and skip, and refuses the malformed', () => {
    assert.deepEqual(parseDirectives({}), { msn: undefined, part: undefined, skip: false });
    assert.deepEqual(parseDirectives({ _HLS_msn: '12', _HLS_part: '3', _HLS_skip: 'YES' }), { msn: 12, part: 3, skip: true });
    assert.deepEqual(parseDirectives({ _HLS_skip: 'v2' }), { msn: undefined, part: undefined, skip: true });
    assert.match(String(parseDirectives({ _HLS_part: '1' })), /needs _HLS_msn/);
    assert.match(String(parseDirectives({ _HLS_msn: '-1' })), /decimal integer/);
    assert.match(String(parseDirectives({ _HLS_msn: ['1', '2'] })), /decimal integer/);
    assert.match(String(parseDirectives({ _HLS_skip: 'NO' })), /YES or v2/);
  });
});
