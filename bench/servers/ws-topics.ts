/**
 * `ws` topics, the usual hand-written way: a `Map<topic, Set<socket>>`; a connection to
 * `/room/<name>` joins `name`, and every message it sends is sent to each member of its topic
 * (sender included), in a loop. Other paths are accepted and left idle.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { runServer } from './harness';
import { wsInfo } from './ws-info';

const PREFIX = '/room/';

runServer('ws-topics', () => {
  const topics = new Map<string, Set<WebSocket>>();
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', backlog: 1024 });
  wss.on('connection', (ws, request) => {
    ws.on('error', () => ws.terminate());
    const url = request.url ?? '/';
    if (!url.startsWith(PREFIX)) return;
    const name = decodeURIComponent(url.slice(PREFIX.length));
    let members = topics.get(name);
    if (members === undefined) topics.set(name, (members = new Set()));
    members.add(ws);
    const room = members;
    ws.on('message', (data, isBinary) => {
      for (const member of room) {
        if (member.readyState === WebSocket.OPEN) member.send(data, { binary: isBinary });
      }
    });
    ws.on('close', () => {
      room.delete(ws);
      if (room.size === 0 && topics.get(name) === room) topics.delete(name);
    });
  });
  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => resolve({ port: (wss.address() as AddressInfo).port, info: wsInfo() }));
  });
});
