// Run by spec/bus/redis-topics.spec.ts: one rxws server process on a free port whose topics
// span the others' through Redis. A client joins the topic named in its URL (`/?topic=t&name=n`);
// the spec asks this process, over IPC, to publish, count and tell what it reported.
import { WebSocketServer, type Connection } from '../../src';
import { redisBus } from '../../src/redis';
import { serveRequests } from './ipc-child';

const url = process.argv[2]!;
const server = new WebSocketServer({ port: 0, host: '127.0.0.1', bus: redisBus({ url, reconnectMinDelayMs: 10, reconnectMaxDelayMs: 100 }) });
const errors: string[] = [];
server.errors$.subscribe((e) => errors.push(e.code));
const byName = new Map<string, Connection>();
server.route({
  path: '/',
  handle: (conn) => {
    const query = new URLSearchParams(conn.request.query);
    byName.set(query.get('name')!, conn);
    server.topic(query.get('topic')!).join(conn);
  },
});

void server.listen().then(({ port }) => {
  serveRequests(async (request) => {
    const topic = server.topic(String(request['topic'] ?? ''));
    switch (request['cmd']) {
      case 'port':
        return { port, pid: process.pid };
      case 'publish': {
        const except = typeof request['except'] === 'string' ? byName.get(request['except']) : undefined;
        let sent = 0;
        for (const m of request['messages'] as Array<{ text?: string; binary?: string }>) {
          sent += topic.publish(m.text ?? Buffer.from(m.binary!, 'base64'), { except });
        }
        return { sent };
      }
      case 'count':
        return { count: await topic.count({ timeoutMs: (request['timeoutMs'] as number | undefined) ?? 1000 }) };
      case 'size':
        return { size: topic.size };
      case 'errors':
        return { errors };
      case 'close':
        await server.close({ timeoutMs: 200 });
        return {};
      default:
        throw new Error(`unknown command ${String(request['cmd'])}`);
    }
  });
  process.send!({ ready: true });
});
