/**
 * A line-based chat server for the command-line client: it prints what each client says, tagged
 * with the client's id, and sends every line typed on its stdin to every connected client as a
 * `notice` event. What it sends are the chat events of chat-messages.ts, checked against their
 * schema before they leave; clients send plain text lines.
 *
 *   npx tsx examples/chat-server.ts                 # ws://127.0.0.1:8080/ws
 *   npx tsx examples/chat-client.ts                 # in another terminal
 *
 * PORT and HOST move it (default 8080 on 127.0.0.1, loopback only). On stdin, `exit` closes every
 * connection with 1001 and exits; so does Ctrl-C.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Buffer } from 'node:buffer';
import { concat, map, mergeMap, of } from 'rxjs';
// The package's sources; in your own project the same names come from '@rxws/rxws'.
import { WebSocketServer, type Message, type Route } from '../src';
import { chatEvents, writeChatEvent } from './chat-messages';

export interface ChatServerOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Lines to send to every client (the CLI passes stdin); `exit` shuts down. */
  input?: Readable;
  /** Where the server prints what clients say. Default: nowhere. */
  output?: Writable;
}

export interface ChatServer {
  readonly url: string;
  readonly port: number;
  readonly server: WebSocketServer;
  readonly route: Route<ChatClient>;
  /** Graceful shutdown (1001 to everyone). Idempotent. */
  close(): Promise<void>;
  /** Resolves once the server has shut down, by `exit` on the input or by `close()`. */
  readonly closed: Promise<void>;
}

/** Per-connection data: a short id to tell clients apart in the log. */
export interface ChatClient {
  id: number;
}

export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const host = options.host ?? '127.0.0.1';
  const print = (line: string) => options.output?.write(`${line}\n`);
  const server = new WebSocketServer({ port: options.port ?? 8080, host });
  let clients = 0;
  const route = server.route<ChatClient>({ path: '/ws', accept: () => ({ data: { id: ++clients } }) });

  // The log is one stream: each connection contributes "connected", then one line per message,
  // ending with its close event (messages$ always ends with one).
  const log = route.connections$
    .pipe(
      mergeMap((conn) => {
        const tag = `#${conn.data.id}`;
        chatEvents(conn).sink.next({ type: 'welcome', name: tag, online: [...route.connections].map((c) => `#${c.data.id}`) });
        return concat(
          of(`${tag} connected from ${conn.remoteAddress ?? '?'}:${conn.request.remotePort ?? '?'}`),
          conn.messages$.pipe(map((message) => `${tag} ${describe(message)}`)),
        );
      }),
    )
    .subscribe(print);
  server.errors$.subscribe((error) => print(`error: ${error.message}`));

  const { port } = await server.listen();
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  let lines: ReturnType<typeof createInterface> | undefined;
  const close = () =>
    (closing ??= (async () => {
      lines?.close();
      await server.close({ code: 1001, reason: 'server shutting down' });
      log.unsubscribe();
      print('server closed');
      resolveClosed();
    })());

  if (options.input !== undefined) {
    lines = createInterface({ input: options.input, terminal: false });
    lines.on('line', (line) => {
      if (line.trim() === 'exit') {
        void close();
        return;
      }
      // Encoded (and checked) once for every client.
      const sent = route.broadcast(writeChatEvent({ type: 'notice', text: line, at: Date.now() }));
      print(`sent to ${sent} client${sent === 1 ? '' : 's'}`);
    });
  }

  return { url: `ws://${shown}:${port}/ws`, port, server, route, close, closed };
}

function describe(message: Message): string {
  switch (message.type) {
    case 'text':
      return `says: ${message.data}`;
    case 'binary':
      return `sent ${message.data.length} bytes: ${Buffer.from(message.data).toString('hex', 0, 32)}${message.data.length > 32 ? '…' : ''}`;
    case 'pong':
      return 'pong';
    case 'close':
      return `disconnected (${message.code}${message.reason === '' ? '' : ` ${message.reason}`}${message.wasClean ? '' : ', not clean'})`;
  }
}

if (require.main === module) {
  const port = Number(process.env['PORT'] ?? 8080);
  startChatServer({ port, host: process.env['HOST'] ?? '127.0.0.1', input: process.stdin, output: process.stdout }).then(
    (chat) => {
      process.stdout.write(`chat server on ${chat.url}; type a line to send it to every client, \`exit\` to stop\n`);
      const stop = () => void chat.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      void chat.closed.then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      });
    },
    (error: NodeJS.ErrnoException) => {
      process.stderr.write(`could not start: ${error.code === 'EADDRINUSE' ? `port ${port} is in use (set PORT)` : error.message}\n`);
      process.exitCode = 1;
    },
  );
}
