// Live chat (socket.io). Wire it in the composition root:
//   const chat = await attachChat({ httpServer: http.server, db, logger, redisUrl: config.redisUrl || undefined, identify, canJoin, players });
// Event names and payloads: server/api/chat.ts.
export {
  attachChat,
  type ChatService,
  type ChatOptions,
  type ChatHandshake,
  type JoinDecision,
  type ChatServiceLimits,
  type SocketData,
} from './service.js';
export type { ChatIdentity } from '../api/chat.js';
export { cleanMessageText, RateLimiter } from './text.js';
