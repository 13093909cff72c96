// Opening a chat connection: the socket.io server with its cross-site Origin check, and the identity of each
// connection, resolved once from its handshake (cookie, bearer or guest token) and kept in socket.data.
import { createHash } from 'node:crypto';
import { Server } from 'socket.io';
import { CHAT_LIMITS, CHAT_PATH } from '../api/chat.js';
import { bearerToken } from '../access/credentials.js';
import type { Logger } from '../log.js';
import { isObj, type ChatIo, type ChatSocket } from './protocol.js';
import type { ChatHandshake, ChatOptions } from './types.js';

type ConnectionOptions = Pick<ChatOptions, 'httpServer' | 'identify' | 'clientAddress' | 'allowOrigin' | 'ipHashSalt'>;

/** Salted sha256 of an address: guests' IP bans compare these, never addresses. */
export function addressHasher(salt = 'onair-chat-ip'): (address: string) => string {
  return (address) => createHash('sha256').update(`${salt}\0${address}`).digest('hex');
}

export function createChatServer(opts: ConnectionOptions, log: Logger): ChatIo {
  return new Server(opts.httpServer, {
    path: CHAT_PATH,
    serveClient: false,
    maxHttpBufferSize: CHAT_LIMITS.maxPayloadBytes,
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      // A bearer token is not ambient (the desktop app adds it to its own requests), so its Origin does not matter.
      if (origin === undefined || !opts.allowOrigin || bearerToken(req.headers.authorization) || opts.allowOrigin(origin, req))
        return callback(null, true);
      log.info({ origin: origin.slice(0, 200) }, 'chat connection refused: cross-site origin');
      callback('This page may not open a chat connection to this server.', false);
    },
  });
}

/** The credentials a connection opened with (kept by socket.io for the connection's life). */
export function handshakeOf(opts: ConnectionOptions, socket: ChatSocket): ChatHandshake {
  const auth = isObj(socket.handshake.auth) ? socket.handshake.auth : {};
  return {
    cookieHeader: socket.handshake.headers.cookie,
    bearer: typeof auth.token === 'string' ? auth.token : bearerToken(socket.handshake.headers.authorization),
    guestToken: typeof auth.guestToken === 'string' ? auth.guestToken : undefined,
    address: opts.clientAddress ? opts.clientAddress(socket.request) : socket.handshake.address,
  };
}

/**
 * Resolves every connection's identity before it connects. Anonymous viewers connect with none; credentials that no
 * longer resolve are refused with `unauthorized`, so the client signs in again instead of silently reading as nobody.
 */
export function identifyConnections(
  io: ChatIo,
  opts: ConnectionOptions,
  hashIp: (address: string) => string,
  clientOf: (address: string, userAgent: string) => string,
  log: Logger,
): void {
  io.use((socket, next) => {
    const handshake = handshakeOf(opts, socket);
    const { bearer, guestToken, address } = handshake;
    opts
      .identify(handshake)
      .then((identity) => {
        if (!identity && (bearer || guestToken)) {
          const err = new Error('unauthorized') as Error & { data?: unknown };
          err.data = { code: 'unauthorized', message: 'Your sign-in or invite is not valid any more; sign in again.' };
          return next(err);
        }
        socket.data = { identity, ipHash: hashIp(address), client: clientOf(address, socket.handshake.headers['user-agent'] ?? '') };
        next();
      })
      .catch((err: unknown) => {
        log.error({ err: (err as Error)?.message }, 'chat identify failed');
        next(new Error('internal'));
      });
  });
}
