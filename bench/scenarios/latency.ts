/** Round-trip latency of a 32-byte message on one connection, one in flight at a time. */
import { runLatency } from '../load/latency-load';
import { startServer, stopServer, type ServerEnv } from './server-env';
import { ms, type Scenario } from './types';

const FILES = { raw: 'raw-net-echo.ts', ws: 'ws-echo.ts', rxws: 'rxws-echo.ts' } as const;

export const latencyScenario: Scenario<ServerEnv> = {
  name: 'latency',
  title: 'Round-trip latency',
  description:
    'One connection, one 32-byte binary message in flight: send, wait for the echo, send again. ' +
    'Percentiles of all round trips in the measured window, in microseconds.',
  implementations: ['raw', 'ws', 'rxws'],
  metrics: [
    { key: 'p50Us', label: 'p50 µs', digits: 1, better: 'lower' },
    { key: 'p99Us', label: 'p99 µs', digits: 1, better: 'lower' },
    { key: 'samples', label: 'round trips', digits: 0, better: 'higher' },
  ],
  cases: () => [{ id: 'p32', label: '1 conn × 32 B', params: { payloadBytes: 32 } }],
  setup: (impl) => startServer(impl, FILES[impl]),
  measure: async (env, c, _impl, o) => {
    const r = await runLatency({
      port: env.port,
      payloadBytes: c.params['payloadBytes']!,
      warmupMs: ms(o.warmupSeconds),
      measureMs: ms(o.seconds),
    });
    return { p50Us: r.p50Us, p99Us: r.p99Us, samples: r.samples };
  },
  teardown: stopServer,
};
