// A raw TCP server for client tests: it answers the upgrade request with whatever bytes a test
// crafts (a 101 with a wrong accept key, a subprotocol nobody offered, a masked frame, silence),
// and keeps track of its sockets so every one is destroyed when the test ends.
import * as net from 'node:net';
import { computeAcceptKey } from '../../src/transport/accept-key';

export interface RawRequest {
  head: string;
  headers: Record<string, string>;
  key: string;
}

export interface RawServer {
  port: number;
  url: string;
  /** Sockets accepted so far. */
  sockets: net.Socket[];
  /** Resolves with the next accepted socket. */
  nextSocket(): Promise<net.Socket>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0 that calls `onSocket` for each connection. */
export async function startRawServer(onSocket: (socket: net.Socket) => void = () => undefined): Promise<RawServer> {
  const sockets: net.Socket[] = [];
  let waiters: Array<(socket: net.Socket) => void> = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    sockets.push(socket);
    const w = waiters;
    waiters = [];
    w.forEach((resolve) => resolve(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `ws://127.0.0.1:${port}/`,
    sockets,
    nextSocket: () => new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Calls `answer` once the socket's request head is complete. */
export function onRequest(socket: net.Socket, answer: (request: RawRequest) => void): void {
  let data = '';
  const onData = (chunk: Buffer) => {
    data += chunk.toString('latin1');
    const end = data.indexOf('\r\n\r\n');
    if (end < 0) return;
    socket.off('data', onData);
    const head = data.slice(0, end);
    const headers: Record<string, string> = {};
    for (const line of head.split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    answer({ head, headers, key: headers['sec-websocket-key'] ?? '' });
  };
  socket.on('data', onData);
}

/** A valid 101 for `key`, with extra header lines. */
export function switchingProtocols(key: string, extra: string[] = []): string {
  return ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${computeAcceptKey(key)}`, ...extra, '', ''].join('\r\n');
}
