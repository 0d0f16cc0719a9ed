// What the attack runs share: their command line (and the src/ they measure) and a raw-socket
// WebSocket upgrade, so each attacker controls every byte it sends after the handshake.
import * as net from 'node:net';
import * as path from 'node:path';

export const MiB = 1024 * 1024;

/** The run's arguments; `--src` points at another checkout's src/ to measure it instead. */
export const args = process.argv.slice(2);

/** `--name value` from the command line, or the fallback. */
export function arg(name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
}

/** The src/ folder the server child imports rxws from. */
export const SRC = path.resolve(arg('src', path.join(__dirname, '..', '..', 'src')));

/** How `rawUpgrade` asks: the path, a Sec-WebSocket-Extensions offer, and whether to read on. */
export interface UpgradeOptions {
  path?: string;
  extensions?: string;
  /** Resume reading after the 101 (the default); false leaves the socket as a stalled reader. */
  resume?: boolean;
}

/** Opens a socket to 127.0.0.1:`port` and completes a WebSocket handshake on it by hand. */
export function rawUpgrade(port: number, options: UpgradeOptions = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${options.path ?? '/'} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
          (options.extensions !== undefined ? `Sec-WebSocket-Extensions: ${options.extensions}\r\n` : '') +
          '\r\n',
      );
    });
    socket.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (options.resume !== false) socket.resume();
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head.split('\r\n')[0]));
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}
