import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError, ApiErrorCode } from '../api/types.js';
import { LIMITS } from '../config.js';
import { isConnectionError } from '../db/database.js';
import { DbError, type DbErrorCode } from '../db/errors.js';
import type { Logger } from '../log.js';

/** An error that reaches the client as { error: { code, message } } with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
    /** A `forbidden` answer's channel (ApiError.error.channel). */
    readonly channel?: string,
  ) {
    super(message);
  }
}

export const notFound = (what = 'Not found') => new HttpError(404, 'not_found', what);
export const unauthorized = () => new HttpError(401, 'unauthorized', 'Sign in first: send the session cookie or an Authorization: Bearer token.');

export function errorBody(code: ApiErrorCode, message: string, retryAfterSeconds?: number, channel?: string): ApiError {
  return {
    error: { code, message, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}), ...(channel !== undefined ? { channel } : {}) },
  };
}

/**
 * Fastify's own errors, by code: status, our code and a fixed message. Fastify's messages can quote the URL or a
 * header, so none of them reaches the client.
 */
const FRAMEWORK_ERRORS: Record<string, [number, ApiErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'The request body is not valid JSON.'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send a JSON body with Content-Type: application/json, or no body.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request', 'The request body does not match its Content-Length.'],
  FST_ERR_BAD_URL: [400, 'bad_request', 'The URL is not validly percent-encoded.'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long', 'A part of the URL is too long.'],
};

/** Maps every error, ours or Fastify's, to the one error shape; internal details stay in the log. */
export function makeErrorHandler(logger: Logger) {
  return (err: FastifyError | HttpError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) {
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
      return reply.status(err.status).send(errorBody(err.code, err.message, err.retryAfterSeconds, err.channel));
    }
    const fe = err as FastifyError;
    const known = fe.code ? FRAMEWORK_ERRORS[fe.code] : undefined;
    if (known) return reply.status(known[0]).send(errorBody(known[1], known[2]));
    if (fe.statusCode === 400 && err instanceof SyntaxError) {
      return reply.status(400).send(errorBody('invalid_json', 'The request body is not valid JSON.'));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply
        .status(fe.statusCode)
        .send(errorBody('bad_request', `The request could not be handled (${fe.statusCode} ${STATUS_CODES[fe.statusCode] ?? 'Client Error'}).`));
    }
    if (isConnectionError(err)) {
      // The database went away: what needs it fails plainly; live streams and their media go on.
      logger.warn({ err: err.message, url: req.routeOptions?.url ?? 'unknown' }, 'request failed: database unreachable');
      return reply
        .status(503)
        .header('retry-after', '5')
        .send(errorBody('unavailable', 'The database is unreachable; try again in a moment.', 5));
    }
    logger.error({ err, url: req.routeOptions?.url ?? 'unknown' }, 'request failed');
    return reply.status(500).send(errorBody('internal', 'Something went wrong on the server.'));
  };
}

/** How each database validation error reaches the client; codes not listed are server faults. */
const DB_ERROR_HTTP: Partial<Record<DbErrorCode, [number, ApiErrorCode]>> = {
  username_taken: [409, 'username_taken'],
  invalid_username: [400, 'invalid_username'],
  username_reserved: [400, 'invalid_username'],
  weak_password: [400, 'weak_password'],
  password_too_long: [400, 'weak_password'],
  invalid_tags: [400, 'invalid_tags'],
  invalid_title: [400, 'bad_request'],
  invalid_visibility: [400, 'bad_request'],
  invalid_invite: [400, 'bad_request'],
  invite_not_found: [404, 'not_found'],
  invite_expired: [410, 'invite_expired'],
  invite_used_up: [410, 'invite_used_up'],
  invite_revoked: [410, 'invite_revoked'],
  cannot_follow_self: [400, 'bad_request'],
  invalid_webhook: [400, 'bad_request'],
  too_many_webhooks: [400, 'bad_request'],
  invalid_destination: [400, 'bad_request'],
  too_many_destinations: [400, 'bad_request'],
  not_found: [404, 'not_found'],
};

/** Rethrows a database validation error as the matching HttpError; anything else unchanged. */
export function rethrowDbError(err: unknown): never {
  if (err instanceof DbError) {
    const mapped = DB_ERROR_HTTP[err.code];
    if (mapped) throw new HttpError(mapped[0], mapped[1], err.message);
  }
  throw err;
}

/**
 * A request body that must be a JSON object: 400 with `example` otherwise. `optional`: no body reads as {} (routes
 * whose fields all have defaults).
 */
export function jsonObject(body: unknown, example: string, opts: { optional?: boolean } = {}): Record<string, unknown> {
  if (opts.optional && (body === undefined || body === null)) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'bad_request', `Send a JSON object, e.g. ${example}.`);
  return body as Record<string, unknown>;
}

/** Runs an input check that throws ValidationError / DbError: what it refuses is answered as rethrowDbError maps it. */
export function checkedInput<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    rethrowDbError(err);
  }
}

/** What the HTTP parser could not read, before any route: status, code and message. */
function clientErrorAnswer(code: string): [number, ApiErrorCode, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'The request line and headers are too large.'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'bad_request', 'The request took too long to arrive.'];
  return [400, 'bad_request', 'The request is not valid HTTP/1.1.'];
}

const answeredClientErrors = new WeakSet<Socket>();

/**
 * The HTTP server's clientError: a request Node's parser refused (headers too large, a malformed request line).
 * Answers once with the one error shape and Connection: close, unless a response is already under way on that
 * connection. The connection closes when the client closes its side, or after a short linger: closing at once while
 * the client is still sending would reset the connection and could discard the answer.
 */
export function handleClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || answeredClientErrors.has(socket)) return;
  answeredClientErrors.add(socket);
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] = clientErrorAnswer(err.code ?? '');
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), LIMITS.clientErrorLingerMs).unref();
}
