/** `ws` broadcast: every message any client sends is sent to every open client, in a loop. */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { runServer } from './harness';
import { wsInfo } from './ws-info';

runServer('ws-broadcast', () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', backlog: 1024 });
  wss.on('connection', (ws) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      for (const client of wss.clients) {
        if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
      }
    });
  });
  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => resolve({ port: (wss.address() as AddressInfo).port, info: wsInfo() }));
  });
});
