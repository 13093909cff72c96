// The viewer web app: the built files in dist/renderer/viewer (npm run build:viewer). index.html answers every
// app path (the app routes on the client), with the page's title and link-preview tags written in (page-meta.ts);
// hashed assets under /assets/ are cached for a year and sent compressed. Without a build, the app paths answer
// 503 with a page that says how to build it.
// Registers only the paths below, so /api, /hls, /dash, /vod, /stat, /metrics, /healthz and /socket.io are untouched.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from './deps.js';
import { GENERIC_META, injectMeta, type PageMeta } from './page-meta.js';

/** dist/renderer/viewer at the repository root. */
export const DEFAULT_SITE_DIR = fileURLToPath(new URL('../../dist/renderer/viewer/', import.meta.url));

/** The app's client-side routes: each answers index.html. */
export const SITE_ROUTES = ['/', '/c/*', '/i/*', '/embed/*', '/settings', '/dashboard', '/admin', '/replay/*'] as const;

const ASSET_MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
};
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.map', '.json', '.svg']);
/** One file name inside assets/: what Vite writes (name-hash.ext). */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,200}$/;
/** Compressed copies kept in memory; the asset set of one build is small. */
const MAX_COMPRESSED_ENTRIES = 256;

/**
 * Pages may only be framed by this site, except the embed player, which is made for other sites' iframes.
 * Scripts only from this origin; hls.js runs its worker from a blob: URL and feeds the video from blob: URLs.
 */
function contentSecurityPolicy(embed: boolean): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self' ws: wss:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    embed ? 'frame-ancestors *' : "frame-ancestors 'none'",
  ].join('; ');
}

function missingBuildPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Onair: the web app is not built</title>
<style>body{font:17px/1.5 system-ui,sans-serif;background:#0d0d11;color:#ececf1;max-width:40em;margin:10vh auto;padding:0 20px}code{background:#1f1f26;padding:2px 6px;border-radius:4px}</style>
</head><body>
<h1>The Onair web app is not built yet</h1>
<p>This server is running, but the viewer app's files are missing. On the server, in the Onair folder, run:</p>
<p><code>npm run build:viewer</code></p>
<p>then reload this page. (<code>npm start</code> builds it by itself on first start.) Streams already play at
<code>/hls/&lt;channel&gt;/index.m3u8</code>, and the API answers under <code>/api/</code>.</p>
</body></html>
`;
}

function preferredEncoding(req: FastifyRequest): 'br' | 'gzip' | null {
  const accept = String(req.headers['accept-encoding'] ?? '');
  if (/\bbr\b/.test(accept)) return 'br';
  if (/\bgzip\b/.test(accept)) return 'gzip';
  return null;
}

export interface SiteOptions {
  /** Folder with index.html and assets/ (tests point it elsewhere). */
  root?: string;
  /** The title and link-preview tags of a page (pageMetaSource); without it every page gets the generic ones. */
  meta?: (req: FastifyRequest) => Promise<PageMeta>;
}

/** Paths of the server's other parts: an unknown path under them is an API or media 404 (JSON), never a page. */
const NOT_PAGES = /^\/(api|hls|dash|vod|socket\.io|stat|metrics|healthz|assets)(\/|$)/;

export interface SitePages {
  /**
   * A browser's GET of an unknown page: the app (its router shows "Page not found") with status 404, or a page
   * path with a trailing slash redirected to the path without; else undefined.
   */
  notFound(req: FastifyRequest, reply: FastifyReply): Promise<unknown> | undefined;
}

export function registerSiteRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'logger'>, opts: SiteOptions = {}): SitePages {
  const root = path.resolve(opts.root ?? DEFAULT_SITE_DIR);
  const assetsDir = path.join(root, 'assets');
  const indexFile = path.join(root, 'index.html');
  let index: { mtimeMs: number; size: number; html: string; etag: string } | null = null;
  const pageMeta = opts.meta ?? (async () => GENERIC_META);
  let warnedMissing = false;
  const compressed = new Map<string, { mtimeMs: number; body: Buffer }>();

  /** index.html, re-read when the build changes (a rebuild while the server runs is picked up). */
  async function readIndex() {
    let st;
    try {
      st = await stat(indexFile);
    } catch {
      index = null;
      return null;
    }
    if (!index || index.mtimeMs !== st.mtimeMs || index.size !== st.size) {
      const html = await readFile(indexFile, 'utf8');
      index = { mtimeMs: st.mtimeMs, size: st.size, html, etag: `${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}` };
    }
    return index;
  }

  const pageHeaders = (reply: FastifyReply, embed: boolean) => {
    reply.header('content-security-policy', contentSecurityPolicy(embed));
    if (!embed) reply.header('x-frame-options', 'DENY');
    // Invite links carry a token in the path: never send it to other sites as a referrer.
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-content-type-options', 'nosniff');
  };

  async function serveApp(req: FastifyRequest, reply: FastifyReply, status = 200) {
    const embed = req.url.startsWith('/embed/');
    pageHeaders(reply, embed);
    const page = await readIndex();
    if (!page) {
      if (!warnedMissing) {
        warnedMissing = true;
        deps.logger.warn({ dir: root }, 'viewer app not built: run npm run build:viewer');
      }
      return reply
        .status(503)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('retry-after', '30')
        .send(missingBuildPage());
    }
    // A failed lookup costs the preview, never the page.
    const meta = await pageMeta(req).catch((err: Error) => {
      deps.logger.warn({ err: err.message }, 'page preview tags failed');
      return GENERIC_META;
    });
    const body = injectMeta(page.html, meta);
    if (status !== 200) return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
    // The tags change with the page (a title, a stream going live): the tag is the build's and the body's.
    const etag = `"${page.etag}-${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').header('etag', etag);
    if (req.headers['if-none-match'] === etag) return reply.status(304).send();
    return reply.send(body);
  }

  async function serveAsset(req: FastifyRequest, reply: FastifyReply) {
    const name = (req.params as { '*': string })['*'];
    const ext = path.extname(name);
    const mime = ASSET_MIME[ext];
    if (!ASSET_NAME.test(name) || name.includes('..') || !mime) return reply.status(404).type('text/plain').send('Not found');
    const file = path.join(assetsDir, name);
    let st;
    try {
      st = await stat(file);
    } catch {
      return reply.status(404).type('text/plain').header('cache-control', 'no-store').send('Not found');
    }
    if (!st.isFile()) return reply.status(404).type('text/plain').send('Not found');
    reply.type(mime).header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff');
    const encoding = COMPRESSIBLE.has(ext) ? preferredEncoding(req) : null;
    if (COMPRESSIBLE.has(ext)) reply.header('vary', 'accept-encoding');
    if (!encoding) return reply.send(await readFile(file));
    const key = `${encoding}:${file}`;
    let hit = compressed.get(key);
    if (!hit || hit.mtimeMs !== st.mtimeMs) {
      const raw = await readFile(file);
      const body =
        encoding === 'br'
          ? brotliCompressSync(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
          : gzipSync(raw, { level: 9 });
      hit = { mtimeMs: st.mtimeMs, body };
      compressed.set(key, hit);
      if (compressed.size > MAX_COMPRESSED_ENTRIES) compressed.delete(compressed.keys().next().value!);
    }
    return reply.header('content-encoding', encoding).send(hit.body);
  }

  for (const url of SITE_ROUTES) app.get(url, (req, reply) => serveApp(req, reply));
  app.get('/assets/*', serveAsset);
  return {
    notFound(req, reply) {
      const pathname = req.url.split('?')[0];
      const browser = /\btext\/html\b/.test(String(req.headers.accept ?? ''));
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !browser || NOT_PAGES.test(pathname)) return undefined;
      // `/settings/` is `/settings`: the app's routes have no trailing slash.
      const bare = pathname.replace(/\/+$/, '');
      if (bare && bare !== pathname && !bare.includes('//')) return Promise.resolve(reply.redirect(bare + req.url.slice(pathname.length), 308));
      return serveApp(req, reply, 404);
    },
  };
}
