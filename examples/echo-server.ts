/**
 * An echo server: every message comes back to its sender as it came, text as text and binary as
 * binary. Any path is accepted, so conformance suites (Autobahn's fuzzingclient, which asks for
 * paths like `/runCase?case=1&agent=x`) and benchmarks can point at it directly.
 *
 *   npx tsx examples/echo-server.ts                 # ws://127.0.0.1:9001/
 *   PORT=9002 HOST=0.0.0.0 npx tsx examples/echo-server.ts
 *
 * Ctrl-C (SIGINT) or SIGTERM closes every connection with 1001 and exits.
 */
import { tap } from 'rxjs';
// The package's sources; in your own project the same names come from '@rxws/rxws'.
import { WebSocketServer, ofData, type Route, type ServerOptions } from '../src';

export interface EchoServerOptions {
  /** Default 9001; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Any other server option (limits, TLS...), e.g. `{ maxMessageBytes: 64 * 1024 * 1024 }`. */
  server?: Partial<Omit<ServerOptions, 'port' | 'host'>>;
}

export interface EchoServer {
  readonly url: string;
  readonly port: number;
  readonly server: WebSocketServer;
  readonly route: Route;
  close(): Promise<void>;
}

export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const host = options.host ?? '127.0.0.1';
  const server = new WebSocketServer({ ...options.server, port: options.port ?? 9001, host });
  const route = server.route({
    path: '/',
    defaultPath: true,
    // The route subscribes to what `handle` returns for as long as the connection lives; the
    // sink turns a string into a text frame and bytes into a binary frame, so types survive.
    handle: (conn) => conn.messages$.pipe(ofData(), tap((data) => conn.sink.next(data))),
  });
  const { port } = await server.listen();
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return { url: `ws://${shown}:${port}/`, port, server, route, close: () => server.close() };
}

if (require.main === module) {
  const port = Number(process.env['PORT'] ?? 9001);
  startEchoServer({ port, host: process.env['HOST'] ?? '127.0.0.1' }).then(
    (echo) => {
      process.stdout.write(`echo server on ${echo.url} (any path)\n`);
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void echo.close();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (error: NodeJS.ErrnoException) => {
      process.stderr.write(`could not start: ${error.code === 'EADDRINUSE' ? `port ${port} is in use (set PORT)` : error.message}\n`);
      process.exitCode = 1;
    },
  );
}
