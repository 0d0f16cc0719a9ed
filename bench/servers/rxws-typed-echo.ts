/**
 * The typed-echo scenario's server: JSON text messages echoed either plainly (`--mode json`:
 * JSON.parse, JSON.stringify) or through `typed()` with a Zod schema both ways (`--mode typed`:
 * decode, validate, validate again on the way out, encode). Same route, same rxws build.
 */
import { ChatMessage } from './rxws-typed-echo-schema';
import { argValue, runServer } from './harness';
import { rxws } from './rxws-build';

const { WebSocketServer, typed } = rxws;

const mode = argValue('--mode', 'typed');

runServer(`rxws-${mode}-echo`, async () => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const route = server.route({ path: '/', defaultHost: true, defaultPath: true });
  if (mode === 'json') {
    route.connections$.subscribe((conn) =>
      conn.messages$.subscribe((m) => {
        if (m.type === 'text') conn.sink.next(JSON.stringify(JSON.parse(m.data)));
      }),
    );
  } else if (mode === 'typed') {
    route.connections$.subscribe((conn) => {
      const chat = typed(conn, { receive: ChatMessage, send: ChatMessage });
      chat.messages$.subscribe((m) => chat.sink.next(m));
    });
  } else {
    throw new Error(`unknown --mode ${mode}`);
  }
  const { port } = await server.listen();
  return { port, info: { mode } };
});
