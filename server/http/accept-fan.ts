// Listening for HTTP on several sockets of one port, so that a busy server still lets people in.
//
// Node accepts at most one connection per turn of its event loop on each listening socket (libuv 1.45 and later:
// "don't accept() connections in a loop"). A busy server's turn takes milliseconds, so a crowd connecting at once
// waits in the kernel's accept queue while those already in are served: against one listening socket, a node:http
// server answering 1000 wrk connections had accepted 500 after 2.5 s and the last after 10 s, and wrk counted
// ~200 requests as timed out (> 5 s). Sockets sharing the port (SO_REUSEPORT: the kernel spreads new connections
// over them) accept one each per turn: with 64, all 1000 were in after 0.8 s and none timed out. Every accepted
// connection goes to the one HTTP server, as if it had accepted it.
//
// SO_REUSEPORT spreads connections on Linux only, and it would let a second server on the same port share it
// without a word: the port is first bound alone (a plain socket), so "address in use" is said as before.
import net from 'node:net';
import type { Server } from 'node:http';

/** Listening sockets per HTTP port where the platform spreads connections over them. */
export const ACCEPT_SOCKETS = 64;

export interface FanListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  backlog: number;
  /** Listening sockets in all (default ACCEPT_SOCKETS where supported, else 1). */
  sockets?: number;
}

/** Whether the kernel spreads new connections over sockets sharing a port: Linux's SO_REUSEPORT does. */
export function acceptFanSupported(platform: NodeJS.Platform = process.platform, host = ''): boolean {
  // A host name may stand for several addresses (the framework then binds each): only an address is fanned.
  return platform === 'linux' && net.isIP(host) !== 0;
}

/**
 * Listens for `server`: `listenMain` makes its own listening socket (the framework's listen, given these options),
 * then the rest of the sockets join that port. Resolves with the port and a function that closes the extra
 * sockets (their connections belong to `server`, which closes them).
 */
export async function listenWithAcceptFan(
  server: Server,
  listenMain: (o: net.ListenOptions) => Promise<void>,
  o: FanListenOptions,
): Promise<{ port: number; closeExtra(): void }> {
  const sockets = acceptFanSupported(process.platform, o.host) ? (o.sockets ?? ACCEPT_SOCKETS) : 1;
  if (sockets <= 1) {
    await listenMain({ host: o.host, port: o.port, backlog: o.backlog });
    return { port: boundPort(server), closeExtra: () => {} };
  }
  const port = await freePortAlone(o.host, o.port);
  await listenMain({ host: o.host, port, backlog: o.backlog, reusePort: true });
  const extra: net.Server[] = [];
  const closeExtra = () => {
    for (const s of extra.splice(0)) s.close();
  };
  try {
    for (let i = 1; i < sockets; i++) {
      // Options as node:http gives its own sockets: no Nagle delay on answers.
      const s = net.createServer({ noDelay: true }, (socket) => server.emit('connection', socket));
      extra.push(s);
      await listen(s, { host: o.host, port, backlog: o.backlog, reusePort: true });
    }
  } catch (err) {
    closeExtra();
    throw err;
  }
  return { port, closeExtra };
}

/** Binds `port` (0: any free one) with a socket of its own and lets it go: the port, known to be free. */
async function freePortAlone(host: string, port: number): Promise<number> {
  const probe = net.createServer();
  await listen(probe, { host, port, exclusive: true });
  const bound = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return bound;
}

function listen(s: net.Server, o: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(o, () => {
      s.off('error', reject);
      resolve();
    });
  });
}

function boundPort(server: Server): number {
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}
