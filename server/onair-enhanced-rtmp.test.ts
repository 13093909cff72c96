// End to end, Enhanced RTMP: real HEVC (x265) and real AV1 (SVT-AV1, else libaom) made by ffmpeg, published by an
// in-test RTMP client over a real TCP socket to a real Onair server (ffmpeg 5.1 cannot write Enhanced RTMP), then the
// HLS output checked with ffprobe and decoded with ffmpeg, frame for frame against the source.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, newStreamer, startTestServer, type TestServer } from './test-support/server.js';
import { ffmpegPath, ffprobe, run, sleep, waitFor } from './test-support/process.js';
import { clientHandshake, command } from './test-support/rtmp.js';
import { ChunkReader, DEFAULT_CHUNK_READER_LIMITS, MSG, type RtmpMessage } from './rtmp/chunk.js';
import { controlMessages, writeChunks } from './rtmp/chunk-writer.js';
import { decodeAmf0, ecmaArray, encodeAmf0, type AmfObject, type AmfValue } from './rtmp/amf0.js';

// ------------------------------------------------------------------------------------------------------------------
// A minimal reader for the non-fragmented MP4 files ffmpeg writes: sample entry config, AudioSpecificConfig and
// per-sample data with decode/composition times and sync flags, from the stbl tables.

interface Mp4Sample {
  data: Buffer;
  /** Decode time, track timescale. */
  dts: number;
  /** Composition offset (PTS - DTS), track timescale. */
  cts: number;
  keyframe: boolean;
}

interface Mp4Track {
  handler: 'vide' | 'soun';
  timescale: number;
  /** Sample entry type: 'hvc1', 'av01', 'mp4a', ... */
  entry: string;
  width: number;
  height: number;
  /** hvcC / av1C body for video; the AudioSpecificConfig for audio. */
  config: Buffer;
  samples: Mp4Sample[];
}

interface Box {
  type: string;
  /** Payload (after the box header). */
  body: Buffer;
}

function boxes(b: Buffer): Box[] {
  const out: Box[] = [];
  let p = 0;
  for (let n = 0; n < 10_000 && p + 8 <= b.length; n++) {
    let size = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    let head = 8;
    if (size === 1) {
      size = Number(b.readBigUInt64BE(p + 8));
      head = 16;
    } else if (size === 0) {
      size = b.length - p;
    }
    if (size < head || p + size > b.length) throw new Error(`bad box ${type} at ${p}`);
    out.push({ type, body: b.subarray(p + head, p + size) });
    p += size;
  }
  return out;
}

function child(parent: Buffer, type: string): Buffer | undefined {
  return boxes(parent).find((x) => x.type === type)?.body;
}

function need(parent: Buffer, ...path: string[]): Buffer {
  let cur = parent;
  for (const t of path) {
    const next = child(cur, t);
    if (!next) throw new Error(`no ${t} box`);
    cur = next;
  }
  return cur;
}

/** Expands (count, value) run tables such as stts and ctts. */
function runs(body: Buffer, signed: boolean): number[] {
  const n = body.readUInt32BE(4);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const count = body.readUInt32BE(8 + i * 8);
    const value = signed ? body.readInt32BE(12 + i * 8) : body.readUInt32BE(12 + i * 8);
    for (let k = 0; k < count && out.length < 1_000_000; k++) out.push(value);
  }
  return out;
}

/** MPEG-4 descriptor: tag, then a size of 1..4 bytes of 7 bits each. */
function descriptorAt(b: Buffer, p: number): { tag: number; body: Buffer; end: number } {
  const tag = b[p++];
  let len = 0;
  for (let i = 0; i < 4; i++) {
    const c = b[p++];
    len = (len << 7) | (c & 0x7f);
    if (!(c & 0x80)) break;
  }
  return { tag, body: b.subarray(p, p + len), end: p + len };
}

/** AudioSpecificConfig from an esds body (ES_Descriptor > DecoderConfigDescriptor > DecoderSpecificInfo). */
function ascFromEsds(esds: Buffer): Buffer {
  const es = descriptorAt(esds, 4);
  assert.equal(es.tag, 3, 'ES_Descriptor');
  const flags = es.body[2];
  let p = 3;
  if (flags & 0x80) p += 2; // dependsOn_ES_ID
  if (flags & 0x40) p += 1 + es.body[p]; // URL
  if (flags & 0x20) p += 2; // OCR_ES_Id
  const dcd = descriptorAt(es.body, p);
  assert.equal(dcd.tag, 4, 'DecoderConfigDescriptor');
  const dsi = descriptorAt(dcd.body, 13);
  assert.equal(dsi.tag, 5, 'DecoderSpecificInfo');
  return Buffer.from(dsi.body);
}

function readMp4(file: string): Mp4Track[] {
  const buf = readFileSync(file);
  const moov = need(buf, 'moov');
  const tracks: Mp4Track[] = [];
  for (const trak of boxes(moov).filter((x) => x.type === 'trak')) {
    const mdia = need(trak.body, 'mdia');
    const mdhd = need(mdia, 'mdhd');
    const timescale = mdhd[0] === 1 ? mdhd.readUInt32BE(20) : mdhd.readUInt32BE(12);
    const handler = need(mdia, 'hdlr').toString('latin1', 8, 12);
    if (handler !== 'vide' && handler !== 'soun') continue;
    const stbl = need(mdia, 'minf', 'stbl');

    // Sample description: the first entry, and its configuration box.
    const stsd = need(stbl, 'stsd');
    const [entry] = boxes(stsd.subarray(8));
    let width = 0;
    let height = 0;
    let config: Buffer;
    if (handler === 'vide') {
      width = entry.body.readUInt16BE(24);
      height = entry.body.readUInt16BE(26);
      const inner = entry.body.subarray(78);
      const cfg = child(inner, entry.type === 'av01' ? 'av1C' : entry.type === 'avc1' ? 'avcC' : 'hvcC');
      if (!cfg) throw new Error(`no config box in ${entry.type}`);
      config = Buffer.from(cfg);
    } else {
      config = ascFromEsds(need(entry.body.subarray(28), 'esds'));
    }

    // Sample sizes, chunk offsets, samples per chunk -> where each sample is.
    const stsz = need(stbl, 'stsz');
    const fixed = stsz.readUInt32BE(4);
    const count = stsz.readUInt32BE(8);
    const sizes = Array.from({ length: count }, (_, i) => (fixed ? fixed : stsz.readUInt32BE(12 + i * 4)));
    const stco = child(stbl, 'stco');
    const co64 = child(stbl, 'co64');
    const offsets: number[] = [];
    if (stco) for (let i = 0; i < stco.readUInt32BE(4); i++) offsets.push(stco.readUInt32BE(8 + i * 4));
    else if (co64) for (let i = 0; i < co64.readUInt32BE(4); i++) offsets.push(Number(co64.readBigUInt64BE(8 + i * 8)));
    else throw new Error('no stco/co64');
    const stsc = need(stbl, 'stsc');
    const stscEntries = Array.from({ length: stsc.readUInt32BE(4) }, (_, i) => ({
      firstChunk: stsc.readUInt32BE(8 + i * 12),
      perChunk: stsc.readUInt32BE(12 + i * 12),
    }));
    const positions: number[] = [];
    for (let c = 0; c < offsets.length && positions.length < count; c++) {
      let perChunk = 0;
      for (const e of stscEntries) if (e.firstChunk <= c + 1) perChunk = e.perChunk;
      let pos = offsets[c];
      for (let k = 0; k < perChunk && positions.length < count; k++) {
        positions.push(pos);
        pos += sizes[positions.length - 1];
      }
    }
    assert.equal(positions.length, count, 'every sample has a chunk');

    const deltas = runs(need(stbl, 'stts'), false);
    const ctts = child(stbl, 'ctts');
    const offsetsCts = ctts ? runs(ctts, true) : [];
    const stss = child(stbl, 'stss');
    const sync = stss ? new Set(Array.from({ length: stss.readUInt32BE(4) }, (_, i) => stss.readUInt32BE(8 + i * 4))) : undefined;
    const samples: Mp4Sample[] = [];
    let dts = 0;
    for (let i = 0; i < count; i++) {
      samples.push({
        data: buf.subarray(positions[i], positions[i] + sizes[i]),
        dts,
        cts: offsetsCts[i] ?? 0,
        keyframe: sync ? sync.has(i + 1) : true,
      });
      dts += deltas[i] ?? deltas[deltas.length - 1];
    }
    tracks.push({ handler, timescale, entry: entry.type, width, height, config, samples });
  }
  return tracks;
}

// ------------------------------------------------------------------------------------------------------------------
// An Enhanced RTMP publisher over a real socket, built on the project's chunk writer and AMF0 encoder.

class RtmpPublisher {
  private readonly received: AmfValue[][] = [];
  private skip = 1 + 1536 * 2; // S0 S1 S2
  private readonly reader = new ChunkReader({ ...DEFAULT_CHUNK_READER_LIMITS }, { onMessage: (m) => this.onMessage(m) });
  private wake: (() => void) | null = null;
  private error: Error | null = null;
  closed = false;
  private chunkSize = 128;

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      if (this.skip > 0) {
        const n = Math.min(this.skip, d.length);
        this.skip -= n;
        d = d.subarray(n);
      }
      try {
        if (d.length) this.reader.push(d);
      } catch (err) {
        this.error = err as Error;
      }
      this.wake?.();
    });
    sock.on('error', (err) => {
      this.error = err;
      this.wake?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static connect(port: number): Promise<RtmpPublisher> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port }, () => {
        sock.off('error', reject);
        sock.setNoDelay(true);
        resolve(new RtmpPublisher(sock));
      });
      sock.once('error', reject);
    });
  }

  private onMessage(m: RtmpMessage): void {
    if (m.typeId === MSG.commandAmf0 || m.typeId === MSG.dataAmf0) this.received.push(decodeAmf0(m.payload));
  }

  /** Writes, waiting for the socket to drain when its buffer is full. */
  async write(b: Buffer): Promise<void> {
    if (this.closed || this.error) throw this.error ?? new Error('RTMP connection closed');
    if (!this.sock.write(b)) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('socket did not drain in 10 s')), 10_000);
        this.sock.once('drain', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The first command or data message from the server that matches, waiting up to `timeoutMs`. */
  async expect(what: string, match: (c: AmfValue[]) => boolean, timeoutMs = 10_000): Promise<AmfValue[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (this.error) throw new Error(`RTMP error while waiting for ${what}: ${this.error.message}`);
      if (this.closed) throw new Error(`RTMP connection closed while waiting for ${what}: ${JSON.stringify(this.received)}`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  statusCodes(): string[] {
    return this.received.filter((c) => c[0] === 'onStatus').map((c) => String((c[3] as AmfObject).code));
  }

  async setChunkSize(size: number): Promise<void> {
    await this.write(writeChunks(controlMessages.setChunkSize(size), this.chunkSize));
    this.chunkSize = size;
  }

  command(streamId: number, ...values: AmfValue[]): Promise<void> {
    return this.write(writeChunks({ csid: 3, typeId: MSG.commandAmf0, streamId, timestamp: 0, payload: encodeAmf0(...values) }, this.chunkSize));
  }

  message(typeId: number, streamId: number, timestamp: number, payload: Buffer): Promise<void> {
    const csid = typeId === MSG.audio ? 4 : typeId === MSG.video ? 6 : 5;
    return this.write(writeChunks({ csid, typeId, streamId, timestamp, payload }, this.chunkSize));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const t = setTimeout(() => {
        this.sock.destroy();
        resolve();
      }, 2000);
      this.sock.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.sock.end();
    });
  }
}

/** One FLV tag body to send, with its RTMP timestamp (ms, the decode time). */
interface Tag {
  typeId: number;
  timestamp: number;
  body: Buffer;
}

const FOURCC = { hevc: 'hvc1', av1: 'av01' } as const;

/**
 * The MP4's tracks as the FLV tag bodies an Enhanced RTMP encoder sends: video SequenceStart (the hvcC/av1C record),
 * CodedFrames (HEVC with SI24 composition time; AV1 without) or, for HEVC frames without a composition offset,
 * CodedFramesX as OBS sends them; legacy AAC for audio. In decode order, sequence headers first.
 */
function flvTags(
  video: Mp4Track,
  audio: Mp4Track,
  codec: 'hevc' | 'av1',
): { headers: Tag[]; frames: Tag[]; stats: { codedFrames: number; codedFramesX: number } } {
  const fourcc = Buffer.from(FOURCC[codec], 'latin1');
  const ms = (t: number, scale: number) => Math.round((t * 1000) / scale);
  const headers: Tag[] = [
    { typeId: MSG.video, timestamp: 0, body: Buffer.concat([Buffer.from([0x80 | (1 << 4) | 0]), fourcc, video.config]) },
    { typeId: MSG.audio, timestamp: 0, body: Buffer.concat([Buffer.from([0xaf, 0x00]), audio.config]) },
  ];
  const stats = { codedFrames: 0, codedFramesX: 0 };
  const frames: Tag[] = [];
  for (const s of video.samples) {
    const dts = ms(s.dts, video.timescale);
    const cts = ms(s.dts + s.cts, video.timescale) - dts;
    const frameType = s.keyframe ? 1 : 2;
    let head: Buffer;
    if (codec === 'av1') {
      head = Buffer.concat([Buffer.from([0x80 | (frameType << 4) | 1]), fourcc]);
      stats.codedFrames++;
    } else if (cts === 0) {
      head = Buffer.concat([Buffer.from([0x80 | (frameType << 4) | 3]), fourcc]);
      stats.codedFramesX++;
    } else {
      const si24 = Buffer.alloc(3);
      si24.writeIntBE(cts, 0, 3);
      head = Buffer.concat([Buffer.from([0x80 | (frameType << 4) | 1]), fourcc, si24]);
      stats.codedFrames++;
    }
    frames.push({ typeId: MSG.video, timestamp: dts, body: Buffer.concat([head, s.data]) });
  }
  for (const s of audio.samples) {
    frames.push({ typeId: MSG.audio, timestamp: ms(s.dts, audio.timescale), body: Buffer.concat([Buffer.from([0xaf, 0x01]), s.data]) });
  }
  // Interleave by decode time (stable: video before audio at equal times, as encoders usually do).
  frames.sort((a, b) => a.timestamp - b.timestamp || (a.typeId === b.typeId ? 0 : a.typeId === MSG.video ? -1 : 1));
  return { headers, frames, stats };
}

/** Per-frame MD5s of what ffmpeg decodes (video) or of the packets (audio, stream copy) from `input`. */
async function frameHashes(input: string, kind: 'video' | 'audio'): Promise<string[]> {
  const args = ['-v', 'error', '-i', input, '-map', kind === 'video' ? '0:v:0' : '0:a:0'];
  if (kind === 'video') args.push('-fps_mode', 'passthrough', '-pix_fmt', 'yuv420p');
  else args.push('-c', 'copy');
  args.push('-f', 'framemd5', '-');
  const out = await run(ffmpegPath, args, 60_000);
  assert.equal(out.code, 0, `framemd5 of ${input}: ${out.stderr}`);
  return out.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',')[5].trim()); // stream, dts, pts, duration, size, hash[, side data]
}

// ------------------------------------------------------------------------------------------------------------------

const SECONDS = 4;
const FPS = 30;
/** Media time sent per wall-clock second: a bit faster than real time keeps the test short, still live-like. */
const PACE = 1.5;

interface Case {
  codec: 'hevc' | 'av1';
  user: string;
  width: number;
  height: number;
  /** RFC 6381 codec string (a prefix of it for HEVC, whose constraint bytes follow) and level name, from the level ffprobe reads. */
  expect(level: number): { codec: string; level: string };
  statName: string;
  encoders: string[][];
}

const CASES: Case[] = [
  {
    codec: 'hevc',
    user: 'hevcstreamer',
    width: 640,
    height: 360,
    // Main profile (1), compatibility flags 0x60000000 reversed (6), Main tier; HEVC level names are level_idc / 30.
    expect: (level) => ({ codec: `hvc1.1.6.L${level}`, level: (level / 30).toFixed(1) }),
    statName: 'H265',
    encoders: [['-c:v', 'libx265', '-x265-params', `keyint=${FPS}:min-keyint=${FPS}:scenecut=0:log-level=error`, '-tag:v', 'hvc1']],
  },
  {
    codec: 'av1',
    user: 'av1streamer',
    width: 320,
    height: 180,
    // Main profile, seq_level_idx, Main tier, 8 bits; level X.Y from seq_level_idx = (X - 2) * 4 + Y.
    expect: (level) => ({ codec: `av01.0.${String(level).padStart(2, '0')}M.08`, level: `${2 + (level >> 2)}.${level & 3}` }),
    statName: 'AV1',
    encoders: [
      ['-c:v', 'libsvtav1', '-preset', '10', '-g', String(FPS)],
      ['-c:v', 'libaom-av1', '-cpu-used', '8', '-row-mt', '1', '-g', String(FPS), '-keyint_min', String(FPS)],
    ],
  },
];

describe('Enhanced RTMP publishing (HEVC and AV1) end to end', () => {
  let s: TestServer;
  let work: string;
  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'onair-ertmp-'));
    s = await startTestServer({ ONAIR_GRACE_SECONDS: '0' });
  });
  after(async () => {
    await s?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const c of CASES) {
    test(`${c.codec}: published over Enhanced RTMP, played and replayed as HLS`, { timeout: 60_000 }, async (t: TestContext) => {
      // 1. A real bitstream from ffmpeg.
      const src = path.join(work, `${c.codec}.mp4`);
      let encoded = false;
      let encodeErr = '';
      for (const enc of c.encoders) {
        const r = await run(
          ffmpegPath,
          [
            '-hide_banner',
            '-loglevel',
            'error',
            '-y',
            '-f',
            'lavfi',
            '-i',
            `testsrc2=size=${c.width}x${c.height}:rate=${FPS}`,
            '-f',
            'lavfi',
            '-i',
            'sine=frequency=440:sample_rate=48000',
            '-t',
            String(SECONDS),
            ...enc,
            '-pix_fmt',
            'yuv420p',
            '-c:a',
            'aac',
            '-b:a',
            '96k',
            '-movflags',
            '+faststart',
            src,
          ],
          30_000,
        );
        if (r.code === 0) {
          encoded = true;
          break;
        }
        encodeErr += r.stderr.slice(-500);
      }
      if (!encoded) {
        t.skip(`no ${c.codec} encoder in this ffmpeg: ${encodeErr}`);
        return;
      }
      const srcProbe = await ffprobe(src);
      const srcLevel = Number(srcProbe.streams.find((x) => x.codec_type === 'video')?.level);
      assert.ok(Number.isInteger(srcLevel) && srcLevel >= 0, `source level ${srcLevel}`);
      const expected = c.expect(srcLevel);
      const tracks = readMp4(src);
      const video = tracks.find((x) => x.handler === 'vide')!;
      const audio = tracks.find((x) => x.handler === 'soun')!;
      assert.equal(video.entry, FOURCC[c.codec]);
      assert.equal(video.samples.length, SECONDS * FPS);
      assert.ok(video.samples[0].keyframe);
      assert.ok(video.samples.filter((x) => x.keyframe).length >= SECONDS, 'a keyframe every second');
      assert.equal(audio.entry, 'mp4a');
      const { headers, frames, stats: tagStats } = flvTags(video, audio, c.codec);
      if (c.codec === 'hevc')
        assert.ok(tagStats.codedFrames > 0 && tagStats.codedFramesX > 0, 'x265 B-frames: both CodedFrames and CodedFramesX are sent');

      // 2. Publish: handshake, connect with fourCcList, releaseStream, FCPublish, createStream, publish.
      const { channel } = await newStreamer(s.base, c.user);
      const pub = await RtmpPublisher.connect(s.rtmpPort);
      try {
        await pub.write(clientHandshake());
        await pub.write(
          command(0, 'connect', 1, {
            app: 'live',
            type: 'nonprivate',
            flashVer: 'FMLE/3.0 (compatible; onair-enhanced-test)',
            tcUrl: s.rtmpBase,
            fourCcList: ['hvc1', 'av01', 'vp09'],
          }),
        );
        const connected = await pub.expect('connect _result', (m) => m[0] === '_result' && m[1] === 1);
        assert.equal((connected[3] as AmfObject).code, 'NetConnection.Connect.Success');
        assert.deepEqual((connected[2] as AmfObject).fourCcList, ['hvc1', 'av01'], 'the server announces the FourCCs it takes');
        await pub.write(command(0, 'releaseStream', 2, null, channel.streamKey));
        await pub.write(command(0, 'FCPublish', 3, null, channel.streamKey));
        await pub.write(command(0, 'createStream', 4, null));
        const created = await pub.expect('createStream _result', (m) => m[0] === '_result' && m[1] === 4);
        const streamId = created[3] as number;
        assert.equal(typeof streamId, 'number');
        await pub.write(command(streamId, 'publish', 5, null, channel.streamKey, 'live'));
        await pub.expect('NetStream.Publish.Start', (m) => m[0] === 'onStatus' && (m[3] as AmfObject).code === 'NetStream.Publish.Start');

        await pub.setChunkSize(4096);
        await pub.message(
          MSG.dataAmf0,
          streamId,
          0,
          encodeAmf0(
            '@setDataFrame',
            'onMetaData',
            ecmaArray({
              width: c.width,
              height: c.height,
              framerate: FPS,
              videodatarate: 500,
              // Enhanced RTMP: videocodecid is the FourCC as a number.
              videocodecid: Buffer.from(FOURCC[c.codec], 'latin1').readUInt32BE(0),
              audiocodecid: 10,
              audiosamplerate: 48000,
              audiodatarate: 96,
              stereo: false,
              encoder: 'onair-enhanced-test',
            }),
          ),
        );
        for (const h of headers) await pub.message(h.typeId, streamId, h.timestamp, h.body);

        // 3. Frames in decode order, paced against their timestamps, while the live output is checked alongside.
        const sending = (async () => {
          const t0 = Date.now();
          for (const f of frames) {
            const due = t0 + f.timestamp / PACE - Date.now();
            if (due > 2) await sleep(due);
            await pub.message(f.typeId, streamId, f.timestamp, f.body);
          }
        })();
        sending.catch(() => {}); // awaited below; a failure must not be unhandled meanwhile

        const live = await waitFor(
          `${c.user} live with 2 segments`,
          () => {
            const st = s.streams.get(channel.name);
            return st && st.segments >= 2 ? st : null;
          },
          15_000,
          50,
        );
        const replayId = live.streamId;
        const liveUrl = `${s.base}/hls/${channel.name}/index.m3u8`;
        assert.equal((await fetch(liveUrl)).status, 200);
        const liveProbe = await ffprobe(liveUrl);
        const lv = liveProbe.streams.find((x) => x.codec_type === 'video');
        assert.ok(lv, `live video stream: ${JSON.stringify(liveProbe.streams)}`);
        assert.equal(lv.codec_name, c.codec);
        assert.equal(lv.codec_tag_string, FOURCC[c.codec]);
        assert.equal(lv.width, c.width);
        assert.equal(lv.height, c.height);
        assert.equal(liveProbe.streams.find((x) => x.codec_type === 'audio')?.codec_name, 'aac');

        const stats = (await api(s.base, 'GET', '/api/stats')).body.streams.find((x: any) => x.channel === channel.name);
        assert.ok(stats, 'stream in /api/stats');
        if (c.codec === 'hevc') assert.match(stats.video.codec, new RegExp(`^${expected.codec.replace(/\./g, '\\.')}(\\.[0-9A-F]{1,2})*$`));
        else assert.equal(stats.video.codec, expected.codec);
        assert.equal(stats.video.level, expected.level);
        assert.equal(stats.video.profile, 'Main');
        assert.equal(stats.video.width, c.width);
        assert.equal(stats.video.height, c.height);
        assert.equal(stats.audio.codec, 'mp4a.40.2');
        assert.equal(stats.audio.sampleRate, 48000);
        const statXml = await (await fetch(`${s.base}/stat`)).text();
        assert.match(
          statXml,
          new RegExp(`<video>\\s*<width>${c.width}</width>\\s*<height>${c.height}</height>[\\s\\S]*?<codec>${c.statName}</codec>`),
        );

        // The live DASH manifest names the codec too.
        const mpd = await fetch(`${s.base}/dash/${channel.name}/index.mpd`);
        assert.equal(mpd.status, 200);
        assert.ok((await mpd.text()).includes(stats.video.codec), 'codec string in the MPD');

        await sending;
        // End of sequence, as OBS sends it when it stops.
        const last = frames[frames.length - 1].timestamp;
        await pub.message(MSG.video, streamId, last, Buffer.concat([Buffer.from([0x80 | (1 << 4) | 2]), Buffer.from(FOURCC[c.codec], 'latin1')]));
        // 4. Unpublish as OBS does, then close.
        await pub.command(0, 'FCUnpublish', 6, null, channel.streamKey);
        await pub.command(streamId, 'deleteStream', 7, null, streamId);
        await pub.expect('NetStream.Unpublish.Success', (m) => m[0] === 'onStatus' && (m[3] as AmfObject).code === 'NetStream.Unpublish.Success');
        assert.ok(!pub.statusCodes().some((x) => /Failed|BadName|Error/i.test(x)), pub.statusCodes().join(','));

        // 5. The replay: complete, the right codecs and size, as long as what was published, and it decodes to
        // exactly the frames of the source.
        await s.replayRecorded(replayId);
        const replays = (await api(s.base, 'GET', `/api/channels/${channel.name}/replays`)).body;
        assert.equal(replays.length, 1);
        assert.ok(Math.abs(replays[0].durationSeconds - SECONDS) <= 1, `replay duration ${replays[0].durationSeconds}`);
        const vodUrl = `${s.base}/vod/${replayId}/index.m3u8`;
        const probe = await ffprobe(vodUrl);
        const v = probe.streams.find((x) => x.codec_type === 'video');
        const a = probe.streams.find((x) => x.codec_type === 'audio');
        assert.equal(v?.codec_name, c.codec);
        assert.equal(v.codec_tag_string, FOURCC[c.codec]);
        assert.equal(v.width, c.width);
        assert.equal(v.height, c.height);
        assert.equal(a?.codec_name, 'aac');
        assert.equal(Number(a.sample_rate), 48000);
        assert.ok(Math.abs(Number(probe.format.duration) - SECONDS) <= 1, `probed duration ${probe.format.duration}`);

        const decode = await run(ffmpegPath, ['-v', 'error', '-i', vodUrl, '-f', 'null', '-'], 60_000);
        assert.equal(decode.code, 0, decode.stderr);
        assert.equal(decode.stderr.trim(), '', 'decodes without errors');

        const [srcVideo, outVideo] = await Promise.all([frameHashes(src, 'video'), frameHashes(vodUrl, 'video')]);
        assert.equal(srcVideo.length, SECONDS * FPS);
        assert.deepEqual(outVideo, srcVideo, 'every decoded frame is identical to the source');
        const [srcAudio, outAudio] = await Promise.all([frameHashes(src, 'audio'), frameHashes(vodUrl, 'audio')]);
        assert.deepEqual(outAudio, srcAudio, 'every AAC frame arrives unchanged');
      } finally {
        await pub.close();
      }
    });
  }
});
