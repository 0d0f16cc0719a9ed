import { WebSocketServer, ofData, type RouteOptions, type ServerOptions } from '../../src';

/** An rxws echo server on 127.0.0.1:0 (route `/` unless given), as a user would write it. */
export async function startEchoServer(options: Partial<ServerOptions> = {}, route: Partial<RouteOptions> = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  const echo = server.route({
    path: '/',
    handle: (connection) => {
      connection.messages$.pipe(ofData()).subscribe((data) => connection.sink.next(data));
    },
    ...route,
  });
  const { port } = await server.listen();
  return { server, route: echo, port, url: `ws://127.0.0.1:${port}/` };
}
