// A lossy UDP relay on loopback for SRT tests: datagrams from a client to `target` and back, each dropped with the
// given probability, each way. One upstream socket per client address, at most `maxClients`; stop() closes them.
import dgram from 'node:dgram';

export interface UdpProxy {
  port: number;
  /** Datagrams forwarded and dropped, each way. */
  counts: { up: number; upDropped: number; down: number; downDropped: number };
  stop(): Promise<void>;
}

export async function startLossyUdpProxy(target: { host: string; port: number }, lossRate: number, maxClients = 8): Promise<UdpProxy> {
  const front = dgram.createSocket('udp4');
  const upstream = new Map<string, dgram.Socket>();
  const counts = { up: 0, upDropped: 0, down: 0, downDropped: 0 };
  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let up = upstream.get(key);
    if (!up) {
      if (upstream.size >= maxClients) return;
      up = dgram.createSocket('udp4');
      up.on('message', (reply) => {
        if (Math.random() < lossRate) counts.downDropped++;
        else {
          counts.down++;
          front.send(reply, from.port, from.address);
        }
      });
      up.on('error', () => {});
      up.bind(0, '127.0.0.1');
      upstream.set(key, up);
    }
    if (Math.random() < lossRate) counts.upDropped++;
    else {
      counts.up++;
      up.send(msg, target.port, target.host);
    }
  });
  front.on('error', () => {});
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  return {
    port: front.address().port,
    counts,
    async stop() {
      for (const s of upstream.values()) s.close();
      upstream.clear();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
