/**
 * Echo over HTTP/2 (RFC 8441) against HTTP/1.1, in the same run, on the same server: a
 * node:http2 secure server with `allowHTTP1` and an rxws WebSocketServer attached, in a child
 * process. The client is rxws: over h2 every WebSocket is a stream of one shared session; over
 * HTTP/1.1 each has its own TLS connection. Each WebSocket sends a message, waits for its echo,
 * and sends the next (ping-pong), for `--seconds` per case; the cases alternate h2 and h1.
 *
 *   npm run build && npx tsx bench/h2-echo.ts [--seconds 2] [--rounds 1]
 *
 * Loopback only; both processes run the compiled build in dist/.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type * as Rxws from '../src';
import { makeTestCert } from '../spec/helpers/test-cert';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rxws: typeof Rxws = require('../dist/cjs');

const SIZES = [32, 64 * 1024];
const SOCKETS = [1, 50];

async function serve(): Promise<void> {
  const http2 = await import('node:http2');
  const { key, cert } = makeTestCert();
  const server = http2.createSecureServer({ key, cert, allowHTTP1: true }, (_request, response) => response.end('bench'));
  const wss = new rxws.WebSocketServer({ server, maxMessageBytes: 1024 * 1024 });
  wss.route({ path: '/' }).connections$.subscribe((conn) =>
    conn.messages$.subscribe((m) => {
      if (m.type === 'text' || m.type === 'binary') conn.sink.next(m.data);
    }),
  );
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    process.send!({ port: address.port });
  });
  process.on('disconnect', () => process.exit(0));
}

interface Result {
  protocol: 'h2' | 'h1';
  size: number;
  sockets: number;
  messagesPerSecond: number;
  mibPerSecond: number;
}

async function measure(port: number, protocol: 'h2' | 'h1', size: number, sockets: number, seconds: number): Promise<Result> {
  const tls = { rejectUnauthorized: false };
  const options = { http2: protocol === 'h2', tls, perMessageDeflate: false, maxMessageBytes: 1024 * 1024 };
  const conns = await Promise.all(Array.from({ length: sockets }, () => rxws.openConnection(`wss://127.0.0.1:${port}/`, options)));
  const payload = Buffer.alloc(size, 7);
  let count = 0;
  let running = true;
  const loops = conns.map(
    (conn) =>
      new Promise<void>((resolve) => {
        const subscription = conn.messages$.subscribe((m) => {
          if (m.type !== 'binary') return;
          count++;
          if (running) conn.sink.next(payload);
          else {
            subscription.unsubscribe();
            resolve();
          }
        });
        conn.sink.next(payload);
      }),
  );
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  running = false;
  const elapsed = (performance.now() - started) / 1000;
  const measured = count;
  await Promise.all(loops);
  await Promise.all(conns.map((conn) => conn.close()));
  return { protocol, size, sockets, messagesPerSecond: measured / elapsed, mibPerSecond: (measured * size) / elapsed / (1024 * 1024) };
}

async function main(): Promise<void> {
  if (process.argv.includes('--server')) return serve();
  const arg = (name: string, fallback: number) => {
    const at = process.argv.indexOf(name);
    return at >= 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const seconds = arg('--seconds', 2);
  const rounds = arg('--rounds', 1);
  const child: ChildProcess = fork(__filename, ['--server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', () => reject(new Error('bench server exited')));
    });
    const results: Result[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const size of SIZES) {
        for (const sockets of SOCKETS) {
          // Alternate which goes first, so neither always runs on a warmer process.
          const order: Array<'h2' | 'h1'> = round % 2 === 0 ? ['h2', 'h1'] : ['h1', 'h2'];
          for (const protocol of order) results.push(await measure(port, protocol, size, sockets, seconds));
        }
      }
    }
    console.log(`echo over TLS, ping-pong per WebSocket, ${seconds} s per case, ${rounds} round(s), node ${process.version}`);
    console.log('size      sockets  h2 msg/s    h1 msg/s    h2/h1   h2 MiB/s  h1 MiB/s');
    for (const size of SIZES) {
      for (const sockets of SOCKETS) {
        const mean = (protocol: 'h2' | 'h1', key: 'messagesPerSecond' | 'mibPerSecond') => {
          const rows = results.filter((r) => r.protocol === protocol && r.size === size && r.sockets === sockets);
          return rows.reduce((sum, r) => sum + r[key], 0) / rows.length;
        };
        const h2 = mean('h2', 'messagesPerSecond');
        const h1 = mean('h1', 'messagesPerSecond');
        console.log(
          `${(size >= 1024 ? `${size / 1024} KiB` : `${size} B`).padEnd(10)}${String(sockets).padEnd(9)}${h2.toFixed(0).padEnd(12)}${h1.toFixed(0).padEnd(12)}${(h2 / h1).toFixed(2).padEnd(8)}${mean('h2', 'mibPerSecond').toFixed(1).padEnd(10)}${mean('h1', 'mibPerSecond').toFixed(1)}`,
        );
      }
    }
  } finally {
    child.disconnect();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
