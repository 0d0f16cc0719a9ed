/**
 * A fast but real WebSocket echo on raw `net`: unmasks in place and answers with unmasked frames
 * (pings become pongs, a close is echoed as the close reply). Clients are measured against it in
 * the client-throughput scenario, so the server is never what they wait for.
 */
import * as net from 'node:net';
import { FrameUnmasker } from '../lib/frames';
import { runServer } from './harness';
import { acceptUpgrade } from './raw-upgrade';

runServer('raw-ws-echo', () => {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    acceptUpgrade(socket, (rest) => {
      const unmasker = new FrameUnmasker();
      const onData = (chunk: Buffer): void => {
        const out = unmasker.push(chunk);
        const more = out.length === 1 ? socket.write(out[0]!) : out.length > 1 ? socket.write(Buffer.concat(out)) : true;
        if (!more) {
          socket.pause();
          socket.once('drain', () => socket.resume());
        }
      };
      if (rest.length) onData(Buffer.from(rest));
      socket.on('data', onData);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', 511, () => resolve({ port: (server.address() as net.AddressInfo).port }));
  });
});
