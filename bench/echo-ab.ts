/**
 * Two (or more) builds of rxws compared on the JavaScript cost of echoing one message, in
 * process (no kernel): a server-side Connection on an in-memory socket, fed fresh 64 KiB reads of
 * masked frames, with the bench's echo handler. Meant for a busy machine: every sample is one
 * short batch (~1 MiB of frames), so a sample that the scheduler interrupted is an outlier, not a
 * shift of the whole figure; builds run in their own processes, alternated, and the median and
 * 10th percentile of the samples are printed per run.
 *
 *   npm run build && cp -r dist .tmp/dist-new      # and a build of the other side in .tmp/dist-old
 *   npx tsx bench/echo-ab.ts .tmp/dist-old .tmp/dist-new [--size 1048576] [--read 65536] [--runs 3]
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type * as Rxws from '../src';
import { BENCH_MASK_KEY, OPCODE_BINARY, buildFrame } from './lib/frames';
import { NullSocket, inMemoryConnection, loadConnectionBuild, numberArg } from './lib/in-memory-connection';

interface Sample {
  p10: number;
  median: number;
}

const BATCH_BYTES = 1 << 20;
const WARMUP_SAMPLES = 50;

function child(dist: string): void {
  const size = numberArg('size', 32);
  const readBytes = numberArg('read', 65536);
  const samples = numberArg('samples', 300);
  const root = path.resolve(dist, 'cjs');
  const socket = new NullSocket();
  const connection: Rxws.Connection = inMemoryConnection(socket, loadConnectionBuild(root));

  let echoed = 0;
  connection.messages$.subscribe((m) => {
    if (m.type === 'text' || m.type === 'binary') {
      connection.sink.next(m.data);
      echoed++;
    }
  });
  const frame = buildFrame(OPCODE_BINARY, Buffer.alloc(size, 0x61), BENCH_MASK_KEY);
  const perSample = Math.max(1, Math.floor(BATCH_BYTES / frame.length));
  const stream = Buffer.concat(Array<Buffer>(perSample).fill(frame));
  const times: number[] = [];
  for (let s = 0; s < samples + WARMUP_SAMPLES; s++) {
    // Fresh reads, as Node gives them (the parser unmasks in place), cut outside the timed part.
    const reads: Buffer[] = [];
    for (let at = 0; at < stream.length; at += readBytes) {
      const n = Math.min(readBytes, stream.length - at);
      const read = Buffer.allocUnsafe(n);
      stream.copy(read, 0, at, at + n);
      reads.push(read);
    }
    const t0 = process.hrtime.bigint();
    for (const read of reads) socket.emit('data', read);
    if (s >= WARMUP_SAMPLES) times.push(Number(process.hrtime.bigint() - t0) / perSample);
  }
  if (echoed !== (samples + WARMUP_SAMPLES) * perSample) throw new Error(`echoed ${echoed} messages`);
  connection.terminate();
  times.sort((a, b) => a - b);
  const result: Sample = { p10: times[Math.floor(times.length / 10)]!, median: times[times.length >> 1]! };
  process.stdout.write(JSON.stringify(result));
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!);
  const dists = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
  const options = args.filter((a) => !dists.includes(a));
  if (dists.length === 0) throw new Error('usage: npx tsx bench/echo-ab.ts <dist> [<dist> ...] [--size N] [--read N] [--runs N]');
  const runs = numberArg('runs', 3);
  const results = new Map<string, Sample[]>(dists.map((d) => [d, []]));
  for (let r = 0; r < runs; r++) {
    for (const dist of r % 2 === 0 ? dists : [...dists].reverse()) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', dist, ...options], { encoding: 'utf8' });
      results.get(dist)!.push(JSON.parse(out) as Sample);
    }
  }
  const size = numberArg('size', 32);
  console.log(`echo of ${size} B binary messages in process, ns per message, per run (node ${process.version}):`);
  for (const [dist, samples] of results) {
    const fmt = (k: keyof Sample): string => samples.map((s) => s[k].toFixed(0)).join(' ');
    console.log(`  ${dist.padEnd(20)} median ${fmt('median')}   p10 ${fmt('p10')}`);
  }
}

main();
