// The two things under test, each behind the same small interface so one case table drives both:
// an rxws echo SERVER that a raw fuzzing client talks to, and an rxws echo CLIENT that a raw
// fuzzing server (it answers the upgrade itself) talks to. Both echo through the public API only.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { createHash } from 'node:crypto';
import { firstValueFrom, tap } from 'rxjs';
import {
  WebSocketServer,
  openConnection,
  ofData,
  type ClientOptions,
  type CloseMessage,
  type Connection,
  type RouteOptions,
  type ServerOptions,
} from '../../src';

export type Role = 'server' | 'client';

/** One opened connection, seen from the fuzzer: its raw socket and what the testee's app saw. */
export interface Opened {
  /** The fuzzer's end of the TCP connection past the handshake, or of the HTTP/2 stream
   *  (h2-testees.ts): END_STREAM stands for FIN there, RST_STREAM for a reset. */
  socket: Duplex;
  /** Bytes that arrived with the handshake response / request (already frames). */
  leftover: Buffer;
  /** Resolves once the testee's echo application is subscribed. */
  ready: Promise<void>;
  /** The close event the testee's application observed (messages$ / closed$). */
  appClosed: Promise<CloseMessage>;
}

export interface Testee {
  readonly role: Role;
  /** Opens a connection; `early` bytes go out in the same write as the handshake. */
  open(early?: Buffer): Promise<Opened>;
  dispose(): Promise<void>;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const acceptFor = (key: string): string => createHash('sha1').update(key + GUID).digest('base64');

/** Reads an HTTP head (up to CRLFCRLF) from a socket; resolves with the head and what followed. */
function readHead(socket: net.Socket, timeoutMs = 5000): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('no http head within the timeout')), timeoutMs);
    const finish = (error?: Error, value?: { head: string; rest: Buffer }) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0) finish(undefined, { head: data.subarray(0, end).toString('latin1'), rest: Buffer.from(data.subarray(end + 4)) });
    };
    const onClose = () => finish(new Error('socket closed before the http head'));
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

function headerOf(head: string, name: string): string | undefined {
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** Echoes every data message back through the public API (text as text, binary as binary). */
export function echoHandler(conn: Connection) {
  return conn.messages$.pipe(
    ofData(),
    tap((data) => conn.sink.next(data)),
  );
}

/** An rxws server with an echo route on `/` (default limits unless told otherwise). */
export async function serverTestee(options: Partial<ServerOptions> = {}, route: Partial<RouteOptions> = {}): Promise<Testee> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  const byPort = new Map<number, Promise<CloseMessage>>();
  const waiting = new Map<number, (closed: Promise<CloseMessage>) => void>();
  const echo = server.route({ path: '/', handle: echoHandler, ...route } as RouteOptions);
  echo.connections$.subscribe((conn) => {
    const closed = firstValueFrom(conn.closed$);
    const port = conn.request.remotePort ?? -1;
    const waiter = waiting.get(port);
    if (waiter) {
      waiting.delete(port);
      waiter(closed);
    } else byPort.set(port, closed);
  });
  const { port } = await server.listen();
  const sockets = new Set<net.Socket>();
  return {
    role: 'server',
    async open(early?: Buffer) {
      const socket = net.connect(port, '127.0.0.1');
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => sockets.delete(socket));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      socket.setNoDelay(true);
      const key = 'dGhlIHNhbXBsZSBub25jZQ==';
      const request = Buffer.from(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      socket.write(early ? Buffer.concat([request, early]) : request);
      const { head, rest } = await readHead(socket);
      if (!head.startsWith('HTTP/1.1 101 ')) throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
      if (headerOf(head, 'sec-websocket-accept') !== acceptFor(key)) throw new Error('wrong Sec-WebSocket-Accept');
      const localPort = socket.localPort!;
      const appClosed =
        byPort.get(localPort) ??
        new Promise<Promise<CloseMessage>>((resolve) => waiting.set(localPort, resolve)).then((p) => p);
      byPort.delete(localPort);
      // The route subscribes its handler synchronously when the connection opens, before the 101
      // can reach us: the echo is listening by now.
      return { socket, leftover: rest, ready: Promise.resolve(), appClosed };
    },
    async dispose() {
      for (const s of sockets) s.destroy();
      await server.close({ timeoutMs: 100 });
    },
  };
}

/**
 * A raw TCP server that answers each upgrade with a valid 101 (RFC 6455 §4.2.2) and hands the
 * socket to the fuzzer; `open()` dials it with the rxws client, which echoes what it receives.
 */
export async function clientTestee(options: Partial<ClientOptions> = {}): Promise<Testee> {
  const sockets = new Set<net.Socket>();
  const clients = new Set<Connection>();
  let accepted: ((socket: net.Socket) => void) | undefined;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const take = accepted;
    accepted = undefined;
    if (take) take(socket);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = `ws://127.0.0.1:${port}/`;
  return {
    role: 'client',
    async open(early?: Buffer) {
      const socketP = new Promise<net.Socket>((resolve) => (accepted = resolve));
      const connP = openConnection(url, options);
      connP.catch(() => undefined);
      const socket = await socketP;
      const { head, rest } = await readHead(socket);
      const key = headerOf(head, 'sec-websocket-key');
      if (key === undefined) throw new Error('client sent no Sec-WebSocket-Key');
      const response = Buffer.from(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
      );
      socket.write(early ? Buffer.concat([response, early]) : response);
      const subscribed = connP.then((conn) => {
        clients.add(conn);
        conn.messages$.pipe(ofData()).subscribe({ next: (data) => conn.sink.next(data), error: () => undefined });
        return conn;
      });
      const appClosed = subscribed.then((conn) => firstValueFrom(conn.closed$).finally(() => clients.delete(conn)));
      return { socket, leftover: rest, ready: subscribed.then(() => undefined, () => undefined), appClosed };
    },
    async dispose() {
      for (const c of clients) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function makeTestee(role: Role): Promise<Testee> {
  return role === 'server' ? serverTestee() : clientTestee();
}
