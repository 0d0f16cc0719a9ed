/**
 * Opens a WebSocket connection the cheap way: one prebuilt upgrade request, wait for "101", no
 * accept-key check (the servers under test are trusted; only their speed is in question).
 */
import * as net from 'node:net';

/** The one Sec-WebSocket-Key every generated upgrade request carries. */
export const GENERATOR_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export function upgradeRequest(port: number, path = '/'): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${GENERATOR_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    'latin1',
  );
}

export interface Opened {
  socket: net.Socket;
  /** Bytes that arrived after the response head (frames the server sent straight away). */
  rest: Buffer;
}

/** `localAddress`: the loopback address to connect from (each gives its own ephemeral ports). */
export function rawConnect(port: number, timeoutMs = 10_000, request = upgradeRequest(port), localAddress?: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true, ...(localAddress !== undefined ? { localAddress } : {}) });
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`upgrade timed out after ${timeoutMs} ms`)), timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    }
    const onData = (chunk: Buffer): void => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16 * 1024) fail(new Error('response head too long'));
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onClose);
      if (!head.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${head.toString('latin1', 0, Math.min(end, 80))}`));
        return;
      }
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    const onClose = (): void => fail(new Error('closed during upgrade'));
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('close', onClose);
    socket.write(request);
  });
}

/** Opens `count` connections to `path`, at most `concurrency` handshakes at a time. Closes all of them on failure. */
export async function rawConnectMany(port: number, count: number, concurrency = 64, path = '/'): Promise<Opened[]> {
  const { opened, failure } = await rawConnectUpTo(port, count, concurrency, { path });
  if (failure) {
    for (const o of opened) o.socket.destroy();
    throw new Error(`opened ${opened.length} of ${count} connections: ${failure.message}`);
  }
  return opened;
}

export interface ConnectUpTo {
  /** The connections that opened, kept open. */
  opened: Opened[];
  /** The first failure, after which no more were started; null when all opened. */
  failure: Error | null;
}

/**
 * Opens up to `count` connections, at most `concurrency` handshakes at a time, and stops starting
 * new ones at the first failure; what opened stays open (how far a server gets is the question).
 */
export async function rawConnectUpTo(
  port: number,
  count: number,
  concurrency: number,
  options: { path?: string; localAddress?: string; timeoutMs?: number } = {},
): Promise<ConnectUpTo> {
  const opened: Opened[] = [];
  let next = 0;
  let failure: Error | null = null;
  const request = upgradeRequest(port, options.path ?? '/');
  const worker = async (): Promise<void> => {
    while (next < count && !failure) {
      next++;
      try {
        opened.push(await rawConnect(port, options.timeoutMs ?? 20_000, request, options.localAddress));
      } catch (err) {
        failure ??= err as Error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { opened, failure };
}

/** Destroys sockets and waits until they are all closed (bounded). */
export async function closeAll(sockets: net.Socket[], timeoutMs = 5000): Promise<void> {
  const pending = sockets.filter((s) => !s.destroyed || !s.closed);
  await Promise.race([
    Promise.all(
      pending.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.closed) return resolve();
            s.once('close', () => resolve());
            s.destroy();
          }),
      ),
    ),
    new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
  ]);
}
