// A TCP relay in front of an RTMP server that can stop reading what its clients send: a destination that accepted
// the stream and then stalls (its bytes pile up in the sender), for the restream tests.
import net from 'node:net';

/** Forwards to `port`; stall() stops reading from the pusher's side (its bytes pile up), resume() reads again. */
export async function stallingRelay(port: number) {
  const pairs: Array<{ from: net.Socket; to: net.Socket }> = [];
  let stalled = false;
  const server = net.createServer((from) => {
    const to = net.connect(port, '127.0.0.1');
    from.pipe(to);
    to.pipe(from);
    from.on('error', () => to.destroy());
    to.on('error', () => from.destroy());
    pairs.push({ from, to });
    if (stalled) from.pause();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `rtmp://127.0.0.1:${(server.address() as net.AddressInfo).port}/live`,
    stall() {
      stalled = true;
      for (const p of pairs) {
        p.from.unpipe(p.to);
        p.from.pause();
      }
    },
    resume() {
      stalled = false;
      for (const p of pairs) {
        p.from.pipe(p.to);
        p.from.resume();
      }
    },
    close() {
      for (const p of pairs) {
        p.from.destroy();
        p.to.destroy();
      }
      server.close();
    },
  };
}
