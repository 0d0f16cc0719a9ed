/**
 * The JavaScript cost of echoing one message through rxws, without the kernel: a server-side
 * Connection on an in-memory Duplex fed chunks of masked frames, with the bench's echo handler
 * (subscribe to messages$, push each into sink). Prints nanoseconds per echoed message, best and
 * median of several runs. On this 2-core VM the loopback numbers of `npm run bench` swing by ±30%
 * with scheduling and wake-ups; this loop moves only with our own code, so compare builds with it.
 *
 *   npm run build && npx tsx bench/echo-in-process.ts [--size 32] [--per-read 32] [--read 65536] [--text] [--cpu]
 *
 * `--cpu` counts the process's CPU time instead of wall time: on a machine busy with other work,
 * time spent waiting for a core is then left out (collector threads still count).
 *
 * The code measured is the compiled build in dist/ (as users run it), not the sources through tsx.
 */
import { NullSocket, inMemoryConnection, numberArg } from './lib/in-memory-connection';
import { BENCH_MASK_KEY, OPCODE_BINARY, OPCODE_TEXT, buildFrame, repeatFrame } from './lib/frames';

const size = numberArg('size', 32);
const perRead = numberArg('per-read', 32);
const text = process.argv.includes('--text');
const cpu = process.argv.includes('--cpu');
const frame = buildFrame(text ? OPCODE_TEXT : OPCODE_BINARY, Buffer.alloc(size, 0x61), BENCH_MASK_KEY);
const stream = repeatFrame(frame, perRead);
const readBytes = numberArg('read', stream.length);

const socket = new NullSocket();
const connection = inMemoryConnection(socket);
let echoed = 0;
connection.messages$.subscribe((m) => {
  if (m.type === 'text' || m.type === 'binary') {
    connection.sink.next(m.data);
    echoed++;
  }
});

/** Feeds `rounds` copies of the frame stream in reads of `readBytes` (fresh memory each, as
 *  Node gives: the parser unmasks in place); returns ns per message. */
function run(rounds: number): number {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (let at = 0; at < stream.length; at += readBytes) {
      const n = Math.min(readBytes, stream.length - at);
      const chunk = Buffer.allocUnsafe(n);
      stream.copy(chunk, 0, at, at + n);
      socket.emit('data', chunk);
    }
  }
  if (cpu) {
    const used = process.cpuUsage(c0);
    return ((used.user + used.system) * 1000) / (rounds * perRead);
  }
  return Number(process.hrtime.bigint() - t0) / (rounds * perRead);
}

const rounds = Math.max(20, Math.ceil(Math.min(400_000, 2e9 / (size * 20)) / perRead));
run(rounds); // warm-up: let V8 optimise the path
const results = Array.from({ length: 7 }, () => run(rounds)).sort((a, b) => a - b);
const expected = 8 * rounds * perRead;
if (echoed !== expected) throw new Error(`echoed ${echoed} messages, expected ${expected}`);
console.log(
  `${size} B ${text ? 'text' : 'binary'}, ${perRead} per read of ${readBytes} B: ` +
    `best ${results[0]!.toFixed(1)} ns/message, median ${results[3]!.toFixed(1)}${cpu ? ' of CPU time' : ''} (node ${process.version})`,
);
connection.terminate();
