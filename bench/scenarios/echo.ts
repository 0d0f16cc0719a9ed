/** Echo throughput: 1 and 50 connections, 32 B to 1 MiB, pipelined by the raw generator. */
import { runEchoLoad } from '../load/echo-load';
import { startServer, stopServer, type ServerEnv } from './server-env';
import { ms, type Scenario } from './types';

const FILES = { raw: 'raw-net-echo.ts', ws: 'ws-echo.ts', rxws: 'rxws-echo.ts' } as const;
const PAYLOADS: Array<[string, number]> = [
  ['32 B', 32],
  ['1 KiB', 1024],
  ['64 KiB', 64 * 1024],
  ['1 MiB', 1024 * 1024],
];

export const echoScenario: Scenario<ServerEnv> = {
  name: 'echo',
  title: 'Echo throughput',
  description:
    'Binary messages echoed by the server. The generator keeps up to 64 masked frames in flight per ' +
    'connection (fewer for big payloads, at most ~16 MiB in flight in total), writes them many per ' +
    'write and counts replies by walking frame headers. MB/s counts echoed payload bytes (10^6). ' +
    'CPU columns are percent of one core over the measured window.',
  implementations: ['raw', 'ws', 'rxws'],
  metrics: [
    { key: 'msgsPerSec', label: 'msgs/s', digits: 0, better: 'higher' },
    { key: 'mbPerSec', label: 'MB/s', digits: 1, better: 'higher' },
    { key: 'serverCpuPct', label: 'server CPU %', digits: 0, better: 'lower' },
    { key: 'clientCpuPct', label: 'gen CPU %', digits: 0, better: 'lower' },
    { key: 'window', label: 'in flight/conn', digits: 0, better: 'lower' },
  ],
  cases: () =>
    [1, 50].flatMap((connections) =>
      PAYLOADS.map(([label, payloadBytes]) => ({
        id: `c${connections}-p${payloadBytes}`,
        label: `${connections} conn × ${label}`,
        params: { connections, payloadBytes },
      })),
    ),
  setup: (impl) => startServer(impl, FILES[impl]),
  measure: async (env, c, _impl, o) => {
    const r = await runEchoLoad({
      port: env.port,
      connections: c.params['connections']!,
      payloadBytes: c.params['payloadBytes']!,
      warmupMs: ms(o.warmupSeconds),
      measureMs: ms(o.seconds),
      serverCpu: env.cpu,
    });
    return {
      msgsPerSec: r.messages / r.seconds,
      mbPerSec: r.bytes / r.seconds / 1e6,
      serverCpuPct: r.serverCpuPct,
      clientCpuPct: r.clientCpuPct,
      window: r.window,
    };
  },
  teardown: stopServer,
};
