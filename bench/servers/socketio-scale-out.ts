/**
 * socket.io 4 with @socket.io/redis-adapter doing the scale-out job: subscribers (`?role=sub`)
 * join room 'room'; what the publisher emits as 'p' goes to the room as 'm', except to itself
 * (`socket.to(room)`), on every server through Redis. WebSocket transport only, no compression.
 */
import * as http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { argValue, runServer } from './harness';

runServer('socketio-scale-out', async () => {
  const url = argValue('--redis', '');
  const pub = createClient({ url });
  const sub = pub.duplicate();
  pub.on('error', () => undefined);
  sub.on('error', () => undefined);
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub), transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  io.on('connection', (socket) => {
    if (socket.handshake.query['role'] === 'sub') void socket.join('room');
    else socket.on('p', (data: string) => socket.to('room').emit('m', data));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve()));
  return { port: (httpServer.address() as { port: number }).port, info: { socketio: require('socket.io/package.json').version } };
});
