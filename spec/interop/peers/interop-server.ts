// The interop servers: rxws and `ws`, with the same behaviour, so the table runs against either.
// Each listens twice on 127.0.0.1:0 (plain and TLS) and records what it saw per connection, keyed
// by the `id` query parameter. Query options, which every client (even a browser) can express:
//   frag=N            echo in frames of at most N bytes
//   close=C&reason=R  close with code C and reason R as soon as the connection opens
//   ping=P            ping with payload P on open; once the pong arrives, send the text `pong:P`
// Subprotocols spoken: chat.v1, chat.v2 (the first one the client offers wins). Every 101 carries
// `x-server-hello: hello from the server`; an `x-client-hello` request header is recorded.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocket as WsSocket, WebSocketServer as WsServer } from 'ws';
import { WebSocketServer, type Connection } from '../../../src';
import { summarise, type ServerRecord } from '../scenarios';
import type { TestCert } from '../../helpers/test-cert';

export interface InteropServer {
  name: string;
  url: string;
  secureUrl: string;
  records: Map<string, ServerRecord>;
  /** Resolves with the record once the connection with this id has closed on the server. */
  closedRecord(id: string, timeoutMs?: number): Promise<ServerRecord>;
  close(): Promise<void>;
}

export const PROTOCOLS = ['chat.v1', 'chat.v2'];
export const SERVER_HELLO = 'hello from the server';

interface Options {
  frag: number | undefined;
  close: { code: number; reason: string } | undefined;
  ping: string | undefined;
  id: string;
}

function optionsOf(url: string): Options {
  const query = new URL(url, 'http://x').searchParams;
  const frag = query.get('frag');
  const close = query.get('close');
  return {
    id: query.get('id') ?? '',
    frag: frag === null ? undefined : Number(frag),
    close: close === null ? undefined : { code: Number(close), reason: query.get('reason') ?? '' },
    ping: query.get('ping') ?? undefined,
  };
}

/** Book-keeping shared by both servers. */
class Recorder {
  readonly records = new Map<string, ServerRecord>();
  private readonly closed = new Map<string, Array<(r: ServerRecord) => void>>();

  open(id: string, protocol: string | null, clientHello: string | undefined): ServerRecord {
    const record: ServerRecord = { protocol, clientHello, received: [], close: undefined, pong: undefined };
    this.records.set(id, record);
    return record;
  }

  ended(id: string, record: ServerRecord, code: number, reason: string): void {
    record.close = { code, reason };
    for (const resolve of this.closed.get(id) ?? []) resolve(record);
    this.closed.delete(id);
  }

  closedRecord(id: string, timeoutMs = 10_000): Promise<ServerRecord> {
    const record = this.records.get(id);
    if (record?.close !== undefined) return Promise.resolve(record);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not see connection ${id} close`)), timeoutMs);
      const list = this.closed.get(id) ?? [];
      list.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.closed.set(id, list);
    });
  }
}

/** rxws, as a user would write this echo server. */
export async function startRxwsInteropServer(cert: TestCert): Promise<InteropServer> {
  const recorder = new Recorder();
  const setup = (server: WebSocketServer) =>
    server.route({
      path: '/echo',
      protocols: PROTOCOLS,
      accept: () => ({ headers: { 'x-server-hello': SERVER_HELLO } }),
      handle: (conn: Connection) => {
        const options = optionsOf(conn.request.url);
        const hello = conn.request.headers['x-client-hello'];
        const record = recorder.open(options.id, conn.protocol ?? null, Array.isArray(hello) ? hello.join(', ') : hello);
        conn.messages$.subscribe((message) => {
          if (message.type === 'close') return recorder.ended(options.id, record, message.code, message.reason);
          if (message.type === 'pong') return;
          record.received.push(summarise(message.type, message.data));
          if (conn.state !== 'open') return;
          if (options.frag === undefined) conn.sink.next(message.data);
          else void conn.send(message.data, { fragmentBytes: options.frag }).catch(() => undefined);
        });
        if (options.close !== undefined) void conn.close(options.close.code, options.close.reason);
        if (options.ping !== undefined) {
          conn.ping(options.ping, { timeoutMs: 5000 }).then(
            ({ data }) => {
              record.pong = Buffer.from(data).toString('utf8');
              if (conn.state === 'open') conn.sink.next(`pong:${record.pong}`);
            },
            () => undefined,
          );
        }
      },
    });
  const plain = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const secure = new WebSocketServer({ port: 0, host: '127.0.0.1', tls: { key: cert.key, cert: cert.cert } });
  setup(plain);
  setup(secure);
  const [a, b] = await Promise.all([plain.listen(), secure.listen()]);
  return {
    name: 'rxws',
    url: `ws://127.0.0.1:${a.port}`,
    secureUrl: `wss://127.0.0.1:${b.port}`,
    records: recorder.records,
    closedRecord: (id, timeoutMs) => recorder.closedRecord(id, timeoutMs),
    close: async () => {
      await Promise.all([plain.close({ timeoutMs: 500 }), secure.close({ timeoutMs: 500 })]);
    },
  };
}

/** The same server written with `ws`. */
export async function startWsInteropServer(cert: TestCert): Promise<InteropServer> {
  const recorder = new Recorder();
  const onConnection = (ws: WsSocket, request: http.IncomingMessage) => {
    const options = optionsOf(request.url ?? '/');
    const hello = request.headers['x-client-hello'];
    const record = recorder.open(options.id, ws.protocol === '' ? null : ws.protocol, Array.isArray(hello) ? hello.join(', ') : hello);
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      record.received.push(summarise(isBinary ? 'binary' : 'text', data));
      if (ws.readyState !== WsSocket.OPEN) return;
      const payload = isBinary ? data : data.toString('utf8');
      if (options.frag === undefined) return ws.send(payload, { binary: isBinary });
      for (let offset = 0; offset < data.length || offset === 0; offset += options.frag) {
        const end = Math.min(offset + options.frag, data.length);
        ws.send(data.subarray(offset, end), { binary: isBinary, fin: end === data.length });
        if (data.length === 0) break;
      }
    });
    ws.on('close', (code: number, reason: Buffer) => recorder.ended(options.id, record, code, reason.toString('utf8')));
    if (options.close !== undefined) ws.close(options.close.code, options.close.reason);
    if (options.ping !== undefined) {
      const payload = options.ping;
      ws.on('pong', (data: Buffer) => {
        record.pong = data.toString('utf8');
        if (ws.readyState === WsSocket.OPEN) ws.send(`pong:${record.pong}`);
      });
      ws.ping(payload);
    }
  };
  const make = (server: http.Server | https.Server) => {
    const wss = new WsServer({
      server,
      path: '/echo',
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
      handleProtocols: (offered: Set<string>) => [...offered].find((p) => PROTOCOLS.includes(p)) ?? false,
    });
    wss.on('headers', (headers: string[]) => headers.push(`x-server-hello: ${SERVER_HELLO}`));
    wss.on('connection', onConnection);
    return wss;
  };
  const plainHttp = http.createServer();
  const secureHttp = https.createServer({ key: cert.key, cert: cert.cert });
  const servers = [make(plainHttp), make(secureHttp)];
  await Promise.all([plainHttp, secureHttp].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  return {
    name: 'ws',
    url: `ws://127.0.0.1:${(plainHttp.address() as AddressInfo).port}`,
    secureUrl: `wss://127.0.0.1:${(secureHttp.address() as AddressInfo).port}`,
    records: recorder.records,
    closedRecord: (id, timeoutMs) => recorder.closedRecord(id, timeoutMs),
    close: async () => {
      for (const wss of servers) for (const client of wss.clients) client.terminate();
      await Promise.all(servers.map((wss) => new Promise<void>((resolve) => wss.close(() => resolve()))));
      for (const s of [plainHttp, secureHttp]) s.closeAllConnections();
      await Promise.all([plainHttp, secureHttp].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
