// The least a Node RTMP ingest does: Onair's own RTMP layer (handshake, chunk stream, commands, frames parsed once
// at the edge) with a sink that drops every frame. No packaging, no HTTP, no database. bench/cpu-floor.ts measures
// it beside nginx-rtmp and the whole Onair server, to tell how much of Onair's CPU per stream is Node reading RTMP
// at all and how much is what Onair does with the frames. A lower bound: the sink takes inter frames in batches at the
// next keyframe (as a packager without LL-HLS parts may), where Onair with LL-HLS takes each as it comes; the reads,
// the event-loop wakes and the parsing are the same.
//
//   node dist/bench/rtmp-floor-server.js PORT      (prints "listening PORT", runs until SIGTERM)
import { RtmpServer } from '../server/rtmp/server.js';
import { silentLogger } from '../server/log.js';
import type { MediaSink } from '../server/rtmp/types.js';

const port = Number(process.argv[2] ?? 0);
const dropEverything: MediaSink = { batchable: true, write() {}, end() {} };
const server = new RtmpServer({
  host: '127.0.0.1',
  port,
  logger: silentLogger(),
  hooks: { authorizePublish: async (req) => ({ ok: true, channel: req.streamKey, sink: dropEverything }) },
  limits: { maxConnectionsPerAddress: 1000 },
});
const bound = await server.listen();
console.log(`listening ${bound.port}`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
