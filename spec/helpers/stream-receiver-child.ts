// An rxws server in its own process that receives one big message from the first client and
// reports what it got and its own peak RSS growth (spec/rx/streamed-message-receiver.spec.ts,
// scripts/large-transfer.ts). Run as `node --expose-gc --import tsx stream-receiver-child.ts '{json}'`.
//
// Options (JSON): totalBytes (the expected size; maxMessageBytes is set to it); mode —
// 'stream' (streamThresholdBytes 1 MiB, read with `for await`, the way to receive a big message
// now) or 'whole' (messages$, the only way before); pauseEveryBytes and pauseMs — the
// consumer's slowness: after that many bytes it awaits a timer of that many ms.
// Prints "port N", then "result {json}": bytes and block check, the close code, the time the
// consumer spent waiting, and the RSS figures.
import { WebSocketServer } from '../../src';
import { BlockChecker, MiB, RssSampler } from './large-transfer';

interface ReceiverOptions {
  totalBytes: number;
  mode: 'stream' | 'whole';
  pauseEveryBytes: number;
  pauseMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as ReceiverOptions;
  const rss = new RssSampler();
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  let started = false;
  server.route({
    path: '/',
    maxMessageBytes: options.totalBytes,
    ...(options.mode === 'stream' ? { streamThresholdBytes: MiB } : {}),
    handle: (conn) => {
      if (started) return;
      started = true;
      rss.start();
      const startedAt = Date.now();
      const checker = new BlockChecker();
      let consumerWaitMs = 0;
      let error: string | undefined;
      const report = () => {
        const figures = rss.stop();
        console.log(`result ${JSON.stringify({ bytes: checker.bytes, problem: checker.problem, error, consumerWaitMs, seconds: (Date.now() - startedAt) / 1000, ...figures })}`);
        conn.close(1000);
      };
      if (options.mode === 'whole') {
        conn.messages$.subscribe((message) => {
          if (message.type !== 'binary') return;
          checker.feed(message.data);
          report();
        });
        return;
      }
      conn.streamedMessages$.subscribe(async (message) => {
        let sincePause = 0;
        try {
          for await (const chunk of message) {
            checker.feed(chunk);
            sincePause += chunk.length;
            if (sincePause >= options.pauseEveryBytes) {
              // A slow consumer (a disk, a database): the socket is paused meanwhile.
              sincePause = 0;
              // Until pauseMs have passed by the clock: a timer counts from the event loop's
              // cached time, which a busy loop leaves a few ms behind, so one sleep can end early.
              const from = Date.now();
              for (let left = options.pauseMs; left > 0; left = options.pauseMs - (Date.now() - from)) await sleep(left);
              consumerWaitMs += Date.now() - from;
            }
          }
        } catch (e) {
          error = (e as { code?: string }).code ?? String(e);
        }
        report();
      });
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
