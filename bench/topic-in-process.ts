/**
 * The JavaScript cost of one topic publish, without the kernel: a topic of `--members` server
 * connections on in-memory sockets, published to `--per-batch` times per turn of the event loop
 * (the frames are flushed to the sockets each turn): with no other connection in the process,
 * then with `--idle` more connections open beside it that are not members, then with none again
 * (they are closed). Prints ns per publish (median of 9 runs) for each, and the ratio of the
 * middle one to the mean of the other two: the cost of a publish follows the topic's members, not
 * the server's connections. Loopback runs (`npm run bench`,
 * scenario topic-idle) swing with scheduling on a shared 2-core VM; this loop moves only with our
 * own code.
 *
 *   npm run build && npx tsx bench/topic-in-process.ts [--members 10] [--idle 10000] [--size 64]
 *
 * The code measured is the compiled build in dist/ (as users run it), not the sources through tsx.
 */
import { Subject } from 'rxjs';
import type * as ConnectionModule from '../src/rx/connection';
import { inMemoryConnection, numberArg } from './lib/in-memory-connection';
import type * as RegistryModule from '../src/server/topic-registry';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TopicRegistry } = require('../dist/cjs/server/topic-registry') as typeof RegistryModule;

const members = numberArg('members', 10);
const idleCount = numberArg('idle', 10_000);
const size = numberArg('size', 64);
const perBatch = numberArg('per-batch', 32);

function connection(): ConnectionModule.Connection {
  return inMemoryConnection();
}

const open = new Set<ConnectionModule.Connection>();
const registry = new TopicRegistry(open, new Subject());
const topic = registry.topic('measured');
for (let i = 0; i < members; i++) {
  const c = connection();
  open.add(c);
  topic.join(c);
}
const payload = Buffer.alloc(size, 0x61);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** ns per publish over `batches` turns of `perBatch` publishes each, flushes included. */
async function run(batches: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < perBatch; i++) {
      if (topic.publish(payload) !== members) throw new Error('a member missed a publish');
    }
    await turn();
  }
  return Number(process.hrtime.bigint() - t0) / (batches * perBatch);
}

async function measure(): Promise<{ best: number; median: number }> {
  const batches = Math.max(50, Math.ceil(200_000 / (members * perBatch)));
  await run(batches); // warm-up: let V8 optimise the path
  const results: number[] = [];
  for (let i = 0; i < 9; i++) results.push(await run(batches));
  results.sort((a, b) => a - b);
  return { best: results[0]!, median: results[4]! };
}

async function main(): Promise<void> {
  const none = await measure();
  const idle: ConnectionModule.Connection[] = [];
  for (let i = 0; i < idleCount; i++) {
    const c = connection();
    open.add(c);
    idle.push(c);
  }
  const withIdle = await measure();
  for (const c of idle) {
    open.delete(c);
    c.terminate();
  }
  idle.length = 0;
  await turn();
  const noneAgain = await measure();
  const fmt = (r: { best: number; median: number }) => `median ${r.median.toFixed(0)} ns/publish (best ${r.best.toFixed(0)})`;
  console.log(`topic of ${members} × ${size} B, ${perBatch} publishes per turn (node ${process.version})`);
  console.log(`  no other connection:         ${fmt(none)}`);
  console.log(`  ${idleCount.toLocaleString('en-US')} idle connections:   ${fmt(withIdle)}`);
  console.log(`  no other connection, again:  ${fmt(noneAgain)}`);
  console.log(`  with idle / without (medians): ${(withIdle.median / ((none.median + noneAgain.median) / 2)).toFixed(2)}`);
  for (const c of [...open]) c.terminate();
}

void main();
