/**
 * What `typed()` costs: a JSON echo validated with Zod both ways against a plain JSON echo
 * (JSON.parse + JSON.stringify), on the same rxws build, in the same run, two ways:
 *
 * - in process: one server Connection on an in-memory socket is fed chunks of masked frames of
 *   the same ~160-byte JSON chat message, and each handler echoes them; CPU time per message,
 *   best and median of 9 turns taken in rotation, with a raw text echo as the floor. This is the figure to trust on
 *   a busy machine: no kernel, no scheduling between processes.
 * - over sockets: each server in its own process, the pipelining generator of the echo scenario
 *   (bench/load/echo-load.ts) sends the message as text, up to 64 in flight per connection;
 *   rounds alternate which server goes first; messages per second and server CPU per message.
 *
 *   npm run build && npx tsx bench/typed-echo.ts            (3 socket rounds, 2 s per sample)
 *   npm run build && npx tsx bench/typed-echo.ts --quick    (1 round, 0.5 s per sample)
 *   npm run build && npx tsx bench/typed-echo.ts --in-process-only
 */
import type * as Rxws from '../src';
import { NullSocket, inMemoryConnection } from './lib/in-memory-connection';
import type { z } from 'zod';
import { ChatMessage } from './servers/rxws-typed-echo-schema';
import { BENCH_MASK_KEY, OPCODE_TEXT, buildFrame, repeatFrame } from './lib/frames';
import { killAllChildren, startChild } from './lib/child';
import { median } from './lib/stats';
import { formatNumber, renderText } from './lib/table';
import { runEchoLoad } from './load/echo-load';
import { stopServer, type ServerEnv } from './scenarios/server-env';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 3;
const MEASURE_MS = quick ? 500 : 2000;
const WARMUP_MS = quick ? 200 : 500;
const CONNECTIONS = [1, 50];
const MODES = ['json', 'typed'] as const;
type Mode = (typeof MODES)[number];

const message = Buffer.from(
  JSON.stringify({ type: 'chat', id: 123456, room: 'room-3', user: 'user42', ts: 1_700_000_000_137, text: 'the deploy is done, lunch at noon? see you tomorrow, great idea, merge it' }),
);

interface Sample {
  msgsPerSec: number;
  /** Server CPU microseconds per echoed message. */
  cpuUsPerMsg: number;
  serverCpuPct: number;
}

async function start(mode: Mode): Promise<ServerEnv> {
  // One server file, two modes (the generic startServer passes no arguments).
  const { child, first } = await startChild('servers/rxws-typed-echo.ts', ['--mode', mode]);
  return {
    impl: 'rxws',
    child,
    port: first['port'] as number,
    info: { mode },
    cpu: async () => {
      const reply = await child.request('usage');
      const cpu = reply['cpu'] as { user: number; system: number };
      return cpu.user + cpu.system;
    },
  };
}

async function measure(env: ServerEnv, connections: number): Promise<Sample> {
  const r = await runEchoLoad({
    port: env.port,
    connections,
    payloadBytes: message.length,
    payload: { data: message, text: true },
    warmupMs: WARMUP_MS,
    measureMs: MEASURE_MS,
    serverCpu: env.cpu,
  });
  const msgsPerSec = r.messages / r.seconds;
  return { msgsPerSec, serverCpuPct: r.serverCpuPct, cpuUsPerMsg: ((r.serverCpuPct / 100) * 1e6) / msgsPerSec };
}

// The compiled build, as users run it (see bench/servers/rxws-build.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rxws = require('../dist/cjs') as typeof Rxws;

type Handler = 'raw text' | Mode | 'typed, pass-through schema';

const passThrough: Rxws.StandardSchemaV1<z.infer<typeof ChatMessage>> = {
  '~standard': { version: 1, vendor: 'bench', validate: (value) => ({ value: value as z.infer<typeof ChatMessage> }) },
};

/** A Connection on an in-memory socket with one echo handler; `run()` feeds it a batch of reads
 *  and returns the CPU nanoseconds per echoed message. */
function inProcessEcho(handler: Handler): { run(): number; close(): void } {
  const socket = new NullSocket();
  const connection = inMemoryConnection(socket);
  let echoed = 0;
  if (handler === 'typed' || handler === 'typed, pass-through schema') {
    // The pass-through schema accepts anything: what is left is rxws's own plumbing.
    const schema = handler === 'typed' ? ChatMessage : passThrough;
    const chat = rxws.typed(connection, { receive: schema, send: schema });
    chat.messages$.subscribe((m) => {
      chat.sink.next(m);
      echoed++;
    });
  } else {
    connection.messages$.subscribe((m) => {
      if (m.type !== 'text') return;
      connection.sink.next(handler === 'json' ? JSON.stringify(JSON.parse(m.data)) : m.data);
      echoed++;
    });
  }
  const perRead = 32;
  const stream = repeatFrame(buildFrame(OPCODE_TEXT, message, BENCH_MASK_KEY), perRead);
  const reads = 2000;
  return {
    run: () => {
      const before = process.cpuUsage();
      const expected = echoed + reads * perRead;
      for (let r = 0; r < reads; r++) {
        // Fresh memory for each read, as Node gives: the parser unmasks in place.
        const chunk = Buffer.allocUnsafe(stream.length);
        stream.copy(chunk);
        socket.emit('data', chunk);
      }
      const used = process.cpuUsage(before);
      if (echoed !== expected) throw new Error(`${handler}: echoed ${echoed}, expected ${expected}`);
      return ((used.user + used.system) * 1000) / (reads * perRead);
    },
    close: () => connection.terminate(),
  };
}

function reportInProcess(): void {
  const handlers: Handler[] = ['raw text', 'json', 'typed, pass-through schema', 'typed'];
  const echoes = handlers.map(inProcessEcho);
  for (const echo of echoes) echo.run(); // warm-up: let V8 optimise each path
  // Handlers take turns, in a rotating order, so a change in the machine's load hits all alike.
  const runs: number[][] = handlers.map(() => []);
  for (let turn = 0; turn < 9; turn++) {
    for (let k = 0; k < handlers.length; k++) {
      const i = (turn + k) % handlers.length;
      runs[i]!.push(echoes[i]!.run());
    }
  }
  for (const echo of echoes) echo.close();
  const json = runs[1]!;
  const rows = handlers.map((h, i) => {
    const own = runs[i]!;
    const vsJson = median(own.map((ns, turn) => ns - json[turn]!));
    const ratio = median(own.map((ns, turn) => ns / json[turn]!));
    return [
      h === 'raw text' ? 'raw text echo (floor)' : h === 'json' ? 'plain JSON echo' : h === 'typed' ? 'typed echo (Zod both ways)' : 'typed echo, pass-through schema',
      formatNumber(Math.min(...own), 0),
      formatNumber(median(own), 0),
      h.startsWith('typed') ? `${signed(vsJson, 0)} ns (${signed((ratio - 1) * 100, 0)}%)` : '',
    ];
  });
  console.log(`In process: ${message.length}-byte JSON text messages, 32 per read, CPU time per echoed message (9 turns)`);
  console.log(renderText({ headers: ['handler', 'best ns/msg', 'median ns/msg', 'vs plain JSON (paired)'], rows, align: ['left', 'right', 'right', 'right'] }));
}

const signed = (value: number, digits: number): string => `${value >= 0 ? '+' : ''}${formatNumber(value, digits)}`;

async function main(): Promise<void> {
  reportInProcess();
  if (process.argv.includes('--in-process-only')) return;
  console.log('\nOver loopback sockets (noisy when the machine is busy; see the note at the top):');
  const samples = new Map<string, Sample[]>();
  const envs = new Map<Mode, ServerEnv>();
  try {
    for (const mode of MODES) envs.set(mode, await start(mode));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? MODES : [...MODES].reverse();
      for (const connections of CONNECTIONS) {
        for (const mode of order) {
          const s = await measure(envs.get(mode)!, connections);
          const key = `${connections}:${mode}`;
          samples.set(key, [...(samples.get(key) ?? []), s]);
          console.log(`  r${round + 1} ${String(connections).padStart(2)} conn ${mode.padEnd(5)} ${formatNumber(s.msgsPerSec)} msgs/s, ${formatNumber(s.cpuUsPerMsg, 2)} µs server CPU/msg`);
        }
      }
    }
  } finally {
    await Promise.all([...envs.values()].map((env) => stopServer(env).catch(() => undefined)));
  }

  const rows: string[][] = [];
  for (const connections of CONNECTIONS) {
    const med = (mode: Mode, key: keyof Sample) => median(samples.get(`${connections}:${mode}`)!.map((s) => s[key]));
    // Paired by round, so drift of the machine between rounds cancels out.
    const typedSamples = samples.get(`${connections}:typed`)!;
    const jsonSamples = samples.get(`${connections}:json`)!;
    const ratio = (key: keyof Sample) => median(typedSamples.map((s, i) => s[key] / jsonSamples[i]![key]));
    const difference = (key: keyof Sample) => median(typedSamples.map((s, i) => s[key] - jsonSamples[i]![key]));
    for (const mode of MODES) {
      rows.push([
        `${connections} conn × ${message.length} B JSON`,
        mode === 'json' ? 'plain JSON' : 'typed (Zod)',
        formatNumber(med(mode, 'msgsPerSec')),
        formatNumber(med(mode, 'serverCpuPct')),
        formatNumber(med(mode, 'cpuUsPerMsg'), 2),
        mode === 'json' ? '' : `${signed((ratio('msgsPerSec') - 1) * 100, 1)}%`,
        mode === 'json' ? '' : `${signed(difference('cpuUsPerMsg'), 2)} µs (${signed((ratio('cpuUsPerMsg') - 1) * 100, 0)}%)`,
      ]);
    }
  }
  console.log(`\nTyped JSON echo (Zod 4, validated both ways) vs plain JSON echo, ${ROUNDS} round(s), ${MEASURE_MS / 1000} s per sample; medians`);
  console.log(
    renderText({
      headers: ['case', 'server', 'msgs/s', 'server CPU %', 'server µs/msg', 'throughput vs plain', 'CPU per message vs plain (paired)'],
      rows,
      align: ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    }),
  );
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  })
  .finally(() => {
    killAllChildren();
    setTimeout(() => process.exit(), 100).unref();
  });
