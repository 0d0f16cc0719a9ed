/**
 * Echo servers compared over loopback, alternated many times: raw `net`, and rxws builds (each
 * loaded through RXWS_BENCH_DIST, see servers/rxws-build.ts). Prints per server the median
 * throughput and its ratio to the first server, paired by alternation, plus what the server
 * process spent per MiB echoed (CPU from /proc, all threads) and its minor page faults per MiB:
 * on a busy machine the throughput swings, CPU and fault counts per MiB much less.
 *
 *   npm run build && cp -r dist .tmp/dist-new     # and another build in .tmp/dist-old
 *   npx tsx bench/echo-ab-socket.ts --connections 1 --payload 1048576 raw rxws@.tmp/dist-old rxws@.tmp/dist-new
 *   [--seconds 1] [--runs 6]   (Linux only: reads /proc/<pid>/stat)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBenchMain, startChild } from './lib/child';
import { numberArg } from './lib/in-memory-connection';
import { runEchoLoad } from './load/echo-load';

interface Row {
  rate: number;
  cpuMsPerMiB: number;
  faultsPerMiB: number;
}

/** Minor faults and CPU ticks (user + system) of a process, from /proc/<pid>/stat. */
function procStat(pid: number): { faults: number; ticks: number } {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { faults: Number(fields[7]), ticks: Number(fields[11]) + Number(fields[12]) };
}

const TICK_MS = 10; // USER_HZ is 100 on Linux
const WARMUP_MS = 400;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function measure(server: string, connections: number, payloadBytes: number, seconds: number): Promise<Row> {
  const [impl, dist] = server.split('@');
  if (dist !== undefined) process.env['RXWS_BENCH_DIST'] = path.resolve(dist, 'cjs');
  else delete process.env['RXWS_BENCH_DIST'];
  const file = impl === 'raw' ? 'servers/raw-net-echo.ts' : 'servers/rxws-echo.ts';
  const { child, first } = await startChild(file, []);
  try {
    const pid = child.proc.pid!;
    let before = procStat(pid);
    setTimeout(() => (before = procStat(pid)), WARMUP_MS);
    const r = await runEchoLoad({ port: first['port'] as number, connections, payloadBytes, warmupMs: WARMUP_MS, measureMs: seconds * 1000 });
    const after = procStat(pid);
    // /proc was read at the warm-up's end and after the window: count the bytes of the window.
    const mib = r.bytes / 1048576;
    return { rate: r.messages / r.seconds, cpuMsPerMiB: ((after.ticks - before.ticks) * TICK_MS) / mib, faultsPerMiB: (after.faults - before.faults) / mib };
  } finally {
    await child.stop();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const servers = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
  if (servers.length === 0) throw new Error('usage: npx tsx bench/echo-ab-socket.ts [--connections N] [--payload N] raw rxws@<dist> ...');
  const connections = numberArg('connections', 1);
  const payloadBytes = numberArg('payload', 1048576);
  const seconds = numberArg('seconds', 1);
  const runs = numberArg('runs', 6);
  const rows = new Map<string, Row[]>(servers.map((s) => [s, []]));
  for (let r = 0; r < runs; r++) {
    for (const server of r % 2 === 0 ? servers : [...servers].reverse()) rows.get(server)!.push(await measure(server, connections, payloadBytes, seconds));
  }
  const first = rows.get(servers[0]!)!;
  console.log(`echo ${connections} conn × ${payloadBytes} B, ${runs} alternations of ${seconds} s:`);
  for (const [server, own] of rows) {
    const ratios = own.map((row, i) => row.rate / first[i]!.rate).sort((a, b) => a - b);
    console.log(
      `  ${server.padEnd(22)} msgs/s ${median(own.map((x) => x.rate)).toFixed(0).padStart(8)}  × ${servers[0]} ${median(ratios).toFixed(2)} ` +
        `(${ratios[0]!.toFixed(2)}–${ratios[ratios.length - 1]!.toFixed(2)})  server CPU ms/MiB ${median(own.map((x) => x.cpuMsPerMiB)).toFixed(2)} ` +
        `(min ${Math.min(...own.map((x) => x.cpuMsPerMiB)).toFixed(2)})  faults/MiB ${median(own.map((x) => x.faultsPerMiB)).toFixed(0)}`,
    );
  }
}

runBenchMain(main);
