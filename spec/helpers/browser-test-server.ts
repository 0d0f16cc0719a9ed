import { WebSocketServer } from '../../src/server/server';

/** What the test server saw of one client (by the `id` in its URL's query). */
export interface SeenClient {
  /** Text messages received, in order (commands included). */
  texts: string[];
  /** Close messages of that client's connections, in order. */
  closes: Array<{ code: number; reason: string; wasClean: boolean }>;
}

export interface BrowserTestServer {
  readonly port: number;
  /** ws://127.0.0.1:port/t?id=<id> */
  url(id: string): string;
  seen(id: string): SeenClient;
  /** Resolves once a connection of `id` has closed `count` times. */
  closed(id: string, count?: number): Promise<SeenClient['closes']>;
  close(): Promise<void>;
}

/**
 * The rxws server the browser scenarios talk to, on 127.0.0.1 (port 0, or a given port to come
 * back on after a restart). Route `/t` echoes text and binary messages, and obeys commands:
 * `!close <code> <reason>` closes with that code, `!burst <n>` sends `m0`..`m<n-1>`, `!drop`
 * destroys the socket without a close frame (the client sees 1006).
 */
export async function startBrowserTestServer(port = 0, seenBefore?: Map<string, SeenClient>): Promise<BrowserTestServer> {
  const seen = seenBefore ?? new Map<string, SeenClient>();
  const waiters: Array<() => void> = [];
  const entry = (id: string): SeenClient => {
    let found = seen.get(id);
    if (found === undefined) seen.set(id, (found = { texts: [], closes: [] }));
    return found;
  };
  const server = new WebSocketServer({ port, host: '127.0.0.1' });
  server.route({
    path: '/t',
    handle: (conn) => {
      const id = new URLSearchParams(conn.request.query).get('id') ?? '';
      const client = entry(id);
      conn.messages$.subscribe((message) => {
        if (message.type === 'binary') return conn.sink.next(message.data);
        if (message.type === 'close') {
          client.closes.push({ code: message.code, reason: message.reason, wasClean: message.wasClean });
          waiters.splice(0).forEach((w) => w());
          return;
        }
        if (message.type !== 'text') return;
        const text = message.data;
        client.texts.push(text);
        if (text.startsWith('!close ')) {
          const [, code, ...reason] = text.split(' ');
          void conn.close(Number(code), reason.join(' '));
        } else if (text.startsWith('!burst ')) {
          const count = Number(text.slice('!burst '.length));
          for (let i = 0; i < count; i++) conn.sink.next(`m${i}`);
        } else if (text === '!drop') {
          conn.terminate();
        } else {
          conn.sink.next(text);
        }
      });
    },
  });
  const address = await server.listen();
  return {
    port: address.port,
    url: (id) => `ws://127.0.0.1:${address.port}/t?id=${encodeURIComponent(id)}`,
    seen: entry,
    closed: (id, count = 1) =>
      new Promise((resolve) => {
        const check = () => {
          if (entry(id).closes.length >= count) resolve(entry(id).closes);
          else waiters.push(check);
        };
        check();
      }),
    close: () => server.close({ timeoutMs: 500 }).then(() => undefined),
  };
}
