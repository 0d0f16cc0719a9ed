// Long fuzz runs: the properties of spec/fuzz/properties.ts (random valid and invalid frame
// sequences, random chunking, random close timing, against a live rxws server and client over
// loopback) for as long as asked, in batches with fresh seeds, alternating properties.
//
//   npm run fuzz -- --minutes 10          (package.json: node --expose-gc --import tsx scripts/fuzz.ts)
//   npx tsx scripts/fuzz.ts --runs 1000000
//   options: --minutes M | --runs N (default: 1 minute), --seed S (first batch), --batch B (default 500),
//            --max-heap-growth-mb MB (default 16; checked when run with --expose-gc), --json
//
// Prints progress, then the totals; a failing case is printed with fast-check's report (seed and
// path to replay it) and the exit code is 1. Also fails on an uncaught exception or an unhandled
// rejection, and when the post-GC heap grows by more than the limit between the first batch and
// the end (memory must stay bounded however long it runs).
import fc from 'fast-check';
import { FUZZ_PROPERTIES } from '../spec/fuzz/properties';

interface Args {
  minutes: number | undefined;
  runs: number | undefined;
  seed: number;
  batch: number;
  maxHeapGrowthMb: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { minutes: undefined, runs: undefined, seed: Date.now() % 2 ** 31, batch: 500, maxHeapGrowthMb: 16, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
      return n;
    };
    if (flag === '--minutes') args.minutes = value();
    else if (flag === '--runs') args.runs = Math.floor(value());
    else if (flag === '--seed') args.seed = Math.floor(value());
    else if (flag === '--batch') args.batch = Math.floor(value());
    else if (flag === '--max-heap-growth-mb') args.maxHeapGrowthMb = value();
    else if (flag === '--json') args.json = true;
    else throw new Error(`unknown option ${flag} (use --minutes M, --runs N, --seed S, --batch B, --max-heap-growth-mb MB, --json)`);
  }
  if (args.minutes === undefined && args.runs === undefined) args.minutes = 1;
  return args;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function settledHeap(): Promise<number | undefined> {
  if (gc === undefined) return undefined;
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const escaped: unknown[] = [];
  process.on('uncaughtException', (error) => escaped.push(error));
  process.on('unhandledRejection', (error) => escaped.push(error));
  const log = (line: string) => {
    if (!args.json) console.log(line);
  };
  const limit = args.runs !== undefined ? `${args.runs} runs` : `${args.minutes} minute(s)`;
  log(`fuzzing ${FUZZ_PROPERTIES.length} properties until ${limit}; first seed ${args.seed}${gc === undefined ? ' (no --expose-gc: memory is not checked)' : ''}`);
  const endpoints = await Promise.all(FUZZ_PROPERTIES.map((p) => p.start()));
  const started = Date.now();
  const deadline = args.minutes === undefined ? Infinity : started + args.minutes * 60_000;
  const counts = FUZZ_PROPERTIES.map(() => 0);
  let total = 0;
  let seed = args.seed;
  let heapBaseline: number | undefined;
  let heapEnd: number | undefined;
  let failure: string | undefined;
  try {
    for (let batch = 0; failure === undefined; batch++) {
      const left = args.runs === undefined ? args.batch : Math.min(args.batch, args.runs - total);
      if (left <= 0 || Date.now() >= deadline) break;
      const index = batch % FUZZ_PROPERTIES.length;
      const fuzz = FUZZ_PROPERTIES[index]!;
      const timeLeft = deadline - Date.now();
      const details = await fc.check(fuzz.property(endpoints[index]!), {
        numRuns: left,
        seed,
        ...(Number.isFinite(timeLeft) ? { interruptAfterTimeLimit: Math.max(1, timeLeft), markInterruptAsFailure: false } : {}),
      });
      counts[index]! += details.numRuns;
      total += details.numRuns;
      if (details.failed) {
        failure = `${fuzz.name}\n${fc.defaultReportMessage(details) ?? 'failed'}`;
        break;
      }
      if (escaped.length > 0) {
        failure = `an exception escaped: ${String(escaped[0])}`;
        break;
      }
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      if (batch === FUZZ_PROPERTIES.length - 1) heapBaseline = await settledHeap();
      const elapsed = (Date.now() - started) / 1000;
      log(`${total} runs in ${elapsed.toFixed(0)} s (${(total / elapsed).toFixed(0)}/s) — ${FUZZ_PROPERTIES.map((p, i) => `${p.role} ${counts[i]}`).join(', ')}`);
    }
    // Measured with the endpoints still up, as the baseline was.
    heapEnd = await settledHeap();
  } finally {
    await Promise.all(endpoints.map((e) => e.close()));
  }
  const growthMb = heapBaseline !== undefined && heapEnd !== undefined ? (heapEnd - heapBaseline) / (1024 * 1024) : undefined;
  if (failure === undefined && growthMb !== undefined && growthMb > args.maxHeapGrowthMb) {
    failure = `the post-GC heap grew by ${growthMb.toFixed(1)} MB (limit ${args.maxHeapGrowthMb} MB)`;
  }
  const seconds = (Date.now() - started) / 1000;
  const summary = {
    ok: failure === undefined,
    runs: total,
    perProperty: Object.fromEntries(FUZZ_PROPERTIES.map((p, i) => [p.role, counts[i]])),
    seconds: Number(seconds.toFixed(1)),
    firstSeed: args.seed,
    heapGrowthMb: growthMb === undefined ? null : Number(growthMb.toFixed(2)),
    failure: failure ?? null,
  };
  if (args.json) console.log(JSON.stringify(summary));
  else {
    log(`${failure === undefined ? 'passed' : 'FAILED'}: ${total} runs in ${seconds.toFixed(1)} s; post-GC heap growth ${growthMb === undefined ? 'not measured' : `${growthMb.toFixed(2)} MB`}`);
    if (failure !== undefined) console.error(failure);
  }
  return failure === undefined ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
