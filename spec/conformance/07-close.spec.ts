// Autobahn section 7: the closing handshake. The case table runs against the rxws server and
// client; the close timeout (the peer never answers our close) is checked on both below.
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { firstValueFrom } from 'rxjs';
import { WebSocketServer, openConnection, type CloseMessage } from '../../src';
import { closeCases } from './cases/close';
import { conformanceSection } from './fuzz';
import { Op, WireReader, encodeWire, type WireFrame } from './wire';

conformanceSection('7 close', closeCases);

/** Collects frames from a raw socket; resolves `closedAt` when the socket closes. */
function watch(socket: net.Socket) {
  const reader = new WireReader();
  const frames: WireFrame[] = [];
  let peerEnded = false;
  let onFrame: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    frames.push(...reader.push(chunk));
    onFrame?.();
  });
  socket.on('end', () => (peerEnded = true));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
  const closeFrame = () =>
    new Promise<WireFrame>((resolve) => {
      const check = () => {
        const f = frames.find((x) => x.opcode === Op.Close);
        if (f) resolve(f);
      };
      onFrame = check;
      check();
    });
  return { frames, closed, closeFrame, peerEnded: () => peerEnded };
}

describe('7 close — the peer never answers our close (RELIABILITY 19)', () => {
  const CLOSE_TIMEOUT_MS = 300;

  it('rxws server: destroys the socket at closeTimeoutMs, the application sees 1006', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', closeTimeoutMs: CLOSE_TIMEOUT_MS });
    const closedApp: Promise<CloseMessage>[] = [];
    const route = server.route({ path: '/' });
    route.connections$.subscribe((conn) => {
      closedApp.push(firstValueFrom(conn.closed$));
      conn.messages$.subscribe({
        next: (m) => {
          if (m.type === 'text' && m.data === 'close now') void conn.close(1000, 'bye');
        },
        error: () => undefined,
      });
    });
    const { port } = await server.listen();
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    try {
      await new Promise((r) => socket.once('connect', r));
      const head = new Promise<void>((resolve) => {
        let data = '';
        const on = (c: Buffer) => {
          data += c.toString('latin1');
          if (data.includes('\r\n\r\n')) {
            socket.off('data', on);
            resolve();
          }
        };
        socket.on('data', on);
      });
      socket.write(
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      await head;
      const w = watch(socket);
      const sentAt = performance.now();
      socket.write(encodeWire({ opcode: Op.Text, payload: 'close now' }, Uint8Array.of(1, 2, 3, 4)));
      const frame = await w.closeFrame();
      expect(frame.payload.readUInt16BE(0)).toBe(1000);
      // We never answer. The server must drop TCP by itself once closeTimeoutMs has passed.
      const closedAt = await w.closed;
      expect(closedAt - sentAt).toBeGreaterThanOrEqual(CLOSE_TIMEOUT_MS - 20);
      expect(closedAt - sentAt).toBeLessThan(CLOSE_TIMEOUT_MS + 2000);
      const app = await closedApp[0]!;
      expect({ code: app.code, wasClean: app.wasClean }).toEqual({ code: 1006, wasClean: false });
    } finally {
      socket.destroy();
      await server.close({ timeoutMs: 100 });
    }
  });

  it('rxws client: destroys the socket at closeTimeoutMs, the application sees 1006', async () => {
    // A raw server that answers the upgrade (§4.2.2) and then ignores everything it receives.
    const sockets: net.Socket[] = [];
    const raw = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => undefined);
      let data = '';
      const on = (c: Buffer) => {
        data += c.toString('latin1');
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        s.off('data', on);
        const key = /sec-websocket-key:\s*(\S+)/i.exec(data)![1]!;
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      };
      s.on('data', on);
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const { port } = raw.address() as net.AddressInfo;
    try {
      const conn = await openConnection(`ws://127.0.0.1:${port}/`, { closeTimeoutMs: CLOSE_TIMEOUT_MS });
      const serverSide = sockets[0]!;
      const w = watch(serverSide);
      const startedAt = performance.now();
      const closing = conn.close(1000, 'bye');
      const frame = await w.closeFrame();
      expect({ masked: frame.masked, code: frame.payload.readUInt16BE(0) }).toEqual({ masked: true, code: 1000 });
      const app = await closing;
      const closedAt = await w.closed;
      expect(closedAt - startedAt).toBeGreaterThanOrEqual(CLOSE_TIMEOUT_MS - 20);
      expect(closedAt - startedAt).toBeLessThan(CLOSE_TIMEOUT_MS + 2000);
      expect({ code: app.code, wasClean: app.wasClean }).toEqual({ code: 1006, wasClean: false });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });
});
