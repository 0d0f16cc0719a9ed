// Handshake attacks at scale, end to end (RELIABILITY 23 and 27). The single-connection cases
// live in spec/server/server.spec.ts (a 30-header / 5 KB head → 431, one slowloris socket, a
// slow accept hook) and spec/client/connect.spec.ts (a client waiting on a 101); this adds what a
// real attacker does: many slow sockets at once, and a head that never ends.
import * as net from 'node:net';
import { WebSocket } from 'ws';
import { WebSocketServer } from '../../src';
import { sleep } from '../helpers/harness';

const servers: WebSocketServer[] = [];
const sockets: net.Socket[] = [];
const timers: Array<ReturnType<typeof setInterval>> = [];
afterEach(async () => {
  timers.splice(0).forEach(clearInterval);
  sockets.splice(0).forEach((s) => s.destroy());
  await Promise.all(servers.splice(0).map((s) => s.close({ timeoutMs: 100 })));
});

async function echoServer(options: ConstructorParameters<typeof WebSocketServer>[0] = {}): Promise<{ server: WebSocketServer; port: number }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(server);
  server.route({ path: '/', handle: (c) => void c.messages$.subscribe((m) => (m.type === 'text' ? c.sink.next(m.data) : undefined)) });
  const { port } = await server.listen();
  return { server, port };
}

function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

describe('RELIABILITY 27: slowloris at scale', () => {
  it('200 sockets dripping a request head are all destroyed at handshakeTimeoutMs, while a real client is served meanwhile; no timer is left', async () => {
    const { server, port } = await echoServer({ handshakeTimeoutMs: 500 });
    const head = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';
    const slow = await Promise.all(Array.from({ length: 200 }, () => dial(port)));
    const closedAt: number[] = [];
    const started = Date.now();
    const allClosed = Promise.all(slow.map((s) => new Promise<void>((resolve) => s.once('close', () => (closedAt.push(Date.now() - started), resolve())))));
    let i = 0;
    timers.push(
      setInterval(() => {
        const byte = head[i++ % head.length]!;
        for (const s of slow) if (!s.destroyed) s.write(byte);
      }, 25),
    );
    // A real client is served while the slow ones hang on.
    await sleep(100);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.on('error', () => undefined);
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('still serving'));
      ws.once('message', (data: Buffer) => resolve(data.toString()));
      ws.once('close', () => reject(new Error('closed before the echo')));
    });
    expect(echoed).toBe('still serving');
    ws.terminate();
    await allClosed;
    expect(Math.min(...closedAt)).toBeGreaterThanOrEqual(450);
    expect(Math.max(...closedAt)).toBeLessThan(2500);
    // None of them became a connection, and their handshake timers are gone.
    await sleep(50);
    expect([...server.connections].length).toBe(0);
    // Every handshake was released, and with it its timer (a process-wide timer count proved
    // nondeterministic under Jest).
    expect((server as unknown as { handshakes: Set<unknown> }).handshakes.size).toBe(0);
    timers.splice(0).forEach(clearInterval);
    await Promise.all(servers.splice(0).map((s) => s.close({ timeoutMs: 100 })));
  }, 20_000);
});

describe('RELIABILITY 23: header bombs', () => {
  async function bomb(port: number, line: (i: number) => string): Promise<{ status: number; written: number; serverClosed: boolean; ms: number }> {
    const socket = await dial(port);
    let response = '';
    let serverClosed = false;
    socket.on('data', (chunk: Buffer) => (response += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => ((serverClosed = true), resolve())));
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
    const started = Date.now();
    let written = 0;
    // Up to 64 MB of header lines, in 64 KB writes, until the server answers or hangs up.
    for (let i = 0; written < 64 * 1024 * 1024 && !socket.destroyed && response === ''; i++) {
      let chunk = '';
      while (chunk.length < 64 * 1024) chunk += line(i++);
      written += chunk.length;
      if (!socket.write(chunk)) await Promise.race([new Promise((r) => socket.once('drain', r)), closed, sleep(200)]);
    }
    await Promise.race([closed, sleep(3000)]);
    return { status: Number(response.split(' ')[1]), written, serverClosed, ms: Date.now() - started };
  }

  it('an endless stream of small header lines → 431 at maxHeaderCount and the socket is closed; the server does not read on', async () => {
    const { server, port } = await echoServer();
    const result = await bomb(port, (i) => `X-${i}: v\r\n`);
    expect(result.status).toBe(431);
    expect(result.serverClosed).toBe(true);
    // The answer came long before the 64 MB were sent (kernel buffers hold a few MB at most).
    expect(result.written).toBeLessThan(16 * 1024 * 1024);
    expect(server.connections.size).toBe(0);
  }, 20_000);

  it('one header line that never ends → 431 at maxHeaderBytes and the socket is closed', async () => {
    const { server, port } = await echoServer();
    const result = await bomb(port, (i) => (i === 0 ? 'X-Bomb: ' : 'a'.repeat(1024)));
    expect(result.status).toBe(431);
    expect(result.serverClosed).toBe(true);
    expect(result.written).toBeLessThan(16 * 1024 * 1024);
    expect(server.connections.size).toBe(0);
  }, 20_000);
});
