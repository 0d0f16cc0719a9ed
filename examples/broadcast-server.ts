/**
 * Chat rooms: an http server that serves the browser page (examples/chat-client.html) at `/`,
 * with rxws attached to it for WebSockets on `/ws`. Everyone starts in the room `lobby`; what
 * someone says goes to everyone in their room. Each room is a topic (`server.topic(...)`): a
 * message is encoded once for all of the room's members.
 * The page's script runs on rxws's browser entry, bundled at start and served at /modules/ (see
 * examples/browser-modules.ts).
 *
 *   npx tsx examples/broadcast-server.ts            # then open the printed URL in two tabs
 *   PORT=3000 HOST=0.0.0.0 npx tsx examples/broadcast-server.ts
 *
 * HOST defaults to 127.0.0.1: only this machine can connect, which is the safe default for a demo
 * that has no authentication. Set HOST=0.0.0.0 to let other machines on your network join.
 *
 * Clients send plain text lines; `call me <name>` renames the sender, `join <room>` moves them to
 * another room. The server answers with the JSON events documented at the top of
 * chat-client.html. On the server's stdin, `send <text>` sends a server notice to every room and
 * `exit` closes every connection with 1001 and exits.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { EMPTY, Subject, catchError, concat, defer, mergeMap, of, type Observable, type Subscription } from 'rxjs';
// The package's sources; in your own project the same names come from '@rxws/rxws'.
import { WebSocketServer, ofText, type Connection, type Route, type Topic } from '../src';
import { bundleBrowserModules, type BrowserModules } from './browser-modules';
import { writeChatEvent, type ChatEvent } from './chat-messages';

/** What the server sends to pages (and CLI clients): see chat-messages.ts. */
export type { ChatEvent } from './chat-messages';

/** The events that happen in a room, and go to that room's topic. */
type RoomEvent = Extract<ChatEvent, { type: 'join' | 'leave' | 'chat' | 'rename' }> & { room: string };

/** Per-connection state, kept in `conn.data`. */
export interface ChatUser {
  name: string;
  /** The room the user is in (a topic of the server), and the membership of its topic. */
  room: string;
  membership: Subscription | undefined;
}

/** The room everyone starts in. */
export const LOBBY = 'lobby';

export interface BroadcastServerOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (see the top of this file). */
  host?: string;
  /** Where `send <text>` and `exit` commands come from (the CLI passes stdin). */
  input?: Readable;
  /** Where the server logs what happens. Default: nowhere. */
  output?: Writable;
}

export interface BroadcastServer {
  /** The page's address, e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  /** The WebSocket endpoint, e.g. ws://127.0.0.1:8080/ws */
  readonly wsUrl: string;
  readonly port: number;
  readonly http: Server;
  readonly server: WebSocketServer;
  readonly route: Route<ChatUser>;
  /** Graceful shutdown: 1001 to every client, then the http server stops. Idempotent. */
  close(): Promise<void>;
  /** Resolves once the server has shut down, whether by `exit` on the input or by `close()`. */
  readonly closed: Promise<void>;
}

const MAX_NAME_LENGTH = 24;
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u;
const CALL_ME = /^call me(?:\s+(.*))?$/i;
const JOIN = /^join(?:\s+(.*))?$/i;
const MAX_ROOM_LENGTH = 24;
const ROOM = /^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}._-]*$/u;

export async function startBroadcastServer(options: BroadcastServerOptions = {}): Promise<BroadcastServer> {
  const port = options.port ?? 8080;
  const host = options.host ?? '127.0.0.1';
  const log = (line: string) => options.output?.write(`${line}\n`);
  const page = loadPage();
  const modules = await bundleBrowserModules();

  const http = createServer((request, response) => servePage(page, modules, request, response));
  const server = new WebSocketServer({ server: http });
  let guests = 0;
  const route = server.route<ChatUser>({
    path: '/ws',
    accept: () => ({ data: { name: `guest-${++guests}`, room: LOBBY, membership: undefined } }),
    // A phone that loses its network never says goodbye: after 30 s of silence ping it, and drop
    // it (reported as 1006, and so as a leave) if it does not answer within 10 s.
    heartbeat: { intervalMs: 30_000, timeoutMs: 10_000 },
  });

  /** A room is a topic of the server; the prefix keeps room names apart from other topics. */
  const topicOf = (room: string): Topic => server.topic(`room:${room}`);
  const online = (room: string) => [...topicOf(room).members].map((c) => (c as Connection<ChatUser>).data.name);
  const send = (conn: Connection<ChatUser>, event: ChatEvent) => conn.sink.next(writeChatEvent(event));
  /** Makes `conn` a member of `room` (leaving the one it was in) and returns the join event. */
  const enter = (conn: Connection<ChatUser>, room: string): RoomEvent => {
    conn.data.membership?.unsubscribe();
    conn.data.room = room;
    conn.data.membership = topicOf(room).join(conn);
    return { type: 'join', name: conn.data.name, room, at: Date.now() };
  };

  /** One line from one client: a chat line, a rename, a move to another room, or nothing
   *  (blank, or refused: the reason goes to the asker alone). */
  const said = (conn: Connection<ChatUser>, line: string): Observable<RoomEvent> => {
    const text = line.trim();
    if (text === '') return EMPTY;
    const refuse = (problem: string) => {
      send(conn, { type: 'notice', text: problem, at: Date.now() });
      return EMPTY;
    };
    const rename = CALL_ME.exec(text);
    if (rename !== null) {
      const to = (rename[1] ?? '').trim();
      const problem = nameProblem(to, conn, route);
      if (problem !== undefined) return refuse(problem);
      const from = conn.data.name;
      conn.data.name = to;
      return of({ type: 'rename', from, to, room: conn.data.room, at: Date.now() });
    }
    const join = JOIN.exec(text);
    if (join !== null) {
      const to = (join[1] ?? '').trim().replace(/^#/, '').toLowerCase();
      const problem = roomProblem(to);
      if (problem !== undefined) return refuse(problem);
      if (to === conn.data.room) return refuse(`you are already in #${to}`);
      const left: RoomEvent = { type: 'leave', name: conn.data.name, room: conn.data.room, at: Date.now() };
      const joined = enter(conn, to);
      send(conn, { type: 'room', room: to, online: online(to) });
      return of(left, joined);
    }
    return of({ type: 'chat', from: conn.data.name, text: line, room: conn.data.room, at: Date.now() });
  };

  // Each connection becomes a stream of events: its join, what it says, then its leave (when
  // `messages$` completes after the close, by which time it has left its room's topic). Merged,
  // they are the chat; each event goes to the topic of its room.
  const chat$ = route.connections$.pipe(
    mergeMap((conn) => {
      const joined = enter(conn, LOBBY);
      send(conn, { type: 'welcome', name: conn.data.name, room: LOBBY, online: online(LOBBY) });
      return concat(
        of(joined),
        conn.messages$.pipe(
          ofText(),
          mergeMap((line) => said(conn, line)),
          // messages$ never errors by contract; if it ever did, one client must not end the chat.
          catchError(() => EMPTY),
        ),
        defer(() => of<RoomEvent>({ type: 'leave', name: conn.data.name, room: conn.data.room, at: Date.now() })),
      );
    }),
  );

  const notices = new Subject<Extract<ChatEvent, { type: 'notice' }>>();
  const events = chat$.subscribe((event) => {
    log(describe(event));
    // Joins, leaves, chat lines and renames go to the room they happened in (refusals were sent
    // to the asker alone): each encoded once for the whole room.
    topicOf(event.room).publish(writeChatEvent(event));
  });
  // Server notices (`send <text>` on stdin) go to everyone on the route, whatever their room.
  const noticeEvents = notices.subscribe((event) => {
    log(describe(event));
    route.broadcast(writeChatEvent(event));
  });
  server.errors$.subscribe((error) => log(`error: ${error.message}`));

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const bound = (http.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  let commands: ReturnType<typeof createInterface> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const close = () =>
    (closing ??= (async () => {
      commands?.close();
      notices.complete();
      await server.close({ code: 1001, reason: 'server shutting down' });
      events.unsubscribe();
      noticeEvents.unsubscribe();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      log('server closed');
      resolveClosed();
    })());

  if (options.input !== undefined) {
    commands = createInterface({ input: options.input, terminal: false });
    commands.on('line', (line) => {
      const command = line.trim();
      if (command === 'exit') void close();
      else if (command.startsWith('send ')) notices.next({ type: 'notice', text: command.slice(5).trim(), at: Date.now() });
      else if (command !== '') log('commands: send <text> | exit');
    });
  }

  return {
    url: `http://${shownHost}:${bound}/`,
    wsUrl: `ws://${shownHost}:${bound}/ws`,
    port: bound,
    http,
    server,
    route,
    close,
    closed,
  };
}

/** Why a requested room cannot be joined, or undefined if it can. */
function roomProblem(room: string): string | undefined {
  if (room === '') return 'usage: join <room>';
  if (room.length > MAX_ROOM_LENGTH) return `a room name is at most ${MAX_ROOM_LENGTH} characters`;
  if (!ROOM.test(room)) return 'a room name is letters, digits and . _ - (starting with a letter or digit)';
  return undefined;
}

/** Why a requested name cannot be used, or undefined if it can. */
function nameProblem(name: string, conn: Connection<ChatUser>, route: Route<ChatUser>): string | undefined {
  if (name === '') return 'usage: call me <name>';
  if (name.length > MAX_NAME_LENGTH) return `a name is at most ${MAX_NAME_LENGTH} characters`;
  if (!NAME.test(name)) return 'a name is letters, digits, spaces and . _ - (starting with a letter or digit)';
  const wanted = name.toLowerCase();
  for (const other of route.connections) {
    if (other !== conn && other.data.name.toLowerCase() === wanted) return `the name ${name} is taken`;
  }
  return undefined;
}

function describe(event: RoomEvent | Extract<ChatEvent, { type: 'notice' }>): string {
  if (event.type === 'notice') return `notice: ${event.text}`;
  switch (event.type) {
    case 'join':
      return `${event.name} joined #${event.room}`;
    case 'leave':
      return `${event.name} left #${event.room}`;
    case 'chat':
      return `#${event.room} ${event.from}: ${event.text}`;
    case 'rename':
      return `${event.from} is now ${event.to}`;
  }
}

interface Page {
  html: Buffer;
  csp: string;
}

/** The page and a Content-Security-Policy that allows exactly its inline scripts (the import map
 *  and the module) and style, and the modules this server serves. */
function loadPage(): Page {
  const html = readFileSync(join(__dirname, 'chat-client.html'));
  const text = html.toString('utf8');
  const hashes = (tag: string) =>
    [...text.matchAll(new RegExp(`<${tag}(?: [^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))]
      .map((m) => `'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`)
      .join(' ');
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${hashes('script')}`,
    `style-src ${hashes('style')}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}

function servePage(page: Page, modules: BrowserModules, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const module = modules.get(path);
  if (module !== undefined && (request.method === 'GET' || request.method === 'HEAD')) {
    response.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'content-length': Buffer.byteLength(module),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    response.end(request.method === 'HEAD' ? undefined : module);
    return;
  }
  if (path !== '/') {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': page.html.length,
    'cache-control': 'no-store',
    'content-security-policy': page.csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  response.end(request.method === 'HEAD' ? undefined : page.html);
}

if (require.main === module) {
  const port = Number(process.env['PORT'] ?? 8080);
  const host = process.env['HOST'] ?? '127.0.0.1';
  startBroadcastServer({ port, host, input: process.stdin, output: process.stdout }).then(
    (chat) => {
      process.stdout.write(`chat room on ${chat.url} (websocket ${chat.wsUrl})\n`);
      process.stdout.write('open that URL in a browser; type `send <text>` to announce, `exit` to stop\n');
      const stop = () => void chat.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      void chat.closed.then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        process.exitCode = 0;
      });
    },
    (error: NodeJS.ErrnoException) => {
      process.stderr.write(`could not start: ${error.code === 'EADDRINUSE' ? `port ${port} is in use (set PORT)` : error.message}\n`);
      process.exitCode = 1;
    },
  );
}
