// Media files: the live aliases /hls/<channel>/ and /dash/<channel>/, and stream folders /vod/<id>/.
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from './deps.js';
import { HotFileCache, isPlaylist, isSafeMediaPath, mimeFor, serveMediaFile } from './file-server.js';
import { addDashBaseUrl, rewriteHlsUris } from './playlist-alias.js';

const CHANNEL_NAME = /^[a-z0-9_-]{1,64}$/;
const STREAM_ID = /^[A-Za-z0-9_-]{6,64}$/;
/** Hot segments kept in memory for the many viewers who fetch them at once. */
const HOT_CACHE_BYTES = 256 * 1024 * 1024;
/** How long a replay's existence is remembered, to spare the database one query per segment. */
const REPLAY_LOOKUP_TTL_MS = 10_000;

interface Params {
  channel?: string;
  id?: string;
  '*': string;
}

export function registerMediaRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const cache = new HotFileCache(HOT_CACHE_BYTES);
  const aliasCache = new Map<string, { mtimeMs: number; size: number; body: string }>();
  const replayKnown = new Map<string, number>();

  const notFound = (reply: FastifyReply, message: string) =>
    reply.status(404).header('cache-control', 'no-cache').send({ error: { code: 'not_found', message } });

  /** Serves a playlist of a live stream through the alias, rewriting its URIs to the stream folder. */
  async function serveAlias(req: FastifyRequest, reply: FastifyReply, kind: 'hls' | 'dash') {
    const { channel = '', '*': rel } = req.params as Params;
    if (!CHANNEL_NAME.test(channel) || !isSafeMediaPath(rel)) return notFound(reply, 'No such file.');
    const stream = deps.streams.get(channel);
    if (!stream) return notFound(reply, `${channel} is not live.`);
    if (!isPlaylist(rel)) {
      // Thumbnails and, for clients that ignore the rewritten URIs, the files themselves.
      return serveMediaFile(req, reply, stream.dir, rel, cache, { cacheScope: 'public' });
    }
    if ((kind === 'hls') !== rel.endsWith('.m3u8')) return notFound(reply, 'No such file.');
    deps.viewers.touch(channel, req.ip, req.headers['user-agent']);
    const file = path.join(stream.dir, rel);
    let st;
    try {
      st = await stat(file);
    } catch {
      return notFound(reply, `${channel} is starting; try again in a second.`);
    }
    const key = file;
    let hit = aliasCache.get(key);
    if (!hit || hit.mtimeMs !== st.mtimeMs || hit.size !== st.size) {
      const text = await readFile(file, 'utf8');
      const dir = path.posix.dirname(rel);
      const prefix = `/vod/${stream.streamId}/${dir === '.' ? '' : dir + '/'}`;
      hit = { mtimeMs: st.mtimeMs, size: st.size, body: kind === 'hls' ? rewriteHlsUris(text, prefix) : addDashBaseUrl(text, prefix) };
      aliasCache.set(key, hit);
      if (aliasCache.size > 4096) aliasCache.delete(aliasCache.keys().next().value!);
    }
    reply.type(mimeFor(file)).header('cache-control', 'no-cache, no-store');
    return reply.send(hit.body);
  }

  async function streamFolderExists(id: string): Promise<string | null> {
    const live = deps.streams.byStreamId(id);
    if (live) return live.dir;
    const known = replayKnown.get(id);
    const dir = path.join(deps.streams.mediaDir, id);
    if (known && Date.now() - known < REPLAY_LOOKUP_TTL_MS) return dir;
    const replay = await deps.replays.byId(id);
    if (!replay || replay.deletedAt !== null) return null;
    replayKnown.set(id, Date.now());
    if (replayKnown.size > 10000) replayKnown.delete(replayKnown.keys().next().value!);
    return dir;
  }

  async function serveVod(req: FastifyRequest, reply: FastifyReply) {
    const { id = '', '*': rel } = req.params as Params;
    if (!STREAM_ID.test(id) || !isSafeMediaPath(rel)) return notFound(reply, 'No such file.');
    const dir = await streamFolderExists(id);
    if (!dir) return notFound(reply, 'No such replay.');
    return serveMediaFile(req, reply, dir, rel, cache, { cacheScope: 'public' });
  }

  // Fastify answers HEAD through these GET routes (exposeHeadRoutes).
  app.get('/hls/:channel/*', (req, reply) => serveAlias(req, reply, 'hls'));
  app.get('/dash/:channel/*', (req, reply) => serveAlias(req, reply, 'dash'));
  app.get('/vod/:id/*', serveVod);

  app.addHook('onClose', async () => {
    aliasCache.clear();
  });

  /** Forget a replay that was deleted. */
  deps.streams.on('replay-deleted', (id: string) => replayKnown.delete(id));
}
