// An rxws server in its own process for the attack specs that bound memory (run as
// `node --expose-gc --import tsx server-child.ts '{json options}'`, see churn-child.ts for the
// pattern): the attacker (the Jest process) cannot blur the figures, and the figures are real
// retention, not garbage waiting to be collected.
//
// Prints "port N" once listening and "baseline {json}" with the post-GC heap. For each connection
// that closes it prints "result {json}": what the route got (message count, total bytes, SHA-256
// of all data in order), the close event, the errors$ codes, and the peak heap, external and RSS
// seen (sampled every 5 ms) and the post-GC heap after the close. Exits when stdin closes.
//
// Options (JSON): `server` — ServerOptions for the WebSocketServer; `flood` — on open, send
// binary messages of `flood.messageBytes` as fast as the event loop allows for `flood.ms` ms,
// then close with 1000 (for a peer that never reads).
import { createHash } from 'node:crypto';
import { WebSocketServer, type Connection, type ServerOptions } from '../../src';

interface ChildOptions {
  server?: Partial<ServerOptions>;
  flood?: { messageBytes: number; ms: number };
}

const gc = (globalThis as { gc?: () => void }).gc;
const MiB = 1024 * 1024;

function settledHeap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  if (gc === undefined) throw new Error('run with --expose-gc');
  const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  let peakHeap = 0;
  let peakExternal = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
    peakRss = Math.max(peakRss, m.rss);
  };
  const sampler = setInterval(sample, 5);
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options.server });
  server.route({
    path: '/',
    handle: (conn: Connection) => {
      const hash = createHash('sha256');
      let messages = 0;
      let bytes = 0;
      let sent = 0;
      const errors: string[] = [];
      conn.errors$.subscribe((e) => {
        if (errors.length < 20 && !errors.includes(e.code)) errors.push(e.code);
      });
      conn.messages$.subscribe((message) => {
        if (message.type === 'text' || message.type === 'binary') {
          messages++;
          const data = typeof message.data === 'string' ? Buffer.from(message.data, 'utf8') : message.data;
          bytes += data.length;
          hash.update(data);
          sample();
          return;
        }
        if (message.type !== 'close') return;
        sample();
        setTimeout(() => {
          const result = {
            messages,
            bytes,
            sha256: hash.digest('hex'),
            close: { code: message.code, reason: message.reason, wasClean: message.wasClean },
            errors,
            sent,
            peakHeapMb: peakHeap / MiB,
            peakExternalMb: peakExternal / MiB,
            peakRssMb: peakRss / MiB,
            heapAfterMb: settledHeap() / MiB,
          };
          console.log(`result ${JSON.stringify(result)}`);
        }, 20);
      });
      if (options.flood !== undefined) {
        const { messageBytes, ms } = options.flood;
        const payload = Buffer.alloc(messageBytes, 0x61);
        const until = Date.now() + ms;
        const pump = () => {
          if (conn.state !== 'open') return;
          if (Date.now() >= until) return void conn.close(1000, 'flood over');
          for (let i = 0; i < 16 && conn.state === 'open'; i++) {
            conn.sink.next(payload);
            sent += messageBytes;
          }
          sample();
          setImmediate(pump);
        };
        setImmediate(pump);
      }
    },
  });
  const { port } = await server.listen();
  const baseline = settledHeap();
  peakHeap = baseline;
  peakExternal = 0;
  peakRss = process.memoryUsage().rss;
  console.log(`port ${port}`);
  console.log(`baseline ${JSON.stringify({ heapMb: baseline / MiB, rssMb: peakRss / MiB })}`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    clearInterval(sampler);
    void server.close({ timeoutMs: 200 });
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
