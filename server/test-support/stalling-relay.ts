// A TCP relay in front of a server that can stop reading what its clients send (a restream destination that accepted
// the stream and then stalls: its bytes pile up in the sender), or cut every connection and refuse new ones until
// mended (the database going away under a running Onair).
import net from 'node:net';

/**
 * Forwards to `port`; stall() stops reading from the client's side (its bytes pile up), resume() reads again; cut()
 * drops every connection and refuses new ones, mend() accepts them again.
 */
export async function stallingRelay(port: number) {
  const pairs: Array<{ from: net.Socket; to: net.Socket }> = [];
  let stalled = false;
  let cut = false;
  const server = net.createServer((from) => {
    if (cut) {
      from.destroy();
      return;
    }
    const to = net.connect(port, '127.0.0.1');
    from.pipe(to);
    to.pipe(from);
    from.on('error', () => to.destroy());
    to.on('error', () => from.destroy());
    pairs.push({ from, to });
    if (stalled) from.pause();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dropAll = () => {
    for (const p of pairs.splice(0)) {
      p.from.destroy();
      p.to.destroy();
    }
  };
  const relayPort = (server.address() as net.AddressInfo).port;
  return {
    port: relayPort,
    url: `rtmp://127.0.0.1:${relayPort}/live`,
    cut() {
      cut = true;
      dropAll();
    },
    mend() {
      cut = false;
    },
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
      dropAll();
      server.close();
    },
  };
}
