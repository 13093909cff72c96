// MPEG-TS into media frames, the same frames an RTMP publisher's messages give (server/media/flv.ts parses the tag
// bodies built here): H.264 and HEVC access units from Annex B into length-prefixed NAL units, with a decoder
// configuration frame whenever the parameter sets appear or change; ADTS AAC into raw frames with an
// AudioSpecificConfig frame first. Timestamps: 90 kHz, 33-bit wrap undone, milliseconds from the first one seen.
// After a loss, video resumes at the next keyframe so the packager never gets a frame whose references are gone.

import { encodeAmf0, type AmfObject } from '../rtmp/amf0.js';
import { parseAsc } from './aac-config.js';
import { avcInfo, hevcInfo } from './codecs.js';
import { audioFrame, dataFrame, videoFrame } from './flv.js';
import type { MediaFrame } from './frame.js';
import {
  aacTag,
  audioSpecificConfig,
  avcDecoderConfig,
  avcTag,
  hevcDecoderConfig,
  hevcTag,
  parseAdtsHeader,
  splitAnnexB,
  toLengthPrefixed,
} from './codec-records.js';
import { STREAM_TYPE, TsDemuxer, type Pes } from './mpegts.js';

const WRAP = 2 ** 33;
/** Reordering delay beyond any encoder's (and within FLV's 24-bit composition time). */
const MAX_CTS_MS = 10_000;

interface VideoState {
  /** The parameter sets of the last config frame, to notice a change. */
  configKey: string;
  /** No config yet, or data was lost: frames wait for a keyframe (with its parameter sets). */
  waitKey: boolean;
  params: Map<number, Buffer>;
}

export class TsFrameReader {
  private readonly demux: TsDemuxer;
  private base = NaN;
  private last = 0;
  private readonly video = new Map<number, VideoState>();
  private audioConfig = new Map<number, string>();
  /** The last AudioSpecificConfig, for onMetaData. */
  private asc: Buffer | null = null;
  private metaSent = false;
  /** The one video and the one audio elementary stream used (the first of each in the PMT that sends data). */
  private videoPid = -1;
  private audioPid = -1;

  constructor(private readonly onFrame: (f: MediaFrame) => void) {
    this.demux = new TsDemuxer((p) => this.pes(p));
  }

  push(b: Buffer): void {
    this.demux.push(b);
  }

  discontinuity(): void {
    this.demux.discontinuity();
  }

  end(): void {
    this.demux.end();
  }

  /** 90 kHz, unwrapped against the last timestamp of any stream (they share one clock), to ms from the first. */
  private ms(t90: number): number {
    if (Number.isNaN(this.base)) {
      this.base = t90;
      this.last = t90;
    }
    let t = t90 + Math.round((this.last - t90) / WRAP) * WRAP;
    if (Math.abs(t - this.last) > WRAP / 2) t = t90;
    if (t > this.last) this.last = t;
    return (t - this.base) / 90;
  }

  private pes(p: Pes): void {
    if (p.streamType === STREAM_TYPE.aacAdts) {
      if (this.audioPid === -1) this.audioPid = p.pid;
      if (p.pid === this.audioPid) this.aac(p);
      return;
    }
    if (this.videoPid === -1) this.videoPid = p.pid;
    if (p.pid === this.videoPid) this.videoPes(p);
  }

  private videoPes(p: Pes): void {
    const hevc = p.streamType === STREAM_TYPE.hevc;
    let v = this.video.get(p.pid);
    if (!v) this.video.set(p.pid, (v = { configKey: '', waitKey: true, params: new Map() }));
    if (p.afterLoss) v.waitKey = true;
    const dts = this.ms(p.dts);
    const cts = Math.round(this.ms(p.pts) - dts);
    if (cts < 0 || cts > MAX_CTS_MS) {
      // A presentation time before the decode time, or far after it: a damaged header. Resume at a keyframe.
      v.waitKey = true;
      return;
    }
    const nals = splitAnnexB(p.data);
    const frameNals: Buffer[] = [];
    let key = false;
    for (const nal of nals) {
      const type = hevc ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
      if (hevc ? type >= 32 && type <= 34 : type === 7 || type === 8) {
        v.params.set(type, Buffer.from(nal));
        continue;
      }
      if (hevc ? type === 35 : type === 9) continue; // access unit delimiters
      if (hevc ? type >= 16 && type <= 21 : type === 5) key = true;
      frameNals.push(nal);
    }
    if (dts < 0) return; // before the first timestamp of the stream (a B-frame reorder at the very start)
    if (key) this.videoConfig(v, hevc, Math.round(dts));
    if (v.waitKey && !(key && v.configKey)) return;
    if (!frameNals.length) return;
    v.waitKey = false;
    const data = toLengthPrefixed(frameNals);
    const kind = key ? 'key' : 'inter';
    const tag = hevc ? hevcTag(kind, cts, data) : avcTag(kind, cts, data);
    this.onFrame(videoFrame(Math.round(dts), tag));
  }

  /** A config frame before a keyframe whose parameter sets are new. */
  private videoConfig(v: VideoState, hevc: boolean, dts: number): void {
    const get = (t: number) => (v.params.has(t) ? [v.params.get(t)!] : []);
    const sets = hevc ? [get(32), get(33), get(34)] : [get(7), get(8)];
    if (sets.some((s) => !s.length)) return;
    const configKey = sets.map((s) => s[0].toString('base64')).join('|');
    if (configKey === v.configKey) return;
    let record: Buffer;
    try {
      record = hevc ? hevcDecoderConfig(sets[0], sets[1], sets[2]) : avcDecoderConfig(sets[0], sets[1]);
    } catch {
      return;
    }
    v.configKey = configKey;
    if (!this.metaSent) this.metadata(hevc, record, dts);
    const tag = hevc ? hevcTag('config', 0, record) : avcTag('config', 0, record);
    this.onFrame(videoFrame(dts, tag));
  }

  /**
   * onMetaData as an encoder sends it over RTMP (RTMP players and restream destinations expect one), said from the
   * first video configuration and the audio seen so far.
   */
  private metadata(hevc: boolean, record: Buffer, dts: number): void {
    this.metaSent = true;
    const meta: AmfObject = { videocodecid: hevc ? 12 : 7, encoder: 'Onair MPEG-TS ingest' };
    try {
      const info = hevc ? hevcInfo(record) : avcInfo(record);
      Object.assign(meta, { width: info.width, height: info.height }, info.fps ? { framerate: info.fps } : {});
    } catch {
      // a record we cannot read: no size
    }
    if (this.asc) {
      try {
        const a = parseAsc(this.asc);
        Object.assign(meta, { audiocodecid: 10, audiosamplerate: a.sampleRate, audiochannels: a.channels, stereo: a.channels === 2 });
      } catch {
        // as above
      }
    }
    this.onFrame(dataFrame(dts, encodeAmf0('onMetaData', meta)));
  }

  private aac(p: Pes): void {
    const start = this.ms(p.pts);
    const b = p.data;
    let pos = 0;
    let n = 0;
    while (pos < b.length) {
      const h = parseAdtsHeader(b, pos);
      if (!h || pos + h.frameBytes > b.length) return; // the rest of this PES is not ADTS: skipped
      const dts = Math.round(start + (n * 1024 * 1000) / h.sampleRate);
      const ascKey = `${h.objectType}/${h.freqIndex}/${h.channelConfig}`;
      if (dts >= 0) {
        if (this.audioConfig.get(p.pid) !== ascKey) {
          this.audioConfig.set(p.pid, ascKey);
          this.asc = audioSpecificConfig(h);
          this.onFrame(audioFrame(dts, aacTag(true, this.asc)));
        }
        this.onFrame(audioFrame(dts, aacTag(false, b.subarray(pos + h.headerBytes, pos + h.frameBytes))));
      }
      pos += h.frameBytes;
      n++;
    }
  }
}
