// Run by spec/transport/deflate-limits.spec.ts as `node --expose-gc --import tsx`: sends a
// decompression bomb (about 0.5 MB of DEFLATE data that inflates to 512 MiB) to an rxws server
// whose maxMessageBytes is 1 MiB, samples RSS while it is refused, and prints one JSON line.
import * as zlib from 'node:zlib';
import { WebSocketServer } from '../../src';
import { encodeFrame } from '../../src/protocol/frame-serializer';
import { fixedMaskSource } from '../../src/protocol/mask';
import { closeCodeOf } from './harness';
import { RawPeer } from './raw-peer';

async function main(): Promise<void> {
  const limit = 1024 * 1024;
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true, maxMessageBytes: limit });
  server.route({ path: '/', handle: (c) => void c.messages$.subscribe() });
  const { port } = await server.listen();

  // 32 sync-flushed segments of 16 MiB of zeros: each is valid after any history, so together
  // they are one 512 MiB message.
  const segment = zlib.deflateRawSync(Buffer.alloc(16 * 1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const bomb = Buffer.concat(Array.from({ length: 32 }, () => segment));
  const payload = bomb.subarray(0, bomb.length - 4);
  const frame = Buffer.from(encodeFrame(2, payload, { rsv1: true, mask: fixedMaskSource(Uint8Array.of(1, 2, 3, 4)) }));

  const gc = (globalThis as { gc?: () => void }).gc!;
  const peer = await RawPeer.connect(port);
  const response = await peer.upgrade('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' });
  gc();
  gc();
  await new Promise((r) => setTimeout(r, 50));
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 1);
  const started = Date.now();
  peer.send(frame);
  const close = await peer.frame(20_000);
  const ms = Date.now() - started;
  await peer.closed;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await server.close();
  console.log(
    JSON.stringify({
      extensions: response.headers['sec-websocket-extensions'],
      compressedBytes: payload.length,
      opcode: close.opcode,
      code: closeCodeOf(close),
      ms,
      peakGrowthBytes: peak - baseline,
      limit,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
