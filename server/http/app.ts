// The Fastify application: API, media files and operator pages. Listening is the caller's job.
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { LIMITS } from '../config.js';
import type { HttpDeps } from './deps.js';
import { crossSiteGuard, originCheck } from './cross-site.js';
import { errorBody, makeErrorHandler } from './errors.js';
import { registerAccountRoutes } from './routes-account.js';
import { registerChannelRoutes } from './routes-channels.js';
import { createMediaCache, mediaFastPath, registerMediaRoutes } from './routes-media.js';
import { registerOpsRoutes } from './routes-ops.js';
import { registerSocialRoutes } from './routes-social.js';
import { registerSiteRoutes } from './routes-site.js';

export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const mediaCache = createMediaCache();
  const fastPath = mediaFastPath(deps, mediaCache);
  const app = Fastify({
    // Live segments of public streams skip the framework (see mediaFastPath); everything else is Fastify's.
    serverFactory: (handler) => createServer((req, res) => {
      if (!fastPath(req, res)) handler(req, res);
    }),
    bodyLimit: LIMITS.httpBodyBytes,
    trustProxy: deps.trust,
    // Fastify's own request logging stays off: headers carry tokens; our handlers log what matters.
    logger: false,
    keepAliveTimeout: 65_000,
  });
  app.setErrorHandler(makeErrorHandler(deps.logger));
  app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody('not_found', `No route for ${req.method} ${req.url.split('?')[0]}.`)));
  await app.register(cookie);
  app.addHook('onRequest', crossSiteGuard(originCheck(deps.config.publicUrl, deps.config.allowedOrigins, deps.trust)));
  // API answers are per caller and some carry secrets (tokens, stream keys, invite links): no cache keeps them
  // unless a route says otherwise.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  // Media and public API are readable from any origin (players embedded elsewhere); credentials stay same-origin.
  await app.register(cors, { origin: '*', methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'], exposedHeaders: ['Content-Length', 'Content-Range'] });
  registerOpsRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerChannelRoutes(app, deps);
  registerSocialRoutes(app, deps);
  registerMediaRoutes(app, deps, mediaCache);
  // The viewer web app last: it claims only its own paths (/, /c/*, /i/*, /embed/*, /settings, /replay/*, /assets/*).
  registerSiteRoutes(app, deps);
  return app;
}
