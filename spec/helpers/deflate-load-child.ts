// Run by spec/transport/deflate-limits.spec.ts as `node --expose-gc --import tsx`: 1,000 rxws
// clients with permessage-deflate send a compressible message to an rxws echo server at the same
// moment, twice over. Prints one JSON line: the most zlib jobs ever in flight (the cap), whether
// every echo came back intact, and post-GC heap and handles before, between and after the rounds.
import { tap } from 'rxjs';
import { WebSocketServer, openConnection, type ClientConnection } from '../../src';
import { deflateStreamCount, drainDeflatePool } from '../../src/transport/deflate-codec';
import { zlibLimiter } from '../../src/transport/zlib-limiter';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  // 'takeover' (the default: a compressor and a decompressor per connection) or 'none'
  // (no_context_takeover both ways: pooled zlib streams shared by every connection).
  const noContext = process.argv[3] === 'none';
  const options = { perMessageDeflate: { thresholdBytes: 0, serverNoContextTakeover: noContext, clientNoContextTakeover: noContext } };
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  server.route({ path: '/', handle: (c) => c.messages$.pipe(tap((m) => m.type === 'text' && c.sink.next(m.data))) });
  const { port } = await server.listen();
  const url = `ws://127.0.0.1:${port}/`;
  const message = (i: number): string => JSON.stringify({ user: `u${i}`, text: 'hello everyone, '.repeat(200), i });

  let intact = true;
  const round = async (n: number): Promise<void> => {
    const clients: ClientConnection[] = [];
    for (let i = 0; i < n; i += 100) clients.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => openConnection(url, options)))));
    // All at once: every client compresses, every server connection inflates and compresses back.
    const echoes = clients.map((c, i) => {
      const echoed = c.waitForMessage('text', { timeoutMs: 60_000 });
      c.sink.next(message(i));
      return echoed.then((m) => m.data === message(i));
    });
    for (const ok of await Promise.all(echoes)) intact &&= ok;
    await Promise.all(clients.map((c) => c.close(1000)));
  };
  const settle = async (): Promise<{ heap: number; rss: number; resources: number; zlibStreams: number }> => {
    drainDeflatePool();
    await new Promise((r) => setTimeout(r, 200));
    const gc = (globalThis as { gc?: () => void }).gc!;
    gc();
    gc();
    const memory = process.memoryUsage();
    return { heap: memory.heapUsed, rss: memory.rss, resources: process.getActiveResourcesInfo().length, zlibStreams: deflateStreamCount() };
  };

  await round(100); // warm up: code loaded, pools and caches filled
  const before = await settle();
  zlibLimiter.resetPeak();
  await round(count);
  const middle = await settle();
  await round(count);
  const after = await settle();
  const open = server.connections.size;
  await server.close();
  console.log(JSON.stringify({ count, noContext, limit: zlibLimiter.limit, peak: zlibLimiter.peak, intact, open, before, middle, after }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
