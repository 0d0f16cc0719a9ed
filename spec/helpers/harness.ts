// Shared plumbing for the specs that run over real sockets: an rxws server on 127.0.0.1:0 whose
// connections a test can await, `ws` clients and raw peers that are all disposed after each test.
import { WebSocket } from 'ws';
import { WebSocketServer, type Connection, type Route, type RouteOptions, type ServerOptions } from '../../src';
import { RawPeer, type RawFrame } from './raw-peer';

export interface TestServer {
  server: WebSocketServer;
  route: Route;
  port: number;
  url: string;
  /** The next connection opened on the route (in order of opening). */
  nextConnection(): Promise<Connection>;
}

/**
 * Tracks everything a test opens so `dispose()` (called from afterEach) can end it: servers,
 * `ws` clients, raw peers. Nothing leaks into the next test or keeps Jest alive.
 */
export class Resources {
  private servers: WebSocketServer[] = [];
  private clients: WebSocket[] = [];
  private peers: RawPeer[] = [];

  /** An rxws server with one route on `/`. The route has no `handle` unless given one. */
  async server(route: Partial<RouteOptions> = {}, options: Partial<ServerOptions> = {}): Promise<TestServer> {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
    this.servers.push(server);
    const opened: Connection[] = [];
    const waiting: Array<(c: Connection) => void> = [];
    const r = server.route({ path: '/', ...route } as RouteOptions);
    r.connections$.subscribe((connection) => {
      const waiter = waiting.shift();
      if (waiter !== undefined) waiter(connection as Connection);
      else opened.push(connection as Connection);
    });
    const { port } = await server.listen();
    return {
      server,
      route: r,
      port,
      url: `ws://127.0.0.1:${port}/`,
      nextConnection: () => {
        const ready = opened.shift();
        return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
      },
    };
  }

  /** A `ws` client, resolved once open. Errors are swallowed (tests look at close codes). */
  async client(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    this.clients.push(ws);
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error('closed before open')));
    });
    return ws;
  }

  /** A raw peer that has completed the upgrade on `/`. */
  async raw(port: number): Promise<RawPeer> {
    const peer = await RawPeer.connect(port);
    this.peers.push(peer);
    const response = await peer.upgrade('/');
    if (response.status !== 101) throw new Error(`upgrade failed: ${response.status}`);
    return peer;
  }

  async dispose(): Promise<void> {
    for (const ws of this.clients) ws.terminate();
    for (const peer of this.peers) peer.destroy();
    await Promise.all(this.servers.map((s) => s.close({ timeoutMs: 100 })));
    this.servers = [];
    this.clients = [];
    this.peers = [];
  }
}

/** Resolves with the code and reason of a `ws` client's close event. */
export function wsClosed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('already closed'));
  return new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') })));
}

/** The next message a `ws` client receives, as text or bytes. */
export function wsMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

/** Waits until `count` messages have arrived on a `ws` client (collecting them). */
export function wsMessages(ws: WebSocket, count: number): Promise<Array<{ data: Buffer; isBinary: boolean }>> {
  const got: Array<{ data: Buffer; isBinary: boolean }> = [];
  return new Promise((resolve) => {
    const on = (data: Buffer, isBinary: boolean) => {
      got.push({ data, isBinary });
      if (got.length === count) {
        ws.off('message', on);
        resolve(got);
      }
    };
    ws.on('message', on);
  });
}

/** A round trip through the server: once our pong arrives, everything sent before the ping was read. */
export function wsRoundTrip(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.once('pong', () => resolve());
    ws.ping();
  });
}

/** The close code a raw frame carries (its first two payload bytes). */
export function closeCodeOf(frame: RawFrame): number {
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Polls `done` every few ms until true, or fails after `timeoutMs`. */
export async function until(done: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

