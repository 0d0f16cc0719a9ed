// Fuzzing over real sockets (RELIABILITY 1-20, 34, 35 as properties): random valid and invalid
// frame sequences, random chunking and random close timing against a live rxws server and a live
// rxws client. CI runs a bounded number of cases here (in process, plus a run of scripts/fuzz.ts
// in a child with --expose-gc for the memory bound); `npm run fuzz` runs the same properties for
// as long as asked. RXWS_FUZZ_RUNS changes the in-process count.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import fc from 'fast-check';
import { FUZZ_PROPERTIES } from './properties';

const RUNS = Number(process.env['RXWS_FUZZ_RUNS'] ?? 1500);
const CHILD_RUNS = 2000;

describe.each(FUZZ_PROPERTIES.map((p) => [p.name, p] as const))('fuzz: %s', (_name, fuzz) => {
  it(`${RUNS} random cases`, async () => {
    const endpoint = await fuzz.start();
    try {
      // The time limit keeps a slow machine within CI's budget; on a normal one all runs happen.
      await fc.assert(fuzz.property(endpoint), { numRuns: RUNS, interruptAfterTimeLimit: 25_000, markInterruptAsFailure: false });
    } finally {
      await endpoint.close();
    }
  }, 40_000);
});

describe('fuzz: a long run stays bounded', () => {
  it(`${CHILD_RUNS} more cases in a child process: no escaped exception, and the post-GC heap does not grow`, async () => {
    const root = path.join(__dirname, '..', '..');
    const args = ['--expose-gc', '--import', 'tsx', path.join(root, 'scripts', 'fuzz.ts'), '--runs', String(CHILD_RUNS), '--batch', '250', '--max-heap-growth-mb', '8', '--json'];
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
      execFile(process.execPath, args, { cwd: root, timeout: 50_000, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) =>
        resolve({ stdout: out, stderr: err, code: error === null ? 0 : typeof error.code === 'number' ? error.code : null }),
      );
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    let summary: { ok: boolean; runs: number; heapGrowthMb: number | null; failure: string | null };
    try {
      summary = JSON.parse(last);
    } catch {
      throw new Error(`scripts/fuzz.ts printed no summary (exit ${code}): ${stdout}\n${stderr}`);
    }
    expect(summary.failure).toBeNull();
    expect(summary.ok).toBe(true);
    expect(summary.runs).toBe(CHILD_RUNS);
    expect(summary.heapGrowthMb).not.toBeNull();
    expect(summary.heapGrowthMb!).toBeLessThan(8);
    expect(code).toBe(0);
  }, 60_000);
});
