/** `ws` echo, the way its README does it; also serves the handshake and idle-memory scenarios. */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { runServer } from './harness';
import { wsInfo } from './ws-info';

runServer('ws-echo', () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => resolve({ port: (wss.address() as AddressInfo).port, info: wsInfo() }));
  });
});
