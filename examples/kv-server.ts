/**
 * A typed key-value store over WebSockets: clients `get`, `set` and `delete` keys and list them,
 * with request/response, and every other client is told of each change by a pushed `changed`
 * event. Messages are JSON checked against the Zod schemas in kv-protocol.ts, both ways.
 *
 *   npx tsx examples/kv-server.ts                   # ws://127.0.0.1:8090/kv
 *   npx tsx examples/kv-client.ts                   # in another terminal
 *
 * PORT and HOST move it (default 8090 on 127.0.0.1). Ctrl-C closes every connection with 1001.
 */
import type { Writable } from 'node:stream';
import { Subject, filter, merge, tap } from 'rxjs';
// The package's sources; in your own project the same names come from '@rxws/rxws'.
import { WebSocketServer, serveRequests, typed, type Connection } from '../src';
import { KvRequest, KvServerMessage } from './kv-protocol';

export interface KvServerOptions {
  /** Default 8090; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where the server logs refused messages and errors. Default: nowhere. */
  output?: Writable;
}

export interface KvServer {
  readonly url: string;
  readonly port: number;
  readonly server: WebSocketServer;
  /** The store itself, to look at (tests) or seed. */
  readonly store: Map<string, string>;
  close(): Promise<void>;
}

/** At most this many keys, so one client cannot fill the server's memory. */
const MAX_KEYS = 10_000;

export async function startKvServer(options: KvServerOptions = {}): Promise<KvServer> {
  const host = options.host ?? '127.0.0.1';
  const log = (line: string) => options.output?.write(`${line}\n`);
  const store = new Map<string, string>();
  const changes = new Subject<{ key: string; value: string | null; from: Connection }>();
  const server = new WebSocketServer({ port: options.port ?? 8090, host });
  server.route({
    path: '/kv',
    // The route keeps what `handle` returns subscribed for as long as the connection lives.
    handle: (conn) => {
      const kv = typed(conn, { receive: KvRequest, send: KvServerMessage });
      const answers = kv.messages$.pipe(
        serveRequests(
          kv,
          (request) => {
            switch (request.type) {
              case 'get':
                return { type: 'value', key: request.key, value: store.get(request.key) ?? null };
              case 'set':
                if (!store.has(request.key) && store.size >= MAX_KEYS) return { type: 'error', message: 'the store is full' };
                store.set(request.key, request.value);
                changes.next({ key: request.key, value: request.value, from: conn });
                return { type: 'done' };
              case 'delete':
                if (store.delete(request.key)) changes.next({ key: request.key, value: null, from: conn });
                return { type: 'done' };
              case 'keys':
                return { type: 'keys', keys: [...store.keys()].sort() };
            }
          },
          // A bug in a handler answers the one request instead of dropping the connection.
          { concurrency: 4, errorResponse: () => ({ type: 'error', message: 'internal error' }) },
        ),
      );
      // Everyone else hears of a change; the one who made it has its `done`.
      const pushes = changes.pipe(
        filter((change) => change.from !== conn),
        tap((change) => kv.sink.next({ type: 'changed', key: change.key, value: change.value })),
      );
      const refused = kv.invalid$.pipe(tap((bad) => log(`refused a message from ${conn.remoteAddress ?? '?'}: ${bad.issues[0]?.message ?? bad.stage}`)));
      // The route unsubscribes this when the connection closes, pushes included.
      return merge(answers, refused, pushes);
    },
  });
  server.errors$.subscribe((error) => log(`error: ${error.message}`));
  const { port } = await server.listen();
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `ws://${shown}:${port}/kv`,
    port,
    server,
    store,
    close: async () => {
      await server.close({ code: 1001, reason: 'server shutting down' });
      changes.complete();
    },
  };
}

if (require.main === module) {
  const port = Number(process.env['PORT'] ?? 8090);
  startKvServer({ port, host: process.env['HOST'] ?? '127.0.0.1', output: process.stdout }).then(
    (kv) => {
      process.stdout.write(`key-value server on ${kv.url}; Ctrl-C to stop\n`);
      const stop = () => void kv.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: NodeJS.ErrnoException) => {
      process.stderr.write(`could not start: ${error.code === 'EADDRINUSE' ? `port ${port} is in use (set PORT)` : error.message}\n`);
      process.exitCode = 1;
    },
  );
}
