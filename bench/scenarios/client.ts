/**
 * Client throughput: the rxws client and the ws client against the same fast raw WebSocket echo,
 * with the raw generator as the ceiling. Each client runs in a process of its own.
 */
import { startChild } from '../lib/child';
import { defaultWindow, runEchoLoad } from '../load/echo-load';
import { startServer, stopServer, type ServerEnv } from './server-env';
import { SkipImplementation, ms, type Scenario } from './types';

const CLIENT_FILES = { ws: 'clients/ws-client.ts', rxws: 'clients/rxws-client.ts' } as const;

export const clientScenario: Scenario<ServerEnv> = {
  name: 'client',
  title: 'Client throughput',
  description:
    'One connection to a fast raw-net WebSocket echo (unmasks in place). The ws and rxws clients ' +
    'keep the same number of messages in flight as the raw generator (64, or 4 MiB worth), sending ' +
    'one more per reply; raw is the pipelining generator itself, the ceiling. gen CPU is the ' +
    'client process.',
  implementations: ['raw', 'ws', 'rxws'],
  metrics: [
    { key: 'msgsPerSec', label: 'msgs/s', digits: 0, better: 'higher' },
    { key: 'mbPerSec', label: 'MB/s', digits: 1, better: 'higher' },
    { key: 'clientCpuPct', label: 'client CPU %', digits: 0, better: 'lower' },
  ],
  cases: () =>
    [
      ['32 B', 32],
      ['64 KiB', 64 * 1024],
    ].map(([label, payloadBytes]) => ({
      id: `p${payloadBytes}`,
      label: `1 conn × ${label}`,
      params: { payloadBytes: payloadBytes as number },
    })),
  setup: (impl) => startServer(impl, 'raw-ws-echo.ts'),
  measure: async (env, c, impl, o) => {
    const payloadBytes = c.params['payloadBytes']!;
    const window = defaultWindow(payloadBytes, 1);
    if (impl === 'raw') {
      const r = await runEchoLoad({
        port: env.port,
        connections: 1,
        payloadBytes,
        window,
        warmupMs: ms(o.warmupSeconds),
        measureMs: ms(o.seconds),
      });
      return { msgsPerSec: r.messages / r.seconds, mbPerSec: r.bytes / r.seconds / 1e6, clientCpuPct: r.clientCpuPct };
    }
    const job = {
      url: `ws://127.0.0.1:${env.port}/`,
      payloadBytes,
      window,
      warmupMs: ms(o.warmupSeconds),
      measureMs: ms(o.seconds),
    };
    let result;
    try {
      result = await startChild(CLIENT_FILES[impl], [JSON.stringify(job)], { readyTimeoutMs: 30_000 + job.warmupMs + job.measureMs });
    } catch (err) {
      throw new SkipImplementation(`${CLIENT_FILES[impl]} failed: ${(err as Error).message}`);
    }
    await result.child.stop();
    const r = result.first as unknown as { seconds: number; messages: number; bytes: number; clientCpuPct: number };
    return { msgsPerSec: r.messages / r.seconds, mbPerSec: r.bytes / r.seconds / 1e6, clientCpuPct: r.clientCpuPct };
  },
  teardown: stopServer,
};
