// The relay hub: channel name -> the live publisher, with what a new player needs to start decoding at once
// (metadata, sequence headers, the GOP since the last keyframe) and the set of players. Owned by one RtmpServer;
// no globals.

import { mediaSlabs } from '../media/media-slabs.js';
import { parseAsc } from '../media/aac-config.js';
import { videoCodecInfo } from '../media/codecs.js';
import { flvCodecName } from '../media/flv.js';
import { retimed, type MediaFrame, type StreamMetadata } from '../media/frame.js';

export interface StreamMediaInfo {
  width?: number;
  height?: number;
  fps?: number;
  videoCodec?: string;
  audioCodec?: string;
  audioSampleRate?: number;
  audioChannels?: number;
}

export interface PublisherHandle {
  connectionId: string;
  remoteAddress: string;
  app: string;
  connectedAt: number;
  flashVer: string;
  bytesIn(): number;
  kick(reason: string): void;
  /** Hand over frames the publisher is holding back (see RtmpSession.onMessage), before a player starts. */
  flushDeferred(): void;
}

export interface Subscriber {
  /** Query string given with the stream name (`name?t=…` -> `t=…`), or ''. May hold a media token: never log it. */
  query: string;
  connectionId: string;
  remoteAddress: string;
  connectedAt: number;
  flashVer: string;
  bytesOut(): number;
  /** Called synchronously for every live frame; must not block (drop or disconnect when backed up). */
  deliver(frame: MediaFrame): void;
  /** The publisher went away. */
  publisherGone(): void;
  /** Stop playing and disconnect (access withdrawn). False when the player had already left. */
  drop(reason: string): boolean;
}

/** Rolling bandwidth: samples of a growing byte counter, bits per second over the last few samples. */
export class RateMeter {
  private samples: Array<{ t: number; bytes: number }> = [];
  constructor(private readonly windowMs = 5000) {}
  sample(totalBytes: number, now: number): void {
    this.samples.push({ t: now, bytes: totalBytes });
    while (this.samples.length > 2 && now - this.samples[0].t > this.windowMs) this.samples.shift();
    if (this.samples.length > 64) this.samples.shift();
  }
  bitsPerSecond(): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    const dt = b.t - a.t;
    return dt > 0 ? Math.round(((b.bytes - a.bytes) * 8 * 1000) / dt) : 0;
  }
}

function num(v: number | undefined): number | undefined {
  return v !== undefined && v > 0 ? v : undefined;
}

const VIDEO_CODEC_IDS: Record<number, string> = { 2: 'h263', 4: 'vp6', 5: 'vp6a', 7: 'avc1', 12: 'hvc1', 13: 'av01' };
const AUDIO_CODEC_IDS: Record<number, string> = { 2: 'mp3', 10: 'aac', 11: 'speex', 14: 'mp3' };

export class LiveChannel {
  metadata: MediaFrame | null = null;
  videoSequenceHeader: MediaFrame | null = null;
  audioSequenceHeader: MediaFrame | null = null;
  gop: MediaFrame[] = [];
  private gopBytes = 0;
  private gopOverflow = false;
  readonly info: StreamMediaInfo = {};
  readonly subscribers = new Set<Subscriber>();
  readonly meter = new RateMeter();
  readonly meterOut = new RateMeter();
  /** Bytes sent to players that have left, so the outgoing counter keeps growing. */
  private bytesOutGone = 0;
  messages = 0;

  constructor(
    readonly name: string,
    readonly publisher: PublisherHandle,
    private readonly maxGopCacheBytes: number,
  ) {}

  /** Record and fan out one frame from the publisher. */
  ingest(frame: MediaFrame): void {
    this.messages++;
    if (frame.track === 'data') {
      mediaSlabs.pin(frame.tag); // kept for players until replaced: rare and small
      if (frame.kind === 'meta') this.onMetadata(frame);
    } else if (frame.kind === 'config') {
      mediaSlabs.pin(frame.tag);
      if (frame.track === 'video') this.onVideoConfig(frame);
      else this.onAudioConfig(frame);
    } else if (frame.track === 'video' && frame.kind === 'key') {
      this.dropGop();
      mediaSlabs.hold(frame.tag);
      this.gop = [frame];
      this.gopBytes = frame.tag.length;
      this.gopOverflow = false;
    } else {
      if (frame.track === 'audio' && !this.info.audioCodec) this.info.audioCodec = flvCodecName(frame);
      this.addToGop(frame);
    }
    if (this.subscribers.size === 0) return;
    mediaSlabs.pin(frame.tag); // players write it to their sockets: it is theirs until the kernel took it
    for (const s of this.subscribers) s.deliver(frame);
  }

  /** The cached GOP is let go (a new keyframe, an overflow, the publisher gone). */
  dropGop(): void {
    for (const f of this.gop) mediaSlabs.release(f.tag);
    this.gop = [];
  }

  private onVideoConfig(frame: MediaFrame): void {
    this.videoSequenceHeader = frame;
    this.info.videoCodec = flvCodecName(frame) || this.info.videoCodec;
    if (frame.codec === 'avc' || frame.codec === 'hevc' || frame.codec === 'av1') {
      try {
        const c = videoCodecInfo(frame.codec, frame.data);
        if (c.width > 0 && c.height > 0) {
          this.info.width = c.width;
          this.info.height = c.height;
        }
      } catch {
        // a record we cannot read: the size stays as onMetaData announced it
      }
    }
  }

  private onAudioConfig(frame: MediaFrame): void {
    this.audioSequenceHeader = frame;
    this.info.audioCodec = flvCodecName(frame) || this.info.audioCodec;
    if (frame.codec !== 'aac') return;
    try {
      const c = parseAsc(frame.data);
      this.info.audioSampleRate = c.sampleRate;
      this.info.audioChannels = c.channels;
    } catch {
      // as above
    }
  }

  /** Bytes sent to this channel's players, including those that left. */
  bytesOutTotal(): number {
    let n = this.bytesOutGone;
    for (const s of this.subscribers) n += s.bytesOut();
    return n;
  }

  removeSubscriber(s: Subscriber): void {
    if (this.subscribers.delete(s)) this.bytesOutGone += s.bytesOut();
  }

  private addToGop(frame: MediaFrame): void {
    if (this.gop.length === 0 || this.gopOverflow) return;
    this.gopBytes += frame.tag.length;
    if (this.gopBytes > this.maxGopCacheBytes) {
      this.dropGop();
      this.gopBytes = 0;
      this.gopOverflow = true;
      return;
    }
    mediaSlabs.hold(frame.tag);
    this.gop.push(frame);
  }

  private onMetadata(frame: MediaFrame): void {
    this.metadata = frame;
    const m = frame.meta as StreamMetadata;
    this.info.width = num(m.width) ?? this.info.width;
    this.info.height = num(m.height) ?? this.info.height;
    this.info.fps = num(m.framerate) ?? this.info.fps;
    const vc = m.videocodecid;
    if (typeof vc === 'number') this.info.videoCodec = VIDEO_CODEC_IDS[vc] ?? this.info.videoCodec;
    else if (typeof vc === 'string' && vc) this.info.videoCodec = vc;
    const ac = m.audiocodecid;
    if (typeof ac === 'number') this.info.audioCodec = AUDIO_CODEC_IDS[ac] ?? this.info.audioCodec;
    else if (typeof ac === 'string' && ac) this.info.audioCodec = ac;
    this.info.audioSampleRate = num(m.audiosamplerate) ?? this.info.audioSampleRate;
    this.info.audioChannels = num(m.audiochannels) ?? (m.stereo === true ? 2 : m.stereo === false ? 1 : this.info.audioChannels);
  }

  /** What a new player gets before live frames: metadata, sequence headers, then the GOP. */
  startupFrames(): MediaFrame[] {
    const out: MediaFrame[] = [];
    const ts = this.gop[0]?.dts ?? this.videoSequenceHeader?.dts ?? 0;
    if (this.metadata) out.push(retimed(this.metadata, ts));
    if (this.videoSequenceHeader) out.push(retimed(this.videoSequenceHeader, ts));
    if (this.audioSequenceHeader) out.push(retimed(this.audioSequenceHeader, ts));
    out.push(...this.gop);
    for (const f of this.gop) mediaSlabs.pin(f.tag); // on their way to a new player's socket
    return out;
  }
}

export class RelayHub {
  private readonly channels = new Map<string, LiveChannel>();

  constructor(private readonly maxGopCacheBytes: number) {}

  /** Take a channel for a publisher; null when someone is already live on it. */
  claim(name: string, publisher: PublisherHandle): LiveChannel | null {
    if (this.channels.has(name)) return null;
    const ch = new LiveChannel(name, publisher, this.maxGopCacheBytes);
    this.channels.set(name, ch);
    return ch;
  }

  release(ch: LiveChannel): void {
    if (this.channels.get(ch.name) === ch) this.channels.delete(ch.name);
    ch.dropGop();
    for (const s of [...ch.subscribers]) s.publisherGone();
    ch.subscribers.clear();
  }

  get(name: string): LiveChannel | undefined {
    return this.channels.get(name);
  }

  list(): LiveChannel[] {
    return [...this.channels.values()];
  }
}
