/** rxws broadcast: every message any connection sends goes out through route.broadcast (encoded once). */
import { runServer } from './harness';
import { rxws } from './rxws-build';

const { WebSocketServer } = rxws;

runServer('rxws-broadcast', async () => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const route = server.route({ path: '/', defaultHost: true, defaultPath: true });
  route.connections$.subscribe((conn) =>
    conn.messages$.subscribe((m) => {
      if (m.type === 'text' || m.type === 'binary') route.broadcast(m.data);
    }),
  );
  const { port } = await server.listen();
  return { port };
});
