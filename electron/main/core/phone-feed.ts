// The phone layer's source in main: adb screenrecord for one phone (the broadcast pipeline's AndroidFeeder: same
// arguments, same restart before the 3-minute limit), its H.264 cut into access units (h264-access-units.ts) and
// sent to the window as media chunks and state events (electron/source-feed.ts). The window decodes and draws it
// (renderer/studio/engine/sources/phone.ts). One feed per open phone layer source; closing it stops adb.
import { Writable } from 'node:stream';
import { AndroidFeeder } from '../../broadcast/android.js';
import { encodeMediaChunk } from '../../media-chunk.js';
import type { FeedMessage, FeedState } from '../../source-feed.js';
import type { FeedHandle } from './source-feeds.js';
import { AccessUnits, type AccessUnitOut } from './h264-access-units.js';

/**
 * Portrait, as a phone is mostly held (screenrecord letterboxes a landscape screen into it); the layer crops or
 * stretches as the user sets it. 6 Mb/s keeps text on the phone's screen legible.
 */
export const PHONE_RECORD = { size: '720x1280', bitRate: 6_000_000 } as const;
/** screenrecord writes a whole frame at once: a pause this long means what is held is a whole picture. */
const FLUSH_AFTER_MS = 15;

export interface PhoneFeedOptions {
  adb?: string;
  /** Replaces screenrecord this often (default the pipeline's, ~170 s); tests make it short. */
  restartMs?: number;
}

/**
 * Starts adb for `serial` ('' for the one phone connected) and sends what it records. `send` returns false when its
 * channel is backed up: pictures are then dropped up to the next keyframe (a dropped picture would break the ones
 * that refer to it), never a configuration.
 */
export function openPhoneFeed(serial: string, send: (m: FeedMessage) => boolean | void, o: PhoneFeedOptions = {}): FeedHandle {
  const units = new AccessUnits();
  const t0 = performance.now();
  let state: FeedState | null = null;
  let closed = false;
  let skipToKey = false;
  let flushTimer: NodeJS.Timeout | undefined;

  const setState = (s: FeedState, reason?: string) => {
    if (closed || state === 'failed' || (state === s && !reason)) return;
    state = s;
    send({ type: 'state', state: s, ...(reason ? { reason } : {}) });
  };
  const deliver = (outs: AccessUnitOut[]) => {
    for (const u of outs) {
      if (closed) return;
      // Stamped on arrival: screenrecord's stream has no timestamps, and the layer shows the newest picture anyway.
      const timestampUs = Math.round((performance.now() - t0) * 1000);
      if (u.type === 'config') {
        send({ type: 'video', codec: u.codec, width: u.width, height: u.height });
        send(new Uint8Array(encodeMediaChunk({ kind: 'video-config', timestampUs, compositionUs: 0, data: u.avcC })));
        continue;
      }
      if (skipToKey && !u.key) continue;
      const ok = send(new Uint8Array(encodeMediaChunk({ kind: u.key ? 'video-key' : 'video-delta', timestampUs, compositionUs: 0, data: u.data })));
      skipToKey = ok === false;
      setState('live');
    }
  };
  const guarded = (fn: () => AccessUnitOut[]) => {
    try {
      deliver(fn());
    } catch (err) {
      // A parameter set our codec library cannot read: nothing of this stream can be shown.
      setState('failed', `The phone's video could not be read (${(err as Error).message}).`);
      feeder.stop();
    }
  };

  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      clearTimeout(flushTimer);
      guarded(() => units.push(chunk));
      flushTimer = setTimeout(() => guarded(() => units.flush()), FLUSH_AFTER_MS);
      cb();
    },
  });
  const feeder = new AndroidFeeder(
    { kind: 'adb-screenrecord', serial: serial || undefined, size: PHONE_RECORD.size, bitRate: PHONE_RECORD.bitRate },
    sink,
    { adb: o.adb, restartMs: o.restartMs },
  );
  feeder.on('recorder', () => units.reset());
  feeder.on('interrupted', (reason: string) => setState('reconnecting', reason));
  feeder.on('error', (reason: string) => {
    setState('failed', reason);
    feeder.stop();
  });
  setState('starting');
  feeder.start();
  return {
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(flushTimer);
      feeder.stop();
      sink.destroy();
    },
  };
}
