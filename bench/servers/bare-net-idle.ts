/**
 * The floor for idle memory: a `net` server that answers every connection with a fixed 101 at
 * once and then only reads and discards, with one error listener. No WebSocket layer, no request
 * parsing, no pipe: what Node itself holds for an accepted socket that has been written to once.
 * Only for the memory scenarios (it echoes nothing); the accept key is that of the load
 * generator's fixed key (raw-connect.ts), which the generator does not check anyway.
 */
import * as net from 'node:net';
import { runServer } from './harness';
import { acceptKey, response101 } from './raw-upgrade';
import { GENERATOR_KEY } from '../load/raw-connect';

const RESPONSE = Buffer.from(response101(acceptKey(GENERATOR_KEY)), 'latin1');

function ignoreError(): void {
  // 'close' follows; without a listener an ECONNRESET would be thrown.
}

runServer('bare-net-idle', () => {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', ignoreError);
    socket.write(RESPONSE);
    socket.resume();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', 511, () => resolve({ port: (server.address() as net.AddressInfo).port }));
  });
});
