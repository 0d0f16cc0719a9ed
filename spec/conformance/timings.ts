// Per-case durations, so slow paths are visible without console.log noise: every spec file merges
// its cases into .tmp/conformance-timings.json (a directory lock guards the read-merge-write, as
// Jest runs spec files in parallel workers) and prints one summary line per section.
import * as fs from 'node:fs';
import * as path from 'node:path';

const FILE = path.resolve(__dirname, '../../.tmp/conformance-timings.json');
const LOCK = `${FILE}.lock`;
const entries: Array<{ role: string; id: string; ms: number }> = [];

export function recordTiming(role: string, id: string, ms: number): void {
  entries.push({ role, id, ms: Math.round(ms * 10) / 10 });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock(work: () => void): void {
  fs.mkdirSync(path.dirname(FILE), { recursive: true });
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch {
      // A lock older than the deadline is a crashed worker's: take it over.
      if (Date.now() > deadline) break;
      sleepSync(5);
    }
  }
  try {
    work();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Merges this worker's timings of `section` into the JSON file and prints a one-line summary. */
export function flushTimings(section: string): void {
  const mine = entries.splice(0, entries.length);
  if (mine.length === 0) return;
  withLock(() => {
    let all: Record<string, Record<string, number>> = {};
    try {
      all = JSON.parse(fs.readFileSync(FILE, 'utf8')) as typeof all;
    } catch {
      all = {};
    }
    const bucket = (all[section] ??= {});
    for (const e of mine) bucket[`${e.role} ${e.id}`] = e.ms;
    const tmp = `${FILE}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(all, null, 1)}\n`);
    fs.renameSync(tmp, FILE);
  });
  const total = mine.reduce((s, e) => s + e.ms, 0);
  const slowest = mine.reduce((a, b) => (b.ms > a.ms ? b : a));
  process.stdout.write(
    `conformance timings: ${section} (${mine[0]!.role}): ${mine.length} cases in ${(total / 1000).toFixed(2)} s, ` +
      `slowest ${slowest.id} ${(slowest.ms / 1000).toFixed(2)} s -> .tmp/conformance-timings.json\n`,
  );
}
