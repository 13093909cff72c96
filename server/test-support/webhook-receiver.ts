// A webhook receiver for the tests: a real HTTP server on loopback that keeps every POST it gets (path, headers,
// parsed JSON body, arrival time) and answers as the test says: a status, or never (a receiver that hangs).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './process.js';

export interface ReceivedHook {
  /** Date.now() when the body was complete. */
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** The answer to the n-th request (0-based): an HTTP status, or 'hang' to keep the request open until close(). */
export type ReceiverAnswer = (n: number, hook: ReceivedHook) => number | 'hang';

export interface WebhookReceiver {
  /** http://127.0.0.1:<port><path> */
  url(path: string): string;
  received: ReceivedHook[];
  /** The first request (already received or still to come) that matches; fails after timeoutMs. */
  next(match: (h: ReceivedHook) => boolean, timeoutMs?: number): Promise<ReceivedHook>;
  close(): Promise<void>;
}

/** Bodies bigger than this are cut off (a webhook body is a few hundred bytes). */
const MAX_BODY = 64 * 1024;

export async function startWebhookReceiver(answer: ReceiverAnswer = () => 204): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      if (raw.length < MAX_BODY) raw += d.toString();
    });
    req.on('end', () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {}
      const hook: ReceivedHook = { at: Date.now(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      const n = received.push(hook) - 1;
      const a = answer(n, hook);
      if (a === 'hang') return;
      res.writeHead(a).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    next: (match, timeoutMs = 15_000) => waitFor('a webhook request', () => received.find(match), timeoutMs, 50),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
