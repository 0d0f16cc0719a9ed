/**
 * Where an rxws echo server spends its time under load: `npx tsx bench/echo-profile.ts
 * [--connections 50] [--payload 65536] [--seconds 4] [--top 25]`. Starts bench/servers/rxws-echo.ts
 * (rxws as users get it, dist/: run `npm run build` first) under `node --cpu-prof`, drives it with
 * the echo scenario's generator, and prints the throughput, the server's CPU and its self time
 * per function. (idle) is the main thread waiting: time a faster generator or peer could use.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runBenchMain } from './lib/child';
import { selfTimes, type CpuProfile } from './lib/cpu-profile';
import { numberArg } from './lib/in-memory-connection';
import { runEchoLoad } from './load/echo-load';
import { sleep } from './load/window';
import { startServer, stopServer } from './scenarios/server-env';

runBenchMain(async () => {
  const connections = numberArg('connections', 50);
  const payloadBytes = numberArg('payload', 65_536);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxws-echo-profile-'));
  try {
    const env = await startServer('rxws', 'rxws-echo.ts', { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    const load = await runEchoLoad({ port: env.port, connections, payloadBytes, warmupMs: 500, measureMs: numberArg('seconds', 4) * 1000, serverCpu: env.cpu });
    await stopServer(env);
    // The profile is written as the child exits.
    let file: string | undefined;
    for (let waited = 0; file === undefined && waited < 10_000; waited += 100) {
      file = fs.readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
      if (file === undefined) await sleep(100);
    }
    if (file === undefined) throw new Error('the server wrote no CPU profile');
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    console.log(`echo ${connections} conn × ${payloadBytes} B: ${Math.round(load.messages / load.seconds)} msgs/s, server CPU ${Math.round(load.serverCpuPct)}%`);
    for (const { where, percent } of selfTimes(profile, numberArg('top', 25))) console.log(`${percent.toFixed(1).padStart(5)}%  ${where}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
