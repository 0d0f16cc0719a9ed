/**
 * Raw `net` handshake baseline: accept, read the request head, write a canned 101, close. No key
 * check, no accept hash: the floor under any real handshake.
 */
import * as net from 'node:net';
import { runServer } from './harness';
import { readHead, response101 } from './raw-upgrade';

const CANNED_101 = Buffer.from(response101('s3pPLMBiTxaQ9kYGzzhZRbK+xOo='), 'latin1');

runServer('raw-net-handshake', () => {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    readHead(socket, () => socket.end(CANNED_101));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', 1024, () => resolve({ port: (server.address() as net.AddressInfo).port }));
  });
});
