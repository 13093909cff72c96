// A chat server process for the multi-process test and the benchmark:
//   CHAT_SQLITE=/path/db.sqlite | DATABASE_URL=postgres://… [PG_SCHEMA=…]  REDIS_URL=… CHAT_REDIS_PREFIX=…
//   CHAT_GUEST_SECRET=…  node --import tsx server/test-support/chat-process.ts
// Listens on 127.0.0.1 (ephemeral port) and prints one line `{"port":N,"pid":P}`. Stops on SIGTERM.
import http from 'node:http';
import { openDatabase } from '../db/database.js';
import { createLogger } from '../log.js';
import { attachChat } from '../chat/service.js';
import { testChatAuth } from './chat-auth.js';

const env = process.env;
const logger = createLogger({ level: env.ONAIR_LOG_LEVEL ?? 'warn', name: 'chat-proc' }, process.stderr);
const db = await openDatabase({
  sqlitePath: env.CHAT_SQLITE ?? ':memory:',
  databaseUrl: env.DATABASE_URL || undefined,
  pgSchema: env.PG_SCHEMA || undefined,
});
// Test hooks, on 127.0.0.1 only: GET /_test/live?channel=NAME and /_test/notify?user=ID&channel=NAME.
let chatRef: Awaited<ReturnType<typeof attachChat>> | undefined;
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const channel = url.searchParams.get('channel') ?? '';
  if (url.pathname === '/_test/live' && chatRef) {
    void chatRef.streamStarted(channel).then(
      (m) => res.end(JSON.stringify(m)),
      () => res.writeHead(500).end(),
    );
    return;
  }
  if (url.pathname === '/_test/notify' && chatRef) {
    chatRef.notifyUsers([Number(url.searchParams.get('user'))], { kind: 'followed-live', channel, title: 'test' });
    res.end('{}');
    return;
  }
  res.statusCode = 404;
  res.end();
});
const auth = testChatAuth(db, env.CHAT_GUEST_SECRET ?? 'test-secret');
const chat = await attachChat({
  httpServer: server,
  db,
  logger,
  redisUrl: env.REDIS_URL || undefined,
  redisPrefix: env.CHAT_REDIS_PREFIX || undefined,
  identify: auth.identify,
  canJoin: auth.canJoin,
  ...(env.CHAT_VIEWERS_MS ? { limits: { viewersIntervalMs: Number(env.CHAT_VIEWERS_MS) } } : {}),
});
chatRef = chat;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, pid: process.pid }) + '\n');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await chat.close();
  server.close();
  server.closeAllConnections();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// Exit with the parent: a test that dies must not leave servers behind.
process.stdin.on('end', () => void stop());
process.stdin.resume();
