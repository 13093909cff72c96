// The dev bridge's media channel: a WebSocket on which the page's engine sends encoded chunks, one binary message
// each (electron/media-chunk.ts), as the desktop app sends them over a MessagePort. Receive-only and small: the
// RFC 6455 handshake, masked client frames, fragments, ping/pong and close; text frames and oversized messages
// close the socket. For development and tests on 127.0.0.1, like the rest of the bridge.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import { MEDIA_CHUNK_HEADER, MEDIA_CHUNK_MAX_PAYLOAD } from '../media-chunk.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = MEDIA_CHUNK_HEADER + MEDIA_CHUNK_MAX_PAYLOAD;
const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** Answers the upgrade and calls `onMessage` with each binary message; `onClose` once the socket is gone. */
export function acceptMediaSocket(
  req: IncomingMessage,
  socket: net.Socket,
  head: Buffer,
  onMessage: (message: Buffer) => void,
  onClose: (reason: string) => void = () => {},
): void {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || req.headers['sec-websocket-version'] !== '13') {
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.setNoDelay(true);

  let buf: Buffer = head.length ? Buffer.from(head) : Buffer.alloc(0);
  let parts: Buffer[] = [];
  let partsSize = 0;
  let closed = false;
  const close = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    const frame = Buffer.alloc(4);
    frame[0] = 0x80 | OP.close;
    frame[1] = 2;
    frame.writeUInt16BE(code, 2);
    socket.end(frame);
    onClose(reason);
  };
  const control = (op: number, payload: Buffer) => {
    if (op === OP.close) return close(1000, 'closed by the page');
    if (op === OP.ping) {
      const frame = Buffer.alloc(2 + payload.length);
      frame[0] = 0x80 | OP.pong;
      frame[1] = payload.length;
      payload.copy(frame, 2);
      socket.write(frame);
    }
  };

  const read = () => {
    while (!closed && buf.length >= 2) {
      const fin = (buf[0]! & 0x80) !== 0;
      const op = buf[0]! & 0x0f;
      const masked = (buf[1]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let p = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        p = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        const big = buf.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE)) return close(1009, 'message too large');
        len = Number(big);
        p = 10;
      }
      if (!masked) return close(1002, 'client frames must be masked');
      if (partsSize + len > MAX_MESSAGE) return close(1009, 'message too large');
      if (buf.length < p + 4 + len) return;
      const mask = buf.subarray(p, p + 4);
      const payload = Buffer.from(buf.subarray(p + 4, p + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
      buf = buf.subarray(p + 4 + len);
      if (op >= 8) {
        control(op, payload);
        continue;
      }
      if (op === OP.text) return close(1003, 'text frames are not media');
      if (op === OP.binary && parts.length) return close(1002, 'a new message inside a fragmented one');
      if (op === OP.continuation && !parts.length) return close(1002, 'a continuation without a message');
      parts.push(payload);
      partsSize += payload.length;
      if (fin) {
        const message = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        parts = [];
        partsSize = 0;
        onMessage(message);
      }
    }
  };
  socket.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    read();
  });
  socket.on('error', () => socket.destroy());
  // The page went away (its browser closed): an upgraded socket of an HTTP server stays half open otherwise, and the
  // server's close would wait for it for ever.
  socket.on('end', () => socket.destroy());
  socket.on('close', () => {
    if (!closed) {
      closed = true;
      onClose('connection lost');
    }
  });
  read();
}
