/** Cost follows a topic's members: a topic of 10 with 10,000 idle connections beside it, or none. */
import { rawConnectMany, closeAll } from '../load/raw-connect';
import { openTopicLoad } from '../load/topic-load';
import { sleep } from '../load/window';
import { startServer, stopServer, type ServerEnv } from './server-env';
import { ms, type RunOptions, type Scenario } from './types';

const MEMBERS = 10;
const IDLE = 10_000;
const FD_MARGIN = 256;

function idleFor(o: RunOptions): number {
  const fit = Number.isFinite(o.fdSoft) ? o.fdSoft - FD_MARGIN - MEMBERS : IDLE;
  return Math.max(0, Math.min(IDLE, fit));
}

export const topicIdleScenario: Scenario<ServerEnv> = {
  name: 'topic-idle',
  title: 'Publishing cost vs idle connections',
  description:
    `One topic of ${MEMBERS} connections whose first member publishes 64-byte messages (32 undelivered at most), ` +
    `measured with no other connection on the server (after a first, discarded window: JIT warm-up), then with ` +
    `${IDLE.toLocaleString('en-US')} idle connections open beside it (not members; measured once the server has ` +
    'settled after their handshakes). "× none" is the deliveries/s with idle connections over those without: the cost ' +
    'of a publish follows the topic\'s members, not the server\'s connections.',
  implementations: ['rxws'],
  metrics: [
    { key: 'deliveriesPerSec', label: 'deliveries/s with idle', digits: 0, better: 'higher' },
    { key: 'noIdleDeliveriesPerSec', label: 'deliveries/s, none idle', digits: 0, better: 'higher' },
    { key: 'vsNoIdle', label: '× none', digits: 2, better: 'higher' },
    { key: 'serverCpuPct', label: 'server CPU % with idle', digits: 0, better: 'lower' },
    { key: 'idle', label: 'idle conns', digits: 0, better: 'higher' },
  ],
  cases: (o) => {
    const idle = idleFor(o);
    return [{ id: `m${MEMBERS}-i${idle}`, label: `${MEMBERS} members, ${idle.toLocaleString('en-US')} idle`, params: { idle } }];
  },
  setup: (impl, o) => startServer(impl, 'rxws-topics.ts', { fdLimit: o.fdSoft < IDLE + FD_MARGIN ? o.fdHard : undefined }),
  measure: async (env, c, _impl, o) => {
    const load = await openTopicLoad({ port: env.port, groups: 1, membersPerGroup: MEMBERS, pathOf: () => '/room/measured', payloadBytes: 64, window: 32 });
    try {
      const window = () => load.measure(ms(o.warmupSeconds), ms(o.seconds), env.cpu);
      await window();
      const before = await window();
      const idle = await rawConnectMany(env.port, c.params['idle']!, 100, '/');
      let withIdle;
      try {
        // The server finishes 10,000 handshakes (and their first reads) before the window opens.
        await sleep(1000);
        withIdle = await window();
      } finally {
        await closeAll(idle.map((x) => x.socket), 10_000);
      }
      const none = before.messages / before.seconds;
      const deliveriesPerSec = withIdle.messages / withIdle.seconds;
      return {
        deliveriesPerSec,
        noIdleDeliveriesPerSec: none,
        vsNoIdle: deliveriesPerSec / none,
        serverCpuPct: withIdle.serverCpuPct,
        idle: idle.length,
      };
    } finally {
      await load.close();
    }
  },
  teardown: stopServer,
};
