/** Handshakes per second: connect, upgrade, close. */
import { runHandshakeLoad } from '../load/handshake-load';
import { startServer, stopServer, type ServerEnv } from './server-env';
import { ms, type Scenario } from './types';

const FILES = { raw: 'raw-net-handshake.ts', ws: 'ws-echo.ts', rxws: 'rxws-echo.ts' } as const;
const CONCURRENCY = 32;

export const handshakeScenario: Scenario<ServerEnv> = {
  name: 'handshake',
  title: 'Handshakes per second',
  description:
    `${CONCURRENCY} concurrent loops of: TCP connect, prebuilt upgrade request, wait for the 101, send a ` +
    'masked close frame, wait for the connection to end. raw net answers a canned 101 and closes ' +
    'without looking at the request. At most 20,000 handshakes per sample (ephemeral ports).',
  implementations: ['raw', 'ws', 'rxws'],
  metrics: [
    { key: 'handshakesPerSec', label: 'handshakes/s', digits: 0, better: 'higher' },
    { key: 'errors', label: 'failed', digits: 0, better: 'lower' },
    { key: 'serverCpuPct', label: 'server CPU %', digits: 0, better: 'lower' },
    { key: 'clientCpuPct', label: 'gen CPU %', digits: 0, better: 'lower' },
  ],
  cases: () => [{ id: `c${CONCURRENCY}`, label: `${CONCURRENCY} concurrent`, params: { concurrency: CONCURRENCY } }],
  setup: (impl) => startServer(impl, FILES[impl]),
  measure: async (env, c, _impl, o) => {
    const r = await runHandshakeLoad({
      port: env.port,
      concurrency: c.params['concurrency']!,
      warmupMs: ms(o.warmupSeconds),
      measureMs: ms(o.seconds),
      serverCpu: env.cpu,
    });
    return {
      handshakesPerSec: r.handshakes / r.seconds,
      errors: r.errors,
      serverCpuPct: r.serverCpuPct,
      clientCpuPct: r.clientCpuPct,
    };
  },
  teardown: stopServer,
};
