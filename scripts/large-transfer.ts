// Measures a large transfer both ways, each with rxws in its own process and the peer here, as
// the specs do at 256 MiB (spec/rx/paced-stream-sender.spec.ts, spec/rx/streamed-message-receiver.spec.ts)
// but at a size you choose (default 1 GiB). Prints the peak RSS growth of the rxws process.
//
//   npx tsx scripts/large-transfer.ts [--mib 1024] [--compare]
//
// send:    conn.sendStream(readable) of --mib MiB to a reader that pauses 1 s, then 50 ms every 8 MiB.
// receive: one --mib MiB frame read with `for await` from streamedMessages$, the consumer
//          stopping 50 ms every 16 MiB.
// --compare also runs what there was before: sendStream(from(readable)) (an Observable, which
// cannot be paused: 1008 at maxBufferedBytes) and receiving the message whole on messages$.
import { MiB, slowRead, startChild, writeHugeFrame } from '../spec/helpers/large-transfer';

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function send(totalBytes: number, source: 'readable' | 'observable'): Promise<void> {
  const child = await startChild<Record<string, unknown>>('spec/helpers/stream-sender-child.ts', { totalBytes, source });
  try {
    const read = await slowRead(child.port, { initialPauseMs: 1000, pauseEveryBytes: 8 * MiB, pauseMs: 50, timeoutMs: 600_000 });
    const result = await child.result(60_000);
    console.log(`send ${source}: reader got ${(read.dataBytes / MiB).toFixed(1)} MiB, message ended: ${read.messageEnded}, close: ${read.closeCode ?? '-'}, check: ${read.problem ?? 'ok'}`);
    console.log(`  sender: ${JSON.stringify(result)}`);
  } finally {
    await child.stop();
  }
}

async function receive(totalBytes: number, mode: 'stream' | 'whole'): Promise<void> {
  const child = await startChild<Record<string, unknown>>('spec/helpers/stream-receiver-child.ts', { totalBytes, mode, pauseEveryBytes: 16 * MiB, pauseMs: 50 });
  try {
    const written = await writeHugeFrame(child.port, totalBytes, 600_000);
    const result = await child.result(60_000);
    written.socket.destroy();
    console.log(`receive ${mode}: writer ${written.seconds.toFixed(1)} s, of which ${written.drainWaitMs} ms waiting for the receiver`);
    console.log(`  receiver: ${JSON.stringify(result)}`);
  } finally {
    await child.stop();
  }
}

async function main(): Promise<void> {
  const totalBytes = Number(arg('--mib') ?? 1024) * MiB;
  const compare = process.argv.includes('--compare');
  console.log(`node ${process.version}, ${totalBytes / MiB} MiB each way`);
  await send(totalBytes, 'readable');
  await receive(totalBytes, 'stream');
  if (compare) {
    await send(totalBytes, 'observable');
    await receive(totalBytes, 'whole');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
