// The same two testees as testees.ts, over HTTP/2 streams (RFC 8441) instead of TCP sockets:
// the rxws server attached to a cleartext node:http2 server, which a fuzzing client reaches with
// extended CONNECTs on one session; and the rxws client (`http2: true`, h2c), which a bare
// http2 server answers with 200 and hands the stream to the fuzzer. The fuzzer and the case
// tables are unchanged: END_STREAM plays TCP's FIN, RST_STREAM its reset.
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { WebSocketServer, openConnection, ofData, type ClientOptions, type CloseMessage, type Connection, type RouteOptions, type ServerOptions } from '../../src';
import { echoHandler, type Role, type Testee } from './testees';

/** An rxws echo server on h2c; each case is one stream of a shared fuzzer session. */
export async function h2ServerTestee(options: Partial<ServerOptions> = {}, route: Partial<RouteOptions> = {}): Promise<Testee> {
  const server = http2.createServer();
  const serverSessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    serverSessions.add(s);
    s.once('close', () => serverSessions.delete(s));
  });
  const wss = new WebSocketServer({ ...options, server });
  const byCase = new Map<string, Promise<CloseMessage>>();
  const waiting = new Map<string, (closed: Promise<CloseMessage>) => void>();
  const echo = wss.route({ path: '/', handle: echoHandler, ...route } as RouteOptions);
  echo.connections$.subscribe((conn) => {
    const closed = firstValueFrom(conn.closed$);
    const id = String(conn.request.headers['x-case'] ?? '');
    const waiter = waiting.get(id);
    if (waiter) {
      waiting.delete(id);
      waiter(closed);
    } else byCase.set(id, closed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let session: http2.ClientHttp2Session | undefined;
  let nextCase = 1;
  const streams = new Set<http2.ClientHttp2Stream>();
  return {
    role: 'server',
    async open(early?: Buffer) {
      if (session === undefined || session.closed || session.destroyed) {
        session = http2.connect(`http://127.0.0.1:${port}`);
        session.on('error', () => undefined);
        await new Promise((resolve) => session!.once('remoteSettings', resolve));
      }
      const id = String(nextCase++);
      const stream = session.request(
        { ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/', ':scheme': 'http', ':authority': `127.0.0.1:${port}`, 'sec-websocket-version': '13', 'x-case': id },
        { endStream: false },
      );
      streams.add(stream);
      stream.on('error', () => undefined);
      stream.once('close', () => streams.delete(stream));
      // Frames sent before the answer, as with the HTTP/1.1 upgrade's own packet.
      if (early !== undefined) stream.write(early);
      const response = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        stream.once('response', resolve);
        stream.once('close', () => reject(new Error('stream closed before the response')));
      });
      if (Number(response[':status']) !== 200) throw new Error(`extended connect refused: ${response[':status']}`);
      const appClosed = byCase.get(id) ?? new Promise<Promise<CloseMessage>>((resolve) => waiting.set(id, resolve)).then((p) => p);
      byCase.delete(id);
      return { socket: stream, leftover: Buffer.alloc(0), ready: Promise.resolve(), appClosed };
    },
    async dispose() {
      for (const stream of streams) stream.destroy();
      session?.destroy();
      await wss.close({ timeoutMs: 100 });
      for (const s of serverSessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A bare h2c server that accepts every extended CONNECT; `open()` dials it with the rxws client. */
export async function h2ClientTestee(options: Partial<ClientOptions> = {}): Promise<Testee> {
  const server = http2.createServer({ settings: { enableConnectProtocol: true } });
  const serverSessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    serverSessions.add(s);
    s.once('close', () => serverSessions.delete(s));
  });
  let accepted: ((stream: http2.ServerHttp2Stream) => void) | undefined;
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    const take = accepted;
    accepted = undefined;
    if (take) take(stream);
    else stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const clients = new Set<Connection>();
  return {
    role: 'client',
    async open(early?: Buffer) {
      const streamP = new Promise<http2.ServerHttp2Stream>((resolve) => (accepted = resolve));
      const connP = openConnection(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, ...options, http2: true });
      connP.catch(() => undefined);
      const stream = await streamP;
      stream.respond({ ':status': 200 });
      if (early !== undefined) stream.write(early);
      const subscribed = connP.then((conn) => {
        clients.add(conn);
        conn.messages$.pipe(ofData()).subscribe({ next: (data) => conn.sink.next(data), error: () => undefined });
        return conn;
      });
      const appClosed = subscribed.then((conn) => firstValueFrom(conn.closed$).finally(() => clients.delete(conn)));
      return { socket: stream, leftover: Buffer.alloc(0), ready: subscribed.then(() => undefined, () => undefined), appClosed };
    },
    async dispose() {
      for (const c of clients) c.terminate();
      for (const s of serverSessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function makeH2Testee(role: Role): Promise<Testee> {
  return role === 'server' ? h2ServerTestee() : h2ClientTestee();
}
