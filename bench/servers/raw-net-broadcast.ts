/**
 * Raw `net` broadcast: every frame a client sends is unmasked once and the same bytes are written
 * to every open socket. The frames are forwarded as they complete in each chunk, which is exact
 * for the benchmark's single publisher (two concurrent publishers could interleave partial frames).
 */
import * as net from 'node:net';
import { FrameUnmasker } from '../lib/frames';
import { runServer } from './harness';
import { acceptUpgrade } from './raw-upgrade';

runServer('raw-net-broadcast', () => {
  const open = new Set<net.Socket>();
  const broadcast = (bytes: Buffer): void => {
    for (const s of open) s.write(bytes);
  };
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('close', () => open.delete(socket));
    acceptUpgrade(socket, (rest) => {
      open.add(socket);
      const unmasker = new FrameUnmasker();
      const onData = (chunk: Buffer): void => {
        const out = unmasker.push(chunk);
        if (out.length) broadcast(out.length === 1 ? out[0]! : Buffer.concat(out));
      };
      if (rest.length) onData(Buffer.from(rest));
      socket.on('data', onData);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', 1024, () => resolve({ port: (server.address() as net.AddressInfo).port }));
  });
});
