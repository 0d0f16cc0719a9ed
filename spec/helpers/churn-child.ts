// Run by spec/server/server.spec.ts as `node --expose-gc --import tsx`: opens and closes
// connections in batches and prints post-GC heap and handle counts as one JSON line, so the test
// measures real retention instead of garbage that has not been collected yet.
import { WebSocketServer } from '../../src';
import { RawPeer, clientFrame } from './raw-peer';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 10_000);
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.route({ path: '/', handle: (c) => void c.messages$.subscribe() });
  const { port } = await server.listen();
  const cycle = async (): Promise<void> => {
    const peer = await RawPeer.connect(port);
    await peer.upgrade('/');
    peer.send(clientFrame(8, Buffer.from([0x03, 0xe8])));
    await peer.closed;
  };
  const run = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: 50 }, cycle));
  };
  const settle = async (): Promise<{ heap: number; resources: number }> => {
    await new Promise((r) => setTimeout(r, 100));
    const gc = (globalThis as { gc?: () => void }).gc!;
    gc();
    gc();
    return { heap: process.memoryUsage().heapUsed, resources: process.getActiveResourcesInfo().length };
  };
  await run(1000);
  const before = await settle();
  await run(total - 1000);
  const after = await settle();
  const open = server.connections.size;
  await server.close();
  console.log(JSON.stringify({ before, after, open, cycles: total }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
