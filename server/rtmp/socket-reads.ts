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
  /** Node's own flag, kept as its net.Socket keeps it (tryReadStart). */
  reading: boolean;
}

/** A socket whose reads the pacer may hold back (a publisher's), and the pacer. */
export interface ReadPacing {
  pacer: ReadPacer;
  paced(): boolean;
}

/**
 * Takes over an accepted socket (accept it with `pauseOnConnect: true`, so that nothing was read yet) and
 * returns the socket to use from now on, whose reads arrive in `onRead`. Call before adding any listener.
 */
export function withReusedReadBuffer(socket: net.Socket, onRead: (buf: Buffer, length: number) => void, pacing?: ReadPacing): net.Socket {
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
  const held: PausedRead = {
    resume: () => {
      if (out.destroyed) return;
      handle.reading = true;
      const err = handle.readStart();
      if (err) out.destroy(new Error(`read failed (${err})`));
    },
  };
  const onread: net.OnReadOpts = {
    buffer: READ_BUFFER,
    // Every read lands in READ_BUFFER; true keeps reading, false pauses the socket (Node stops reading its handle)
    // until the pacer's tick starts it again.
    callback: (n) => {
      onRead(READ_BUFFER, n);
      return !(pacing?.paced() && pacing.pacer.hold(held, n, READ_BUFFER.length));
    },
  };
  // `handle` (how Node's own server gives an accepted connection to a Socket) is not in Node's typings.
  const out = new net.Socket({ handle, onread } as net.SocketConstructorOpts);
  return out;
}

/**
 * Publishers' reads gathered into ticks. Node pays for every wake of its loop and every socket read (the kernel's
 * context switch, libuv, the call into JavaScript), and a publisher's bytes arrive in many small writes: ffmpeg
 * writes each RTMP chunk's header and its body apart, so one 2.5 Mb/s stream woke the loop about 180 times a
 * second for about 110 reads. A publisher's socket whose read came up short (nothing more waiting) is paused until
 * the next tick, which reads every paused socket in one wake, whatever arrived in between. Media is cut into parts
 * of 200 ms or more, so a tick of 40 ms costs little a viewer sees. A tick costs a timer and one more wake per
 * socket (libuv drops a paused socket from epoll only when it next turns readable), so it pays once a tick
 * serves several publishers: below `minPublishers`, reads go as they come. RTMPS publishers are read by TLS, not paced.
 */
export class ReadPacer {
  private publishers = 0;
  private readonly paused: PausedRead[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly tickMs: number,
    private readonly minPublishers: number,
  ) {}

  /** A socket started publishing; the returned function says it stopped (once). */
  join(): () => void {
    this.publishers++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.publishers--;
    };
  }

  /** After a read of `length` bytes into a buffer of `capacity`: whether to pause this socket until the tick. */
  hold(read: PausedRead, length: number, capacity: number): boolean {
    if (this.tickMs <= 0 || this.publishers < this.minPublishers || length >= capacity) return false;
    this.paused.push(read);
    if (!this.timer) {
      this.timer = setTimeout(this.tick, this.tickMs);
      this.timer.unref();
    }
    return true;
  }

  /** Resumes every paused socket now (the server is closing). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.tick();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    for (const read of this.paused.splice(0)) read.resume();
  };
}

/** A socket paused by the pacer. */
export interface PausedRead {
  resume(): void;
}
