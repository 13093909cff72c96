// The engine sender's thread: an EngineSender in a worker thread of main, so publishing (FLV tags, the RTMP
// socket, backpressure) never waits on main's event loop (IPC, the window) nor holds it up. Messages from
// engine-sender-thread.ts: 'start', 'stop', and media chunk bytes (electron/media-chunk.ts); back: state, health,
// log lines (already free of the key: the sender masks its reasons). With a vertical output, a second EngineSender
// publishes the vertical canvas's video (chunks of output `vertical`) with the same audio to its own ingest URL (and
// key, when it goes to another server than the channel's): its own connection, backoff and state, so it reconnects or
// fails without touching the main output. A recording (engine-recordings.ts) writes the main output's chunks, and
// the vertical one's, to files. With `recordOnly` (a recording without a stream) there is nothing to publish: only
// the recordings, and 'stop' finishes them and ends the thread.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeMediaChunk } from '../media-chunk.js';
import { EngineFanout } from './engine-fanout.js';
import { EngineRecordings } from './engine-recordings.js';
import { EngineSender } from './engine-sender.js';
import { isRecordMessage, type SenderThreadMessage, type SenderThreadReply, type SenderThreadSettings } from './engine-sender-thread.js';

const port = parentPort!;
const post = (m: SenderThreadReply) => port.postMessage(m);
const { destinations, vertical: verticalSettings, ffmpegPath, recordPath, recordOnly, ...settings } = workerData as SenderThreadSettings;
const logger = {
  info: (o: object, m?: string) => post({ type: 'log', level: 'info', obj: o, msg: m }),
  warn: (o: object, m?: string) => post({ type: 'log', level: 'warn', obj: o, msg: m }),
};
// A recording without a stream has no publisher at all: only the recordings below.
const sender = recordOnly ? null : new EngineSender(settings, { logger });
const vertical =
  verticalSettings && !recordOnly
    ? new EngineSender(
        // Its own key masks its own reasons (the sender masks its key in every state it reports).
        { ...settings, server: verticalSettings.server, streamKey: verticalSettings.streamKey ?? settings.streamKey, video: verticalSettings.video },
        { logger: { info: (o, m) => logger.info({ ...o, output: 'vertical' }, m), warn: (o, m) => logger.warn({ ...o, output: 'vertical' }, m) } },
      )
    : null;
vertical?.on('state', (state) => post({ type: 'vertical', state }));
// Extra destinations (multistream) from the same chunks, each on its own connection; their states once a second.
const fanout = destinations?.length && !recordOnly ? new EngineFanout(destinations, settings) : null;
const statusTimer = fanout ? setInterval(() => post({ type: 'destinations', destinations: fanout.statuses() }), 1000) : null;
// The local recordings (the main output's file, the vertical one's beside it): from the start with a path, or
// started and stopped while live; they end with the broadcast.
const recordings = new EngineRecordings({
  ffmpegPath,
  settings,
  vertical: verticalSettings?.video,
  onStatus: (recording) => post({ type: 'recording', recording }),
});
if (recordPath) recordings.start(recordPath);
sender?.on('state', (state) => {
  const over = state.kind === 'ended' || state.kind === 'failed';
  // The vertical output lives and ends with the main one (never the other way round).
  if (over) void vertical?.stop();
  if (over && fanout) {
    clearInterval(statusTimer!);
    fanout.stop();
    post({ type: 'destinations', destinations: fanout.statuses().map((d) => ({ ...d, state: 'idle', bitrateKbps: 0 })) });
  }
  // The thread ends once main hears the broadcast is over: the recording's file is finished first.
  if (over) void recordings.stop().then(() => post({ type: 'state', state }));
  else post({ type: 'state', state });
});
sender?.on('health', (health) => post({ type: 'health', health }));
/** The end of a recording without a stream: its files finished, then the thread's end. */
const endRecordOnly = () => void recordings.stop().then(() => post({ type: 'state', state: { kind: 'ended' } }));
let refused = 0;
port.on('message', (m: SenderThreadMessage) => {
  if (m === 'start') return (sender?.start(), vertical?.start());
  if (m === 'stop') return sender ? void (vertical?.stop(), sender.stop()) : endRecordOnly();
  if (isRecordMessage(m)) return m.record === null ? void recordings.stop() : recordings.start(m.record);
  const c = decodeMediaChunk(m);
  if (c instanceof Error) {
    // Said once in a while, without the bytes: a flood of bad messages must not flood the log.
    if (refused++ % 100 === 0) post({ type: 'log', level: 'warn', obj: { err: c.message, refused }, msg: 'engine media message refused' });
    return;
  }
  if (c.output === 'vertical') return void (vertical?.push(c), recordings.push(c));
  sender?.push(c);
  fanout?.push(c);
  recordings.push(c);
  // The one audio encode goes out with each picture.
  if (c.kind === 'audio-config' || c.kind === 'audio-frame') vertical?.push(c);
});
