// Closing an ioredis client whatever state Redis is in. QUIT is a command: with Redis away it waits in the offline
// queue and is rejected when the client gives up retrying, and a subscriber connection's rejection then reaches no
// handler (seen as an unhandled rejection while a node stopped during an outage). A client that is not connected
// has nothing to say goodbye to: it is disconnected at once.
import type { Redis } from 'ioredis';

export async function leaveRedis(client: Redis | undefined): Promise<void> {
  if (!client) return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
