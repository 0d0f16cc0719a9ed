// An rxws server in its own process that sends one big binary message with `conn.sendStream` to
// the first client that connects, and reports what happened and its own peak RSS growth, so the
// reader (the test, in another process) cannot blur the figures. Run as
// `node --expose-gc --import tsx stream-sender-child.ts '{json}'` (spec/rx/paced-stream-sender.spec.ts,
// scripts/large-transfer.ts).
//
// Options (JSON): totalBytes; source — 'readable' (a Node Readable of fresh 64 KiB blocks, like
// fs.createReadStream), 'generator' (an async generator of them) or 'observable' (RxJS `from()`
// of that Readable: what the API took before it could pull); server — ServerOptions.
// Prints "port N", then "result {json}": how sendStream settled, the close code if the
// connection closed, errors$ codes, the bytes offered, and the RSS figures.
import { Readable } from 'node:stream';
import { from } from 'rxjs';
import { WebSocketServer, type ServerOptions, type StreamSource } from '../../src';
import { BLOCK_BYTES, RssSampler, block } from './large-transfer';

interface SenderOptions {
  totalBytes: number;
  source: 'readable' | 'generator' | 'observable';
  server?: Partial<ServerOptions>;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as SenderOptions;
  const blocks = Math.ceil(options.totalBytes / BLOCK_BYTES);
  const rss = new RssSampler();
  let offered = 0;
  const nextBlock = (index: number): Buffer => {
    const size = Math.min(BLOCK_BYTES, options.totalBytes - index * BLOCK_BYTES);
    offered += size;
    return block(index, size);
  };
  const readable = (): Readable => {
    let index = 0;
    return new Readable({
      highWaterMark: BLOCK_BYTES,
      read() {
        this.push(index < blocks ? nextBlock(index++) : null);
      },
    });
  };
  async function* generator(): AsyncGenerator<Uint8Array> {
    for (let index = 0; index < blocks; index++) yield nextBlock(index);
  }
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options.server });
  let started = false;
  server.route({
    path: '/',
    handle: (conn) => {
      if (started) return;
      started = true;
      const errors: string[] = [];
      conn.errors$.subscribe((e) => {
        if (!errors.includes(e.code)) errors.push(e.code);
      });
      const source: StreamSource = options.source === 'readable' ? readable() : options.source === 'generator' ? generator() : from(readable());
      rss.start();
      const startedAt = Date.now();
      const report = (outcome: string) => {
        const figures = rss.stop();
        const seconds = (Date.now() - startedAt) / 1000;
        const done = (code: number | undefined) =>
          console.log(`result ${JSON.stringify({ outcome, closeCode: code, errors, offered, seconds, ...figures })}`);
        if (outcome === 'resolved') done(undefined);
        else conn.closed$.subscribe((close) => done(close.code));
      };
      conn.sendStream(source, { binary: true }).then(
        () => report('resolved'),
        (error: { code?: string }) => report(`rejected ${error.code ?? String(error)}`),
      );
    },
  });
  const { port } = await server.listen();
  console.log(`port ${port}`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.close({ timeoutMs: 200 }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
