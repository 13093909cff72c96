// The Fastify application: API, media files and operator pages. Listening is the caller's job.
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { LIMITS } from '../config.js';
import type { HttpDeps } from './deps.js';
import { crossSiteGuard, originCheck } from './cross-site.js';
import { errorBody, handleClientError, makeErrorHandler } from './errors.js';
import { registerAccountRoutes } from './routes-account.js';
import { registerChannelRoutes } from './routes-channels.js';
import { createMediaCache, registerMediaRoutes } from './routes-media.js';
import { mediaFastPath } from './media-fast-path.js';
import { installMediaLane, type MediaLane } from './media-lane.js';
import { registerOpsRoutes } from './routes-ops.js';
import { registerSocialRoutes } from './routes-social.js';
import { registerSiteRoutes, type SitePages } from './routes-site.js';
import { registerWebhookRoutes } from './routes-webhooks.js';
import { registerDestinationRoutes } from './routes-destinations.js';
import { registerModerationRoutes } from './routes-moderation.js';
import { registerDashboardRoutes } from './routes-dashboard.js';
import { registerAdminRoutes } from './routes-admin.js';
import { EXPOSED_HEADERS } from './media-headers.js';
import { pageMetaSource } from './page-meta.js';

/** Longer than the idle limit of the proxies put in front (nginx's upstream keepalive 60 s, load balancers' 60 s). */
const HTTP_KEEP_ALIVE_MS = 65_000;

export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const mediaCache = createMediaCache();
  const fastPath = mediaFastPath(deps, mediaCache);
  const onError = makeErrorHandler(deps.logger);
  let lane: MediaLane | undefined;
  const app = Fastify({
    // Live segments of public streams skip the framework (see mediaFastPath); everything else is Fastify's.
    serverFactory: (handler) => {
      const server = createServer((req, res) => {
        if (!fastPath(req, res)) handler(req, res);
      });
      // Fastify applies keepAliveTimeout only to servers it creates: without this, connections idle for 5 s (Node's
      // default) are closed, and a client or proxy reusing one just then gets a reset.
      server.keepAliveTimeout = HTTP_KEEP_ALIVE_MS;
      // New connections go to the media lane first; it hands anything but live media GETs to the server above.
      if (deps.config.mediaLane) lane = installMediaLane(server, fastPath, HTTP_KEEP_ALIVE_MS);
      return server;
    },
    bodyLimit: LIMITS.httpBodyBytes,
    routerOptions: { maxParamLength: LIMITS.httpParamChars },
    // Errors met before a route runs (a bad URL encoding, an overlong parameter) get the same answers as the rest.
    frameworkErrors: (err, req, reply) => onError(err, req, reply),
    clientErrorHandler: handleClientError,
    trustProxy: deps.trust,
    // Fastify's own request logging stays off: headers carry tokens; our handlers log what matters.
    logger: false,
    keepAliveTimeout: HTTP_KEEP_ALIVE_MS,
  });
  app.setErrorHandler(onError);
  // The lane's connections are unknown to node:http, whose close would wait for them.
  app.addHook('preClose', async () => lane?.closeAll());
  // A browser asking for a page that does not exist gets the app's not-found page; everything else the JSON error.
  let sitePage: SitePages['notFound'] = () => undefined;
  app.setNotFoundHandler(
    (req, reply) => sitePage(req, reply) ?? reply.status(404).send(errorBody('not_found', 'Nothing answers this method and path.')),
  );
  acceptJsonBodiesOnly(app);
  await app.register(cookie);
  app.addHook('onRequest', crossSiteGuard(originCheck(deps.config.publicUrl, deps.config.allowedOrigins, deps.trust)));
  // API answers are per caller and some carry secrets (tokens, stream keys, invite links): no cache keeps them
  // unless a route says otherwise.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  // Media and public API are readable from any origin (players embedded elsewhere); credentials stay same-origin.
  await app.register(cors, { origin: '*', methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'], exposedHeaders: EXPOSED_HEADERS });
  registerOpsRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerChannelRoutes(app, deps);
  registerSocialRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  registerDestinationRoutes(app, deps);
  registerModerationRoutes(app, deps);
  registerDashboardRoutes(app, deps);
  registerAdminRoutes(app, deps);
  registerMediaRoutes(app, deps, mediaCache);
  // The viewer web app last: it claims only its own paths (/, /c/*, /i/*, /embed/*, /settings, /replay/*, /assets/*).
  sitePage = registerSiteRoutes(app, deps, { meta: pageMetaSource(deps) }).notFound;
  return app;
}

/**
 * JSON is the only body anything here reads. Fastify's text/plain parser goes: a cross-site form can send text/plain
 * (or urlencoded, multipart) without a CORS preflight, and any body that is not JSON is answered 415. An empty body
 * sent as application/json is no body (routes that need one say so); malformed JSON is 400 invalid_json.
 */
function acceptJsonBodiesOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body.length === 0) return done(null, undefined);
    return parseJson(req, body as string, done);
  });
}
