/**
 * A reconnect storm: every client drops its connection at once and reconnects. How long until all
 * are open again, and the server's peak RSS meanwhile.
 */
import { IdleFleet, planFleet } from '../load/idle-fleet';
import { sleep } from '../load/window';
import { startServer, stopServer, type ServerEnv } from './server-env';
import { SkipImplementation, type Scenario } from './types';

const FILES = { raw: 'bare-net-idle.ts', ws: 'ws-echo.ts', rxws: 'rxws-echo.ts' } as const;
const CLIENTS = 10_000;
const QUICK_CLIENTS = 1_000;
const PER_CLIENT_PROCESS = 5_000;
/**
 * Handshakes in flight per client process. The servers listen with a backlog of 511: past it the
 * kernel drops SYNs and TCP's retry timer (1 s, then 3 s) would set the time, not the server.
 */
const IN_FLIGHT = 128;
const MiB = 1048576;

export const reconnectStormScenario: Scenario<ServerEnv> = {
  name: 'reconnect-storm',
  title: 'Reconnect storm',
  description:
    `${CLIENTS.toLocaleString('en-US')} idle clients (--quick: ${QUICK_CLIENTS.toLocaleString('en-US')}) in processes of ${PER_CLIENT_PROCESS.toLocaleString('en-US')}, ` +
    'drop their connections at once (the server sees them all close) and reconnect straight away, ' +
    `${IN_FLIGHT} handshakes in flight per process (more would overflow the servers' 511-deep accept queue, and TCP's SYN retry timer would set the time). ` +
    'storm s: from the drop to the last connection open again. Peak RSS is the server\'s VmHWM over the storm (reset through /proc/self/clear_refs just before); ' +
    'growth is the peak less the RSS before the storm. raw answers a canned 101 on plain `net` without reading the request.',
  implementations: ['raw', 'ws', 'rxws'],
  metrics: [
    { key: 'stormSeconds', label: 'storm s', digits: 2, better: 'lower' },
    { key: 'reconnectsPerSec', label: 'reconnects/s', digits: 0, better: 'higher' },
    { key: 'peakRssMiB', label: 'peak RSS MiB', digits: 1, better: 'lower' },
    { key: 'growthMiB', label: 'growth MiB', digits: 1, better: 'lower' },
    { key: 'rssBeforeMiB', label: 'RSS before MiB', digits: 1, better: 'lower' },
  ],
  cases: (o) => {
    const n = o.quick ? QUICK_CLIENTS : CLIENTS;
    return [{ id: `n${n}`, label: `${n.toLocaleString('en-US')} clients`, params: { clients: n } }];
  },
  rounds: (o) => Math.max(1, Math.min(o.rounds, o.quick ? 1 : 3)),
  setup: (impl, o) => {
    const n = o.quick ? QUICK_CLIENTS : CLIENTS;
    if (o.fdHard < n + 256) throw new SkipImplementation(`needs ${n + 256} file descriptors; the hard limit is ${o.fdHard}`);
    return startServer(impl, FILES[impl], { fdLimit: n + 256 });
  },
  measure: async (env, c) => {
    const n = c.params['clients']!;
    const fleet = await IdleFleet.start(planFleet(n, PER_CLIENT_PROCESS));
    try {
      const opened = await fleet.open(env.port, IN_FLIGHT, 120_000);
      if (opened.opened < n) throw new Error(`opened ${opened.opened} of ${n} before the storm: ${opened.failure}`);
      await sleep(300);
      const before = await env.child.request('rss-peak-reset');
      const storm = await fleet.storm(IN_FLIGHT, 120_000);
      const peak = await env.child.request('rss-peak');
      if (storm.opened < n) throw new Error(`reopened ${storm.opened} of ${n}: ${storm.failure}`);
      return {
        stormSeconds: storm.seconds,
        reconnectsPerSec: n / storm.seconds,
        peakRssMiB: (peak['peak'] as number) / MiB,
        growthMiB: ((peak['peak'] as number) - (before['rss'] as number)) / MiB,
        rssBeforeMiB: (before['rss'] as number) / MiB,
      };
    } finally {
      await fleet.stop();
    }
  },
  teardown: stopServer,
};
