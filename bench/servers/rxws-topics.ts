/**
 * rxws topics: a connection to `/room/<name>` joins the topic `name` (a route path parameter),
 * and every message it sends is published to that topic (encoded once, sender included). Other
 * paths are accepted and left idle (the cost-per-member scenario opens them).
 */
import { runServer } from './harness';
import { rxws } from './rxws-build';

const { WebSocketServer } = rxws;

runServer('rxws-topics', async () => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.route({
    path: '/room/:name',
    handle: (conn) => {
      const topic = server.topic(conn.request.params['name']!);
      topic.join(conn);
      conn.messages$.subscribe((m) => {
        if (m.type === 'text' || m.type === 'binary') topic.publish(m.data);
      });
    },
  });
  server.route({ path: '/', defaultPath: true });
  const { port } = await server.listen();
  return { port };
});
