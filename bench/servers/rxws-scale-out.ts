/**
 * rxws scale-out: subscribers (`?role=sub`) join topic 'room'; what the publisher sends is published
 * there, except to itself. `--redis URL`: topics shared through Redis (run one per server);
 * `--cluster N`: a node:cluster primary with N workers on one port sharing topics over IPC;
 * neither: one plain process.
 */
import cluster from 'node:cluster';
import { argValue, runServer } from './harness';
import { rxws } from './rxws-build';
import type * as RedisEntry from '../../src/redis';

const { WebSocketServer, clusterBus, clusterBusRelay } = rxws;
type Bus = NonNullable<ConstructorParameters<typeof WebSocketServer>[0]>['bus'];

async function serve(bus: Bus): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', bus });
  const room = server.topic('room');
  server.route({
    path: '/',
    defaultHost: true,
    handle: (conn) => {
      if (conn.request.query === 'role=sub') room.join(conn);
      else
        conn.messages$.subscribe((m) => {
          if (m.type === 'text' || m.type === 'binary') room.publish(m.data, { except: conn });
        });
    },
  });
  return (await server.listen()).port;
}

const workers = Number(argValue('--cluster', '0'));
const redisUrl = argValue('--redis', '');

if (cluster.isWorker) {
  void serve(clusterBus()).then((port) => process.send!({ port }));
} else if (workers > 0) {
  runServer('rxws-scale-out', async () => {
    clusterBusRelay();
    const ports = await Promise.all(
      Array.from({ length: workers }, () => {
        const worker = cluster.fork();
        return new Promise<number>((resolve) => worker.on('message', (m: { port?: number }) => m.port !== undefined && resolve(m.port)));
      }),
    );
    if (new Set(ports).size !== 1) throw new Error(`workers listen on different ports: ${ports.join(', ')}`);
    return { port: ports[0]!, info: { workers } };
  });
} else {
  runServer('rxws-scale-out', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bus = redisUrl ? (require('../../dist/cjs/redis') as typeof RedisEntry).redisBus(redisUrl) : undefined;
    return { port: await serve(bus) };
  });
}
