/** Broadcast fan-out: one publisher, 1,000 subscribers, 64-byte messages. */
import { runBroadcastLoad } from '../load/broadcast-load';
import { startServer, stopServer, type ServerEnv } from './server-env';
import { ms, type Scenario } from './types';

const FILES = { raw: 'raw-net-broadcast.ts', ws: 'ws-broadcast.ts', rxws: 'rxws-broadcast.ts' } as const;
const SUBSCRIBERS = 1000;

export const broadcastScenario: Scenario<ServerEnv> = {
  name: 'broadcast',
  title: 'Broadcast fan-out',
  description:
    `${SUBSCRIBERS.toLocaleString('en-US')} subscriber connections and one publisher; the server sends every message the ` +
    'publisher sends to every open connection (publisher included): ws loops over its clients and ' +
    'sends, rxws calls route.broadcast, raw net writes the same unmasked frame bytes to every socket. ' +
    'The publisher keeps at most 32 messages undelivered. Deliveries/s counts frames received over all connections.',
  implementations: ['raw', 'ws', 'rxws'],
  metrics: [
    { key: 'deliveriesPerSec', label: 'deliveries/s', digits: 0, better: 'higher' },
    { key: 'msgsPerSec', label: 'published msgs/s', digits: 0, better: 'higher' },
    { key: 'serverCpuPct', label: 'server CPU %', digits: 0, better: 'lower' },
    { key: 'clientCpuPct', label: 'gen CPU %', digits: 0, better: 'lower' },
  ],
  cases: () => [{ id: `s${SUBSCRIBERS}-p64`, label: `1 → ${SUBSCRIBERS.toLocaleString('en-US')} × 64 B`, params: { subscribers: SUBSCRIBERS, payloadBytes: 64 } }],
  setup: (impl) => startServer(impl, FILES[impl]),
  measure: async (env, c, _impl, o) => {
    const subscribers = c.params['subscribers']!;
    const r = await runBroadcastLoad({
      port: env.port,
      subscribers,
      payloadBytes: c.params['payloadBytes']!,
      window: 32,
      warmupMs: ms(o.warmupSeconds),
      measureMs: ms(o.seconds),
      serverCpu: env.cpu,
    });
    const deliveriesPerSec = r.messages / r.seconds;
    return {
      deliveriesPerSec,
      msgsPerSec: deliveriesPerSec / (subscribers + 1),
      serverCpuPct: r.serverCpuPct,
      clientCpuPct: r.clientCpuPct,
    };
  },
  teardown: stopServer,
};
