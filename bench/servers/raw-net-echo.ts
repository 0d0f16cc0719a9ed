/**
 * Raw `net` echo: after the upgrade, every byte goes straight back, unchanged (the replies are
 * therefore still masked frames; the generator counts those too). This is the ceiling: no frame
 * parsing, no unmasking, so whatever the generator achieves here is its own limit.
 */
import * as net from 'node:net';
import { runServer } from './harness';
import { acceptUpgrade } from './raw-upgrade';

runServer('raw-net-echo', () => {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    acceptUpgrade(socket, (rest) => {
      if (rest.length) socket.write(rest);
      socket.pipe(socket);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', 511, () => resolve({ port: (server.address() as net.AddressInfo).port }));
  });
});
