/** The `ws` client driven by the client-throughput job. */
import WebSocket from 'ws';
import { runClient, type ClientDriver } from './client-harness';

runClient('ws-client', (url) =>
  new Promise<ClientDriver>((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        send: (payload) => ws.send(payload, { binary: true }),
        onMessage: (handler) => ws.on('message', (data: Buffer) => handler(data.length)),
        close: () =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => {
              ws.terminate();
              done();
            }, 1000);
            ws.once('close', () => {
              clearTimeout(timer);
              done();
            });
            ws.close(1000);
          }),
      }),
    );
  }),
);
