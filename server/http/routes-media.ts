// Media files: the live aliases /hls/<channel>/ and /dash/<channel>/, and stream folders /vod/<id>/.
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChannelAccessInfo } from '../access/access.js';
import { bearerToken, GUEST_COOKIE, SESSION_COOKIE } from '../access/credentials.js';
import { errorBody } from './errors.js';
import type { HttpDeps } from './deps.js';
import { HotFileCache, isSafeMediaPath, serveMediaFile } from './file-server.js';
import { isImmutable, isPlaylist, mediaHeaders } from './media-headers.js';
import { addDashBaseUrl, addDashQuery, rewriteHlsUris } from './playlist-alias.js';
import { answerMedia, answerPlaylist } from '../media/live-delivery.js';
import { verticalKey } from '../media/live-stream.js';
import { readStreamHeader } from '../media/stream-files.js';
import { GrowingPart } from '../media/growing-parts.js';
import { PassThrough } from 'node:stream';
import type { Origin } from '../cluster/origins.js';
import { awaitSuccessor, type Successor } from '../cluster/successor.js';
import { PEER_HEADER, verifyPeer } from '../cluster/peer-auth.js';

const CHANNEL_NAME = /^[a-z0-9_-]{1,64}$/;
const STREAM_ID = /^[A-Za-z0-9_-]{6,64}$/;
/** Hot segments kept in memory for the many viewers who fetch them at once. */
const HOT_CACHE_BYTES = 256 * 1024 * 1024;
/** How long a replay's existence is remembered, to spare the database one query per segment. */
const REPLAY_LOOKUP_TTL_MS = 10_000;

/** A viewer's (or a peer node's) access to a channel's media: cache scope, and the token query for rewritten URIs. */
interface MediaAccess {
  scope: 'public' | 'private';
  query: string;
  /** Asked by another node of the cluster for its viewer (already checked there). */
  peer?: boolean;
}

interface Params {
  channel?: string;
  id?: string;
  '*': string;
}

/** The segment cache the media routes and the fast path share. */
export function createMediaCache(): HotFileCache {
  return new HotFileCache(HOT_CACHE_BYTES);
}

/** The channel's vertical companion is served under this folder of its aliases: /hls/<channel>/vertical/index.m3u8. */
const VERTICAL_FOLDER = 'vertical/';

/**
 * A part still being cut: its chunks so far, then each one as it is cut, in one chunked response that ends with the
 * part. The bytes are the complete part's, so the same cache policy applies. HEAD and range requests wait for the
 * whole part.
 */
async function sendGrowingPart(req: FastifyRequest, reply: FastifyReply, rel: string, part: GrowingPart, scope: 'public' | 'private') {
  if (req.headers.range || req.method === 'HEAD') {
    await new Promise<void>((resolve) => part.listen((chunk) => chunk === null && resolve()));
    return sendSegment(req, reply, rel, part.bytes(), scope);
  }
  const body = new PassThrough();
  for (const b of part.stream()) body.write(b);
  const stop = part.listen((chunk) => {
    if (chunk === null) body.end();
    else for (const b of chunk) body.write(b);
  });
  body.on('close', stop);
  reply.raw.on('close', () => {
    stop();
    body.destroy();
  });
  reply.headers(mediaHeaders(rel, scope));
  return reply.send(body);
}

/** A segment from a live stream's memory (listed, its file not written yet): what serveMediaFile sends for the file. */
function sendSegment(req: FastifyRequest, reply: FastifyReply, rel: string, body: Buffer, scope: 'public' | 'private') {
  reply.headers(mediaHeaders(rel, scope));
  if (req.headers.range || req.method === 'HEAD') {
    // Rare for a segment this fresh: answered whole (a range request may get the full body with 200).
    return reply.header('content-length', String(body.length)).send(req.method === 'HEAD' ? undefined : body);
  }
  return reply.send(body);
}

export function registerMediaRoutes(app: FastifyInstance, deps: HttpDeps, cache: HotFileCache = createMediaCache()): void {
  const aliasCache = new Map<string, { mtimeMs: number; size: number; raw: string; body: string }>();
  /** Replays known to exist, with their channel id: spares the database a query per segment. */
  const replayKnown = new Map<string, { at: number; channelId: number; nodeUrl: string | null }>();

  const notFound = (reply: FastifyReply, message: string) =>
    reply
      .status(404)
      .header('cache-control', 'no-cache')
      .send({ error: { code: 'not_found', message } });
  /** A live playlist request the stream refused (RFC 8216bis 6.2.5.2): never cached, a 503 to be retried at once. */
  const refused = (reply: FastifyReply, r: { refused: 400 | 503; message: string }) => {
    reply.status(r.refused).header('cache-control', 'no-store');
    if (r.refused === 503) reply.header('retry-after', '1');
    return reply.send(errorBody(r.refused === 400 ? 'bad_request' : 'unavailable', r.message));
  };
  const forbidden = (reply: FastifyReply, channel: string) =>
    reply
      .status(403)
      .header('cache-control', 'no-cache, no-store')
      .send({
        error: {
          code: 'forbidden',
          message: `${channel} is a private channel: sign in as someone allowed to watch it, open its invite link, or use a media link (?t=).`,
        },
      });

  /**
   * The access check for a channel's media. Public: nothing to do (the visibility is cached in memory). Otherwise
   * a media token (?t=), the guest cookie, or an allowed user's bearer / session. Returns the query to carry into
   * rewritten playlists ("t=…" when a token was given), or null when refused.
   */
  async function mediaAccess(req: FastifyRequest, info: ChannelAccessInfo): Promise<MediaAccess | null> {
    const t = (req.query as { t?: unknown } | undefined)?.t;
    const mediaToken = typeof t === 'string' ? t : undefined;
    const cluster = deps.cluster;
    if (cluster && req.headers[PEER_HEADER] !== undefined) {
      // Another node checked its viewer's access and asks for the media it may show them, token and all.
      if (!verifyPeer(cluster.secret, req.headers[PEER_HEADER], 'GET', req.url)) return null;
      const scope = info.visibility === 'public' ? 'public' : 'private';
      return { scope, query: mediaToken ? `t=${encodeURIComponent(mediaToken)}` : '', peer: true };
    }
    if (info.visibility === 'public') return { scope: 'public', query: '' };
    const ok = await deps.access.mediaAllowed(info, {
      mediaToken,
      bearer: bearerToken(req.headers.authorization),
      sessionCookie: req.cookies?.[SESSION_COOKIE],
      guestCookie: req.cookies?.[GUEST_COOKIE],
    });
    if (!ok) return null;
    const query = mediaToken && deps.access.mediaGrant(mediaToken)?.channelId === info.id ? `t=${encodeURIComponent(mediaToken)}` : '';
    return { scope: 'private', query };
  }

  /**
   * Cluster mode: `channel`'s stream is live on another node. The viewer's access was checked here; the media comes
   * from the origin (shared by every viewer who asks for the same segment or part at once).
   */
  async function fromOrigin(
    req: FastifyRequest,
    reply: FastifyReply,
    origin: Origin,
    rel: string,
    allowed: MediaAccess,
    channel: string,
    live = true,
    /** A live stream's playlist: the origin not answering may be dying, and another node taking the channel over. */
    orTakeover?: () => Promise<unknown>,
  ) {
    const immutable = isImmutable(rel);
    if (live && isPlaylist(rel)) deps.viewers.touch(channel, req.ip, req.headers['user-agent']);
    let fetched;
    try {
      fetched = await deps.cluster!.fetcher.fetch(origin, req.url, immutable);
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message, channel, node: origin.nodeId }, 'cluster: origin did not answer');
      if (orTakeover && rel.endsWith('.m3u8')) return orTakeover();
      return reply
        .status(502)
        .header('cache-control', 'no-cache')
        .send({ error: { code: 'origin_unreachable', message: `${channel} is live on another node that did not answer; try again in a moment.` } });
    }
    if ('part' in fetched) return sendGrowingPart(req, reply, rel, fetched.part, allowed.scope);
    if (fetched.status !== 200) {
      return reply.status(fetched.status).headers({ 'content-type': fetched.contentType, 'cache-control': 'no-cache' }).send(fetched.body);
    }
    if (immutable) return sendSegment(req, reply, rel, fetched.body, allowed.scope);
    return reply.headers(mediaHeaders(rel, allowed.scope)).send(fetched.body);
  }

  /** Serves a playlist of a live stream through the alias, rewriting its URIs to the stream folder. */
  async function serveAlias(req: FastifyRequest, reply: FastifyReply, kind: 'hls' | 'dash') {
    const { channel = '', '*': path0 } = req.params as Params;
    if (!CHANNEL_NAME.test(channel) || !isSafeMediaPath(path0)) return notFound(reply, 'No such file.');
    // Access before liveness: whether a private channel is live is itself private.
    const info = await deps.access.channel(channel);
    if (!info) return notFound(reply, `${channel} is not live.`);
    const allowed = await mediaAccess(req, info);
    if (!allowed) return forbidden(reply, channel);
    // The vertical companion answers under its folder of the alias, from this node only (it has no origin record).
    const vertical = path0.startsWith(VERTICAL_FOLDER);
    const rel = vertical ? path0.slice(VERTICAL_FOLDER.length) : path0;
    const registryKey = vertical ? verticalKey(channel) : channel;
    let stream = deps.streams.get(registryKey);
    if (!stream && !allowed.peer && !vertical) {
      const origin = await deps.cluster?.origins.originOf(channel);
      if (origin) return fromOrigin(req, reply, origin, rel, allowed, channel);
    }
    // A stream that has just ended stays answerable here for a minute, with its final playlists (ENDLIST), so
    // players behind the edge play it to the end.
    stream ??= deps.streams.recentlyEnded.get(registryKey);
    if (!stream) return notFound(reply, vertical ? `${channel} has no vertical stream on air.` : `${channel} is not live.`);
    if (!isPlaylist(rel)) {
      if (rel === 'thumb.jpg' && !vertical) deps.streams.thumbnailWanted(channel);
      const unwritten = stream.segment(rel);
      if (unwritten) return sendSegment(req, reply, rel, unwritten, allowed.scope);
      // Thumbnails and, for clients that ignore the rewritten URIs, the files themselves.
      return serveMediaFile(req, reply, stream.dir, rel, cache, { cacheScope: allowed.scope });
    }
    if ((kind === 'hls') !== rel.endsWith('.m3u8')) return notFound(reply, 'No such file.');
    if (!stream.ending && !allowed.peer) deps.viewers.touch(channel, req.ip, req.headers['user-agent']);
    // The stream renders its live manifests with URIs into its folder (and the token, if any).
    const uris = { base: `/vod/${stream.streamId}/`, query: allowed.query };
    if (kind === 'dash' && rel === 'index.mpd') {
      const mpd = stream.manifest(uris);
      if (!mpd) return notFound(reply, `${channel} is starting; try again in a second.`);
      return reply.headers(mediaHeaders(rel, allowed.scope)).send(mpd);
    }
    const live = await answerPlaylist(stream, rel, uris, req.query);
    if ('refused' in live) return refused(reply, live);
    if ('body' in live) return reply.headers(mediaHeaders(rel, allowed.scope)).send(live.body);
    const file = path.join(stream.dir, rel);
    let st;
    try {
      st = await stat(file);
    } catch {
      return notFound(reply, `${channel} is starting; try again in a second.`);
    }
    const key = file;
    const dir = path.posix.dirname(rel);
    const prefix = `/vod/${stream.streamId}/${dir === '.' ? '' : dir + '/'}`;
    let hit = aliasCache.get(key);
    if (!hit || hit.mtimeMs !== st.mtimeMs || hit.size !== st.size) {
      const text = await readFile(file, 'utf8');
      hit = { mtimeMs: st.mtimeMs, size: st.size, raw: text, body: kind === 'hls' ? rewriteHlsUris(text, prefix) : addDashBaseUrl(text, prefix) };
      aliasCache.set(key, hit);
      if (aliasCache.size > 4096) aliasCache.delete(aliasCache.keys().next().value!);
    }
    reply.headers(mediaHeaders(file, allowed.scope));
    if (!allowed.query) return reply.send(hit.body);
    // Carry the media token into every URI: players drop the playlist's query when they resolve segments.
    return reply.send(kind === 'hls' ? rewriteHlsUris(hit.raw, prefix, allowed.query) : addDashBaseUrl(hit.raw, prefix, allowed.query));
  }

  /** A live stream by id, or one that ended within the last minute (it answers its final playlists). */
  const liveOrJustEnded = (id: string) => deps.streams.byStreamId(id) ?? deps.streams.recentlyEnded.byStreamId(id);

  /**
   * A stream's folder and its channel's access facts, or null when there is no such stream or replay. In cluster
   * mode `elsewhere` names the node whose disk holds a replay that is not on this one.
   */
  async function streamFolder(id: string): Promise<{ dir: string; info: ChannelAccessInfo; elsewhere?: Origin } | null> {
    const live = liveOrJustEnded(id);
    if (live) {
      const info = await deps.access.channel(live.channel);
      return info ? { dir: live.dir, info } : null;
    }
    const dir = path.join(deps.streams.mediaDir, id);
    let known = replayKnown.get(id);
    if (!known || Date.now() - known.at >= REPLAY_LOOKUP_TTL_MS) {
      const replay = await deps.replays.byId(id);
      const owner = replay && replay.deletedAt === null ? replay : await keptVerticalOwner(dir);
      if (!owner) {
        replayKnown.delete(id);
        return null;
      }
      known = { at: Date.now(), channelId: owner.channelId, nodeUrl: owner.nodeUrl };
      replayKnown.set(id, known);
      if (replayKnown.size > 10000) replayKnown.delete(replayKnown.keys().next().value!);
    }
    const info = await deps.access.channelById(known.channelId);
    if (!info) return null;
    const holder = known.nodeUrl;
    if (holder && deps.cluster && holder !== deps.cluster.origins.nodeUrl) {
      return { dir, info, elsewhere: { nodeId: holder, nodeUrl: holder, channel: info.name, streamId: id } };
    }
    return { dir, info };
  }

  /**
   * A vertical companion's folder kept with a replay (an unlinked one is deleted when it ends, and deleting the
   * replay deletes it): it has the channel's access rules, by the channel its header names.
   */
  async function keptVerticalOwner(dir: string): Promise<{ channelId: number; nodeUrl: null } | null> {
    const header = await readStreamHeader(dir);
    if (header?.role !== 'vertical') return null;
    const info = await deps.access.channel(header.channel);
    return info ? { channelId: info.id, nodeUrl: null } : null;
  }

  async function serveVod(req: FastifyRequest, reply: FastifyReply) {
    const { id = '', '*': rel } = req.params as Params;
    if (!STREAM_ID.test(id) || !isSafeMediaPath(rel)) return notFound(reply, 'No such file.');
    let remote = !liveOrJustEnded(id) && req.headers[PEER_HEADER] === undefined ? await deps.cluster?.origins.originOfStream(id) : undefined;
    // A dead node's stream that another took over: once its node is back and recovered it, its replay wins.
    if (remote && remote.streamId !== id && (await streamFolder(id))) remote = undefined;
    if (remote) {
      const info = await deps.access.channel(remote.channel);
      if (!info) return notFound(reply, 'No such replay.');
      const allowed = await mediaAccess(req, info);
      if (!allowed) return forbidden(reply, info.name);
      const dead = remote.nodeId;
      return fromOrigin(req, reply, remote, rel, allowed, info.name, true, () => successorPlaylist(req, reply, id, rel, dead));
    }
    const folder = await streamFolder(id);
    if (!folder) return successorPlaylist(req, reply, id, rel);
    const allowed = await mediaAccess(req, folder.info);
    if (!allowed) return forbidden(reply, folder.info.name);
    if (folder.elsewhere && !allowed.peer) return fromOrigin(req, reply, folder.elsewhere, rel, allowed, folder.info.name, false);
    // Players poll a live stream's track playlists here (the channel's master points into the stream folder):
    // the stream renders them, relative to this folder, with the token (if any) on every URI.
    const live = liveOrJustEnded(id);
    if (live && rel.endsWith('.m3u8')) {
      if (!live.ending && !allowed.peer) deps.viewers.touch(folder.info.name, req.ip, req.headers['user-agent']);
      const answer = await answerPlaylist(live, rel, { query: allowed.query }, req.query);
      if ('refused' in answer) return refused(reply, answer);
      if ('body' in answer) return reply.headers(mediaHeaders(rel, allowed.scope)).send(answer.body);
    }
    if (live && rel === 'index.mpd') {
      const mpd = live.manifest({ query: allowed.query });
      if (mpd) return reply.headers(mediaHeaders(rel, allowed.scope)).send(mpd);
    }
    if (allowed.query && isPlaylist(rel)) {
      // Replay and rendition playlists fetched with ?t=: the token goes into each URI.
      const file = path.join(folder.dir, rel);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        return notFound(reply, 'No such file.');
      }
      reply.headers(mediaHeaders(file, allowed.scope));
      return reply.send(rel.endsWith('.m3u8') ? rewriteHlsUris(text, '', allowed.query) : addDashQuery(text, allowed.query));
    }
    // A part is only in memory; one named by the preload hint, and the segment in progress, are waited for.
    const unwritten = live && (await answerMedia(live, rel));
    if (unwritten instanceof GrowingPart) return sendGrowingPart(req, reply, rel, unwritten, allowed.scope);
    if (unwritten) return sendSegment(req, reply, rel, unwritten, allowed.scope);
    return serveMediaFile(req, reply, folder.dir, rel, cache, { cacheScope: allowed.scope });
  }

  /**
   * A playlist of a stream whose node died while live, asked for by a player that kept reloading it: the stream that
   * took the channel over answers with its own, numbered on (EXT-X-DISCONTINUITY, the media sequence continuing) and
   * its URIs into its own folder. Until one has (the dead node's lease, the encoder's reconnect), the request is held
   * (cluster/successor.ts). `deadNode`: the stream's origin did not answer. The stream's other files are gone with it.
   */
  async function successorPlaylist(req: FastifyRequest, reply: FastifyReply, id: string, rel: string, deadNode?: string) {
    if (!rel.endsWith('.m3u8')) return notFound(reply, 'No such replay.');
    const local = deps.streams.successorOf(id);
    let next: Successor | undefined = local && { local };
    const origins = deps.cluster?.origins;
    if (!next && origins) {
      if (deadNode === undefined) {
        // Live lately on a node that is gone: held for a successor, once the viewer may see the channel at all.
        const channel = await origins.recentChannel(id);
        const info = channel === undefined ? undefined : await deps.access.channel(channel);
        if (!info) return notFound(reply, 'No such replay.');
        if (!(await mediaAccess(req, info))) return forbidden(reply, info.name);
      }
      next = await awaitSuccessor(id, deps.streams, origins, deadNode);
      if (!next)
        return reply
          .status(503)
          .headers({ 'cache-control': 'no-cache', 'retry-after': '1' })
          .send({ error: { code: 'origin_unreachable', message: 'This stream’s node stopped answering; it goes on once its encoder reconnects.' } });
    }
    if (!next) return notFound(reply, 'No such replay.');
    const channel = 'local' in next ? next.local.channel : next.remote.channel;
    const info = await deps.access.channel(channel);
    if (!info) return notFound(reply, 'No such replay.');
    const allowed = await mediaAccess(req, info);
    if (!allowed) return forbidden(reply, info.name);
    if ('remote' in next) return fromOrigin(req, reply, next.remote, rel, allowed, info.name);
    const successor = next.local;
    if (!allowed.peer) deps.viewers.touch(info.name, req.ip, req.headers['user-agent']);
    const answer = await answerPlaylist(successor, rel, { base: `/vod/${successor.streamId}/`, query: allowed.query }, req.query);
    if ('refused' in answer) return refused(reply, answer);
    if ('body' in answer) return reply.headers(mediaHeaders(rel, allowed.scope)).send(answer.body);
    return notFound(reply, `${info.name} is starting; try again in a second.`);
  }

  // Fastify answers HEAD through these GET routes (exposeHeadRoutes).
  app.get('/hls/:channel/*', (req, reply) => serveAlias(req, reply, 'hls'));
  app.get('/dash/:channel/*', (req, reply) => serveAlias(req, reply, 'dash'));
  app.get('/vod/:id/*', serveVod);

  app.addHook('onClose', async () => {
    aliasCache.clear();
  });

  /** Forget a replay that was deleted. */
  deps.retention.on('replay-deleted', (id) => {
    replayKnown.delete(id);
    deps.streams.recentlyEnded.forget(id);
    if (STREAM_ID.test(id)) cache.forgetUnder(path.join(deps.streams.mediaDir, id));
  });
}
