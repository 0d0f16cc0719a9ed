import type { Duplex } from 'node:stream';

/**
 * Writes an HTTP response that ends the exchange (a refused handshake) and closes the socket
 * once it has been flushed, so an idle or hostile peer cannot keep it open.
 */
export function replyAndClose(socket: Duplex, response: string): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(response);
}
