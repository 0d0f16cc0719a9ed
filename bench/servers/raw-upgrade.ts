/**
 * The minimum of an HTTP upgrade a raw `net` server needs to look like a WebSocket server to our
 * load generator and to real clients: read the request head, answer 101 with the right accept key
 * (RFC 6455 §4.2.2), hand back whatever bytes followed the head.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEAD_BYTES = 16 * 1024;

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

export function response101(accept: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
}

/** Waits for the request head; calls `onHead(head, rest)` once, or destroys the socket on a bad head. */
export function readHead(socket: Socket, onHead: (head: string, rest: Buffer) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buffered.length > MAX_HEAD_BYTES) socket.destroy();
      return;
    }
    socket.off('data', onData);
    onHead(buffered.toString('latin1', 0, end), buffered.subarray(end + 4));
  };
  socket.on('data', onData);
}

/** Completes the upgrade and calls `onOpen(rest)` with the bytes that followed the head. */
export function acceptUpgrade(socket: Socket, onOpen: (rest: Buffer) => void): void {
  readHead(socket, (head, rest) => {
    const match = /^sec-websocket-key:[ \t]*([A-Za-z0-9+/=]{1,64})[ \t]*$/im.exec(head);
    if (!match) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.write(response101(acceptKey(match[1]!)));
    onOpen(rest);
  });
}
