// Reads of RTMP sockets go into one reused buffer. By default Node allocates a new Buffer for every socket read,
// and V8 counts each as external memory: at the few hundred reads per second that a few publishers make, that
// alone keeps a major GC running every few seconds, nearly doubling the CPU the reads cost. Node's documented
// `onread` option reads into a buffer we own, but only for sockets we construct; an accepted socket gets it by
// handing its handle to a new Socket, the way Node's own server builds sockets (`new Socket({ handle })`). Where
// that handle is not there (another runtime), plain 'data' events.
//
// The buffer is shared by every socket: a read is handed to `onRead` (the buffer and how many bytes of it are
// the read's: no slice per read) synchronously and overwritten by the next read, so consumers copy what they keep
// (the RTMP session does: see RtmpSession.feed).

import net from 'node:net';

const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

interface StreamHandle {
  readStart(): number;
}

/**
 * Takes over an accepted socket (accept it with `pauseOnConnect: true`, so that nothing was read yet) and
 * returns the socket to use from now on, whose reads arrive in `onRead`. Call before adding any listener.
 */
export function withReusedReadBuffer(socket: net.Socket, onRead: (buf: Buffer, length: number) => void): net.Socket {
  const internal = socket as unknown as { _handle: StreamHandle | null };
  const handle = internal._handle;
  if (!handle || typeof handle.readStart !== 'function') {
    socket.on('data', (chunk: Buffer) => onRead(chunk, chunk.length));
    socket.resume();
    return socket;
  }
  // Detach the handle, then destroy the empty shell so the server's connection count stays right.
  internal._handle = null;
  socket.destroy();
  const onread: net.OnReadOpts = {
    buffer: READ_BUFFER,
    // Every read lands in READ_BUFFER; true keeps reading (false would pause the socket).
    callback: (n) => {
      onRead(READ_BUFFER, n);
      return true;
    },
  };
  // `handle` (how Node's own server gives an accepted connection to a Socket) is not in Node's typings.
  return new net.Socket({ handle, onread } as net.SocketConstructorOpts);
}
