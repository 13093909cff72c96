import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError, ApiErrorCode } from '../api/types.js';
import { DbError, type DbErrorCode } from '../db/errors.js';
import type { Logger } from '../log.js';

/** An error that reaches the client as { error: { code, message } } with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const notFound = (what = 'Not found') => new HttpError(404, 'not_found', what);
export const unauthorized = () => new HttpError(401, 'unauthorized', 'Sign in first: send the session cookie or an Authorization: Bearer token.');

export function errorBody(code: ApiErrorCode, message: string, retryAfterSeconds?: number): ApiError {
  return { error: { code, message, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) } };
}

/** Maps every error, ours or Fastify's, to the one error shape; internal details stay in the log. */
export function makeErrorHandler(logger: Logger) {
  return (err: FastifyError | HttpError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) {
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
      return reply.status(err.status).send(errorBody(err.code, err.message, err.retryAfterSeconds));
    }
    const fe = err as FastifyError;
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && err instanceof SyntaxError)) {
      return reply.status(400).send(errorBody('invalid_json', 'The request body is not valid JSON.'));
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(errorBody('payload_too_large', 'The request body is too large.'));
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.status(400).send(errorBody('bad_request', 'Send a JSON body with Content-Type: application/json.'));
    }
    if (fe.validation) {
      return reply.status(400).send(errorBody('bad_request', fe.message));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send(errorBody('bad_request', fe.message));
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
  cannot_follow_self: [400, 'bad_request'],
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
