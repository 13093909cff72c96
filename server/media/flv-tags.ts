// Media frames from encoded codec data: the FLV tag bodies a publisher sends (legacy AVC and AAC, what every RTMP
// server reads), built here and read back through flv.ts, so what we send is exactly what our own edge parses.
// The Studio's engine sender uses it; the records are checked with the codec parsers before anything is sent.
import { parseAsc } from './aac-config.js';
import { parseAvcC } from './codecs.js';
import { audioFrame, videoFrame } from './flv.js';
import type { MediaFrame } from './frame.js';

const AVC_KEY = 0x17; // frame type 1 (key) << 4 | codec id 7 (AVC)
const AVC_INTER = 0x27; // frame type 2 (inter) << 4 | codec id 7
/** Sound format 10 (AAC) << 4 | rate 3 (44 kHz, what FLV says for any AAC) << 2 | 16-bit << 1 | stereo. */
const AAC_HEADER = 0xaf;

function si24(b: Buffer, p: number, v: number): void {
  const u = v < 0 ? v + 0x1000000 : v;
  b[p] = (u >> 16) & 0xff;
  b[p + 1] = (u >> 8) & 0xff;
  b[p + 2] = u & 0xff;
}

/** The AVC sequence header from an AVCDecoderConfigurationRecord (WebCodecs' `description` in avc format). */
export function avcConfigFrame(dtsMs: number, avcC: Uint8Array): MediaFrame {
  const cfg = parseAvcC(avcC); // throws on a record that is not one
  if (cfg.sps.length === 0 || cfg.pps.length === 0) throw new Error('The avcC record has no SPS or no PPS.');
  if (cfg.nalLengthSize !== 4) throw new Error(`The avcC record uses ${cfg.nalLengthSize}-byte NAL lengths; the sender needs 4.`);
  const tag = Buffer.alloc(5 + avcC.byteLength);
  tag[0] = AVC_KEY;
  tag[1] = 0; // AVC sequence header
  tag.set(avcC, 5);
  return videoFrame(dtsMs, tag);
}

/**
 * One H.264 access unit as AVCC (4-byte length-prefixed NAL units), with its composition offset in milliseconds.
 * Rejects data that is not length-prefixed NAL units (an Annex B stream would be misread by every player).
 */
export function avcFrame(dtsMs: number, key: boolean, nalus: Uint8Array, ctsMs = 0): MediaFrame {
  let p = 0;
  while (p < nalus.byteLength) {
    if (p + 4 > nalus.byteLength) throw new Error('The H.264 access unit ends inside a NAL length.');
    const len = ((nalus[p] << 24) >>> 0) + (nalus[p + 1] << 16) + (nalus[p + 2] << 8) + nalus[p + 3];
    if (len === 0 || p + 4 + len > nalus.byteLength) throw new Error('The H.264 access unit is not AVCC (length-prefixed NAL units).');
    p += 4 + len;
  }
  if (p === 0) throw new Error('The H.264 access unit is empty.');
  const tag = Buffer.alloc(5 + nalus.byteLength);
  tag[0] = key ? AVC_KEY : AVC_INTER;
  tag[1] = 1; // NAL units
  si24(tag, 2, Math.round(ctsMs));
  tag.set(nalus, 5);
  return videoFrame(dtsMs, tag);
}

/** The AAC sequence header from an AudioSpecificConfig (WebCodecs' `description`, or the WebAssembly encoder's). */
export function aacConfigFrame(dtsMs: number, asc: Uint8Array): MediaFrame {
  parseAsc(asc); // throws on a config that is not one
  const tag = Buffer.alloc(2 + asc.byteLength);
  tag[0] = AAC_HEADER;
  tag[1] = 0; // AAC sequence header
  tag.set(asc, 2);
  return audioFrame(dtsMs, tag);
}

/** One raw AAC frame (no ADTS header). */
export function aacFrame(dtsMs: number, raw: Uint8Array): MediaFrame {
  if (raw.byteLength >= 2 && raw[0] === 0xff && (raw[1] & 0xf6) === 0xf0) throw new Error('The AAC frame carries an ADTS header; send raw frames.');
  const tag = Buffer.alloc(2 + raw.byteLength);
  tag[0] = AAC_HEADER;
  tag[1] = 1; // raw AAC frame
  tag.set(raw, 2);
  return audioFrame(dtsMs, tag);
}
