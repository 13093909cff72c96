// A Node RTMP publisher for the first-part scenario: it sends the FLV tags of the benchmark's input file at their
// timestamps (1x, as ffmpeg -re does) over the RTMP client of the server's tests (server/test-support/rtmp.ts), and
// records when the last byte of the first video keyframe was handed to the loopback socket. ffmpeg's -progress
// reports say when media left ffmpeg only to within a report period (0.25 s) and a packet; here the instant is the
// write callback of that very message, on the same clock as the player's requests.

import { readFileSync } from 'node:fs';
import { parseFlvFile } from '../server/media/flv-file.js';
import type { MediaFrame } from '../server/media/frame.js';
import { controlMessages, writeChunks } from '../server/rtmp/chunk-writer.js';
import { encodeAmf0 } from '../server/rtmp/amf0.js';
import { RawRtmpClient } from '../server/test-support/rtmp.js';

/** Chunk size announced to the server (ffmpeg's): a 2.5 Mbit/s keyframe in ~30 chunks instead of ~800. */
const CHUNK_SIZE = 4096;
const CSID = { audio: 4, data: 5, video: 6 } as const;
const TYPE_ID = { audio: 8, video: 9, data: 18 } as const;

let cached: { path: string; frames: MediaFrame[] } | undefined;

/** The input's frames, read once per process (about 20 MB for 60 s). */
function framesOf(path: string): MediaFrame[] {
  if (cached?.path !== path) cached = { path, frames: [...parseFlvFile(readFileSync(path))] };
  return cached.frames;
}

export interface NodePublisher {
  /** performance.now() when the TCP connection was opened. */
  startPerf: number;
  /** performance.now() at which the server answered NetStream.Publish.Start. */
  publishStartPerf: number;
  /** performance.now() when the first keyframe's last byte was written to the socket (undefined until then). */
  keyframeWrittenPerf(): number | undefined;
  /** Bytes of that keyframe's FLV tag body. */
  keyframeBytes(): number;
  stop(): void;
}

/**
 * Connects to `rtmpBase` (rtmp://host:port/app), publishes `key`, and sends the input's tags at 1x from media time 0
 * (sequence headers and the first keyframe at once), for at most `maxSeconds` of media. Rejects when the server
 * does not answer Publish.Start within 10 s.
 */
export async function startNodePublisher(input: string, rtmpBase: string, key: string, maxSeconds = 20): Promise<NodePublisher> {
  const frames = framesOf(input);
  const url = new URL(rtmpBase);
  const app = url.pathname.replace(/^\//, '');
  const startPerf = performance.now();
  const client = await RawRtmpClient.open(Number(url.port), { host: url.hostname });
  client.socket.setNoDelay(true);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    client.close();
  };
  try {
    if (!(await client.handshake())) throw new Error('RTMP handshake failed');
    client.connect(app);
    client.request('publish', key);
    const st = await client.status(/^NetStream\.Publish\./, 10_000);
    if (st?.code !== 'NetStream.Publish.Start') throw new Error(`publish refused: ${st ? st.code : 'no answer within 10 s'}`);
  } catch (err) {
    stop();
    throw err;
  }
  const publishStartPerf = performance.now();
  client.send(writeChunks(controlMessages.setChunkSize(CHUNK_SIZE), 128));
  let keyWritten: number | undefined;
  let keyBytes = 0;
  let keySent = false;
  const base = frames[0]?.dts ?? 0;
  const t0 = performance.now();
  let i = 0;
  const send = (f: MediaFrame) => {
    const payload = f.track === 'data' ? Buffer.concat([encodeAmf0('@setDataFrame'), f.tag]) : f.tag;
    const buf = writeChunks({ csid: CSID[f.track], typeId: TYPE_ID[f.track], streamId: 1, timestamp: f.dts - base, payload }, CHUNK_SIZE);
    if (!keySent && f.track === 'video' && f.kind === 'key') {
      keySent = true;
      keyBytes = f.tag.length;
      client.socket.write(buf, () => {
        keyWritten = performance.now();
      });
    } else if (!client.socket.destroyed) client.socket.write(buf);
  };
  // Bounded: one pass over the file, at most maxSeconds of media.
  const tick = () => {
    timer = undefined;
    if (stopped || client.isClosed) return;
    const now = performance.now() - t0;
    while (i < frames.length && frames[i].dts - base <= now) send(frames[i++]);
    if (i >= frames.length || frames[i].dts - base > maxSeconds * 1000) return;
    timer = setTimeout(tick, Math.max(0, frames[i].dts - base - (performance.now() - t0)));
  };
  tick();
  return { startPerf, publishStartPerf, keyframeWrittenPerf: () => keyWritten, keyframeBytes: () => keyBytes, stop };
}
