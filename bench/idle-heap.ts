/**
 * Where the heap of an idle connection goes: `npx tsx bench/idle-heap.ts [--impl rxws,ws,raw]
 * [--connections N] [--top K] [--holders]`. Starts each server under test (as the memory
 * scenario does), writes a heap snapshot after GC before and after opening N idle connections,
 * and prints what the second holds beyond the first, per connection, by kind of object
 * (constructor or function name); with `--holders`, also what holds them. `rxws@/abs/path/cjs`
 * profiles another rxws build (a copy of main's dist/cjs, say) in the same run. Run
 * `npm run build` first: rxws is measured as users get it (dist/).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runBenchMain } from './lib/child';
import { censusPerConnection, heapCensus, holdersOf, namesOf, newNodes, parseHeapSnapshot } from './lib/heap-census';
import { closeAll, rawConnectMany } from './load/raw-connect';
import { sleep } from './load/window';
import { startServer, stopServer, type ServerEnv } from './scenarios/server-env';
import type { Impl } from './scenarios/types';

// As in the memory scenario: raw is the floor, a plain net socket after a canned 101.
const FILES: Record<Impl, string> = { raw: 'bare-net-idle.ts', ws: 'ws-echo.ts', rxws: 'rxws-echo.ts' };

function arg(flag: string, fallback: string): string {
  const i = process.argv.indexOf(flag);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

async function snapshot(env: ServerEnv, file: string): Promise<{ text: string; heapUsed: number }> {
  const reply = await env.child.request('heap-snapshot', { file }, 120_000);
  const text = fs.readFileSync(reply['file'] as string, 'utf8');
  fs.unlinkSync(reply['file'] as string);
  return { text, heapUsed: (reply['mem'] as { heapUsed: number }).heapUsed };
}

/** `impl`, or `rxws@/abs/path/to/cjs` for another rxws build (to compare two in one run). */
async function profile(spec: string, connections: number, top: number, holders: boolean): Promise<void> {
  const [impl, dist] = spec.split('@') as [Impl, string | undefined];
  if (!(impl in FILES) || (dist !== undefined && impl !== 'rxws')) throw new Error(`unknown implementation ${spec}`);
  const env = await startServer(impl, FILES[impl], { nodeFlags: ['--expose-gc'], ...(dist ? { env: { RXWS_BENCH_DIST: dist } } : {}) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxws-idle-heap-'));
  try {
    const before = await snapshot(env, path.join(dir, 'before.heapsnapshot'));
    const opened = await rawConnectMany(env.port, connections, 100);
    try {
      await sleep(300);
      const after = await snapshot(env, path.join(dir, 'after.heapsnapshot'));
      const parsed = parseHeapSnapshot(after.text);
      const old = parseHeapSnapshot(before.text);
      // Only the objects allocated since the first snapshot and still alive: what connections hold.
      const fresh = newNodes(old, parsed);
      const rows = censusPerConnection(new Map(), heapCensus(parsed, fresh), connections);
      const total = rows.reduce((sum, r) => sum + r.bytes, 0);
      console.log(`\n# ${spec}: ${connections} idle connections; heapUsed ${((after.heapUsed - before.heapUsed) / connections).toFixed(0)} B/conn, snapshot ${total.toFixed(0)} B/conn`);
      console.log(`${'B/conn'.padStart(8)} ${'n/conn'.padStart(7)}  kind`);
      for (const r of rows.slice(0, top)) {
        console.log(`${r.bytes.toFixed(0).padStart(8)} ${r.count.toFixed(2).padStart(7)}  ${r.kind}`);
        if (!holders) continue;
        // The main holders of this kind, for those that come about once per connection or more.
        const held = [...holdersOf(parsed, r.kind, fresh)].filter(([, n]) => n >= connections / 10).sort((a, b) => b[1] - a[1]);
        for (const [by, n] of held.slice(0, 4)) console.log(`${''.padStart(17)}  ← ${by} ×${(n / connections).toFixed(2)}`);
        if (r.kind === '(string)') {
          for (const [text, n] of namesOf(parsed, r.kind, fresh, 6)) console.log(`${''.padStart(17)}  "${text.slice(0, 60).replace(/\r\n/g, '⏎')}" ×${(n / connections).toFixed(2)}`);
        }
      }
    } finally {
      await closeAll(opened.map((o) => o.socket), 10_000);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await stopServer(env);
  }
}

async function main(): Promise<void> {
  const impls = arg('--impl', 'rxws,ws,raw').split(',');
  const connections = Number(arg('--connections', '2000'));
  const top = Number(arg('--top', '30'));
  const holders = process.argv.includes('--holders');
  for (const impl of impls) await profile(impl, connections, top, holders);
}

runBenchMain(main);
