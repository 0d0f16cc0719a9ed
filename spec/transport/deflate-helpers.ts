// Shared plumbing for the permessage-deflate specs over real sockets (not a spec itself).
import * as zlib from 'node:zlib';
import { tap } from 'rxjs';
import { WebSocketServer, openConnection, type ClientConnection, type Connection, type Route, type ServerOptions } from '../../src';
import type { PerMessageDeflateOptions } from '../../src/extensions/permessage-deflate';
import { drainDeflatePool } from '../../src/transport/deflate-codec';

/** Deterministic, compressible, not trivial: words drawn by an LCG, with a 3-byte character. */
export function wordsOf(size: number, seed = 1): Buffer {
  const words = ['alpha ', 'beta ', 'gamma€', 'delta ', 'chat ', '{"user":', '"text":', '}\n', 'rxws ', 'deflate '];
  const out = Buffer.allocUnsafe(size);
  let state = seed >>> 0;
  let at = 0;
  while (at < size) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    at += out.write(words[state % words.length]!, at);
  }
  // The last word may have been cut inside '€': pad the tail with ASCII.
  let end = size;
  while (end > 0 && end > size - 3 && (out[end - 1]! & 0xc0) === 0x80) end--;
  if (end > 0 && end > size - 3 && out[end - 1]! >= 0xc0) end--;
  out.fill(0x2e, end, size);
  return out;
}

/** A raw DEFLATE payload as a peer would send it (RFC 7692 §7.2.1: trailer removed). */
export function deflatePayload(data: Uint8Array, windowBits = 15): Buffer {
  const out = zlib.deflateRawSync(data, { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

export interface EchoServer {
  server: WebSocketServer;
  route: Route;
  url: string;
  connections: Connection[];
}

/** An rxws echo server on 127.0.0.1:0 with compression as given (echoes in frames of
 *  `fragmentBytes` when set). */
export async function echoServer(
  perMessageDeflate: boolean | PerMessageDeflateOptions,
  fragmentBytes?: number,
  maxMessageBytes?: number,
  options: Partial<ServerOptions> = {},
): Promise<EchoServer> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate, ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}), ...options });
  const connections: Connection[] = [];
  const route = server.route({
    path: '/',
    handle: (c) => {
      connections.push(c);
      return c.messages$.pipe(
        tap((m) => {
          if (m.type !== 'text' && m.type !== 'binary') return;
          if (fragmentBytes === undefined) c.sink.next(m.data);
          else void c.send(m.data, { fragmentBytes }).catch(() => undefined);
        }),
      );
    },
  });
  const { port } = await server.listen();
  return { server, route, url: `ws://127.0.0.1:${port}/`, connections };
}

export async function rxwsClient(url: string, perMessageDeflate: boolean | PerMessageDeflateOptions, maxMessageBytes?: number): Promise<ClientConnection> {
  return openConnection(url, { perMessageDeflate, ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}) });
}

/** Bytes the server has written on a connection's socket so far (tests only). */
export function bytesWrittenBy(connection: Connection): number {
  return (connection as unknown as { transport: { socket: { bytesWritten: number } } }).transport.socket.bytesWritten;
}

/**
 * The servers and clients a deflate spec opens, closed after each test (and the shared zlib pool
 * drained after all). Call once at the top of the spec and push what each test opens.
 */
export function closedAfterEachTest(): { servers: EchoServer[]; clients: ClientConnection[] } {
  const servers: EchoServer[] = [];
  const clients: ClientConnection[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    await Promise.all(servers.splice(0).map((s) => s.server.close({ timeoutMs: 100 })));
  });
  afterAll(() => drainDeflatePool());
  return { servers, clients };
}

/** Sends a text and a binary message of every size through `client` and expects each echoed intact. */
export async function expectEchoOfEverySize(client: ClientConnection, sizes: readonly number[]): Promise<void> {
  for (const size of sizes) {
    const text = wordsOf(size, size).toString('utf8');
    client.sink.next(text);
    expect((await client.waitForMessage('text', { timeoutMs: 10_000 })).data === text).toBe(true);
    const bytes = wordsOf(size, size + 1);
    client.sink.next(bytes);
    expect(Buffer.from((await client.waitForMessage('binary', { timeoutMs: 10_000 })).data).equals(bytes)).toBe(true);
  }
}

