// The development bridge: the Studio's IPC contract over HTTP, so the Studio UI runs and is tested in a plain
// browser without Electron. It hosts the same StudioCore (and so the real pipeline) as the desktop app's main
// process. 127.0.0.1 only; for development and tests, never shipped.
//   POST /bridge/invoke/<channel>   JSON request -> JSON IpcResult (validated by the contract, like ipcMain)
//   GET  /bridge/events             Server-Sent Events: `event: <name>` + JSON payload
//   /bridge/media                   WebSocket: the engine mode's encoded chunks, binary messages (media-chunk.ts),
//                                   as the desktop app's MessagePort carries them
//   GET  /bridge/feed?request=…     a phone or web page layer's feed (source-feed.ts): one streamed response of framed
//                                   messages for as long as the page reads it, as the desktop app's feed port carries them
//   /socket.io/*                    proxied (HTTP and WebSocket) to the signed-in Onair server with the bearer
//                                   token added, as Electron's main adds it with session.webRequest
//   anything else                   the Studio UI: vite's dev server in middleware mode (`frontend`, what
//                                   `npm run dev:studio` runs), or the built Studio (`staticDir`, what tests use)
// One origin for all of it, so the page, the bridge and the chat proxy agree on Host and Origin. A request from
// another site (another Host: DNS rebinding; another Origin: a page elsewhere) is refused.
import { createReadStream, existsSync, mkdtempSync, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LIMITS, MEDIA_SOCKET_PATH, type EventMap, type EventName, type InvokeChannel } from '../ipc-contract.js';
import { validateRequest } from '../ipc-guards.js';
import { defaultPipeline, type PipelineLogger, type PipelineModule } from '../main/core/pipeline.js';
import { SecretStore } from '../main/core/secret-store.js';
import { SCENES_FILE } from '../main/core/scenes-file.js';
import { StudioCore, type StudioCoreOptions } from '../main/core/studio-core.js';
import { acceptMediaSocket } from './media-socket.js';
import { encodeFeedFrame, isFeedRequest, SOURCE_FEED_PATH } from '../source-feed.js';
import type { SourceFeedsOptions } from '../main/core/source-feeds.js';

/** What serves the Studio UI in development: vite's middlewares, on the bridge's own HTTP server. */
export interface DevFrontend {
  /** Serves the request, or calls next() for what it does not serve. */
  handle(req: IncomingMessage, res: ServerResponse, next: () => void): void;
  /** An upgrade request the frontend answers itself (vite's HMR socket); the bridge leaves it alone. */
  ownsUpgrade(req: IncomingMessage): boolean;
  close(): Promise<void>;
}

export interface DevBridgeOptions {
  port?: number;
  /** The built Studio (dist/renderer/studio), when no `frontend` serves the UI. */
  staticDir?: string;
  /** Serves the UI from source (vite); given the bridge's HTTP server for its HMR socket. */
  frontend?: (server: http.Server) => Promise<DevFrontend>;
  ffmpegPath: string;
  pipeline?: PipelineModule;
  logger?: PipelineLogger;
  /**
   * The folder standing in for the app's data folder (the scenes file); default: a new folder in the system's temp for
   * this bridge alone (`npm run dev:studio` gives a fixed one, so scenes survive a restart).
   */
  dataDir?: string;
  /** The phone layers' adb and screenrecord restart interval (tests); where web page layers are rendered. */
  feeds?: SourceFeedsOptions;
  /**
   * The screens and windows the screen layer's picker lists (tests); none by default: in a browser, the browser's
   * own picker asks when a screen layer starts.
   */
  captureTargets?: StudioCoreOptions['captureTargets'];
}

/** A feed's response holding more than this unsent: a phone's pictures wait for the next keyframe, a page's are dropped. */
const FEED_BACKLOG = 4 * 1024 * 1024;

export interface DevBridge {
  url: string;
  port: number;
  core: StudioCore;
  close(): Promise<void>;
}

/** Room for the largest request: the scenes (LIMITS.scenesJson), escaped as a JSON string. */
const MAX_BODY = 2 * LIMITS.scenesJson + 4096;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
  '.json': 'application/json',
};

export async function startDevBridge(o: DevBridgeOptions): Promise<DevBridge> {
  const clients = new Set<ServerResponse>();
  const core = new StudioCore({
    ffmpegPath: o.ffmpegPath,
    // No OS keychain outside Electron: the session lives in this process's memory only.
    store: new SecretStore(null, null),
    pipeline: o.pipeline ?? defaultPipeline(),
    logger: o.logger,
    chatBaseUrl: () => '', // same origin: /socket.io is proxied below
    scenesFile: path.join(o.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'onair-studio-bridge-')), SCENES_FILE),
    feeds: o.feeds,
    captureTargets: o.captureTargets,
    emit<E extends EventName>(event: E, payload: EventMap[E]) {
      const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
      for (const c of clients) c.write(frame);
    },
  });

  let port = 0;
  const ownOrigins = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  /** DNS-rebinding guard: only our own host names. */
  const hostOk = (req: IncomingMessage) => ownOrigins().includes(req.headers.host ?? '');
  /**
   * Cross-site guard: browsers name the page a request comes from in Origin (always on POST and WebSocket). Only our
   * own pages may call the bridge or chat through it with the account's bearer token.
   */
  const originOk = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    return origin === undefined || ownOrigins().some((h) => origin === `http://${h}`);
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      o.logger?.error({ err: (err as Error)?.message }, 'dev bridge request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: { code: 'failed', message: 'The dev bridge failed.' } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (!hostOk(req)) return void res.writeHead(421).end();
    const url = new URL(req.url ?? '/', 'http://bridge');
    const bridged = url.pathname.startsWith('/bridge/') || url.pathname.startsWith('/socket.io/');
    if (bridged && !originOk(req)) return void res.writeHead(403).end();
    if (url.pathname.startsWith('/bridge/invoke/')) {
      // The custom header forces a CORS preflight (never answered), so other sites cannot call the bridge.
      if (req.method !== 'POST' || req.headers['x-onair-bridge'] !== '1') return void res.writeHead(403).end();
      const body = await readBody(req);
      let request: unknown;
      try {
        request = body ? JSON.parse(body) : undefined;
      } catch {
        request = Symbol('invalid');
      }
      const channel = decodeURIComponent(url.pathname.slice('/bridge/invoke/'.length));
      const v = validateRequest(channel, request);
      const result = v.ok ? await core.handle(v.channel as InvokeChannel, v.request as never) : v;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return void res.end(JSON.stringify(result));
    }
    if (url.pathname === SOURCE_FEED_PATH) {
      // The custom header, as for invoke: another site cannot start adb or open pages on this machine with a plain GET.
      if (req.method !== 'GET' || req.headers['x-onair-bridge'] !== '1') return void res.writeHead(403).end();
      let request: unknown;
      try {
        request = JSON.parse(url.searchParams.get('request') ?? '');
      } catch {
        request = null;
      }
      if (!isFeedRequest(request)) return void res.writeHead(400).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
      res.flushHeaders();
      const feed = core.openFeed(request, (m) => {
        if (res.destroyed) return false;
        res.write(encodeFeedFrame(m));
        return res.writableLength < FEED_BACKLOG;
      });
      res.on('close', () => feed.close());
      return;
    }
    if (url.pathname === '/bridge/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': hello\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname.startsWith('/socket.io/')) return proxyHttp(req, res);
    if (frontend) return frontend.handle(req, res, () => void res.writeHead(404).end());
    return serveStatic(url.pathname, res);
  }

  function serveStatic(p: string, res: ServerResponse) {
    if (!o.staticDir) return void res.writeHead(404).end('Studio not built; run npm run build:studio');
    const root = path.resolve(o.staticDir);
    let file = path.resolve(root, `.${decodeURIComponent(p)}`);
    if (!file.startsWith(root + path.sep) && file !== root) return void res.writeHead(403).end();
    if (!existsSync(file) || statSync(file).isDirectory()) file = path.join(root, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404).end('Studio not built; run npm run build:studio');
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  }

  function target(): URL | null {
    const s = core.serverUrl();
    return s ? new URL(s) : null;
  }

  function proxyHeaders(req: IncomingMessage, t: URL): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: t.host };
    delete headers.cookie;
    delete headers.origin;
    const token = core.bearerFor(t.href);
    if (token) headers.authorization = `Bearer ${token}`;
    return headers;
  }

  function proxyHttp(req: IncomingMessage, res: ServerResponse) {
    const t = target();
    if (!t) return void res.writeHead(503).end('Not signed in');
    const up = http.request({ host: t.hostname, port: t.port || 80, method: req.method, path: req.url, headers: proxyHeaders(req, t) }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(up);
  }

  /** Upgraded sockets (the media socket, proxied chat): closeAllConnections does not reach them, close() does. */
  const upgraded = new Set<net.Socket>();
  server.on('upgrade', (req: IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (frontend?.ownsUpgrade(req)) return;
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    if (new URL(req.url ?? '/', 'http://bridge').pathname === MEDIA_SOCKET_PATH) {
      if (!hostOk(req) || !originOk(req) || req.headers.origin === undefined) return socket.destroy();
      return acceptMediaSocket(
        req,
        socket,
        head,
        (m) => core.engineChunk(m),
        () => core.engineChannelClosed(),
      );
    }
    const t = target();
    if (!hostOk(req) || !originOk(req) || !t || !(req.url ?? '').startsWith('/socket.io/')) return socket.destroy();
    const up = net.connect(Number(t.port || 80), t.hostname, () => {
      const headers = proxyHeaders(req, t);
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) lines.push(`${k}: ${one}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    const end = () => {
      up.destroy();
      socket.destroy();
    };
    up.on('error', end);
    socket.on('error', end);
    up.on('close', end);
    socket.on('close', end);
  });

  const frontend = o.frontend ? await o.frontend(server) : null;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    core,
    async close() {
      await core.dispose();
      await frontend?.close();
      for (const c of clients) c.end();
      server.closeAllConnections();
      for (const s of upgraded) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
