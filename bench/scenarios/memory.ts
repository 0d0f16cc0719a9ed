/** Server memory per idle connection: RSS and heap after GC, before and after opening N connections. */
import { closeAll, rawConnectMany } from '../load/raw-connect';
import { sleep } from '../load/window';
import { startServer, stopServer, type ServerEnv } from './server-env';
import type { Scenario } from './types';

// raw is the floor: a plain `net` socket that got a canned 101 and only reads (the echo server's
// pipe() alone would add about 1.5 KB of listeners and closures per connection).
const FILES = { raw: 'bare-net-idle.ts', ws: 'ws-echo.ts', rxws: 'rxws-echo.ts' } as const;

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
}

async function gcAndMeasure(env: ServerEnv): Promise<Mem> {
  const reply = await env.child.request('gc', {}, 30_000);
  if (!reply['ran']) throw new Error('server has no gc(); was it started with --expose-gc?');
  return reply['mem'] as Mem;
}

export const memoryScenario: Scenario<ServerEnv> = {
  name: 'memory',
  title: 'Server memory per idle connection',
  description:
    'The server runs with --expose-gc; the runner asks it over IPC to collect garbage and report ' +
    'process.memoryUsage() before and after opening the idle connections (handshake done, nothing ' +
    'sent). Figures are (after − before) / connections, in bytes. external includes array buffers. ' +
    'raw is the floor: a plain `net` server that writes a canned 101 and then only reads and discards.',
  implementations: ['raw', 'ws', 'rxws'],
  metrics: [
    { key: 'rssPerConn', label: 'RSS B/conn', digits: 0, better: 'lower' },
    { key: 'heapPerConn', label: 'heap B/conn', digits: 0, better: 'lower' },
    { key: 'externalPerConn', label: 'external B/conn', digits: 0, better: 'lower' },
    { key: 'baselineRssMiB', label: 'RSS before MiB', digits: 1, better: 'lower' },
    { key: 'openSeconds', label: 'open s', digits: 2, better: 'lower' },
  ],
  cases: (o) => [
    {
      id: `n${o.memoryConnections}`,
      label: `${o.memoryConnections.toLocaleString('en-US')} idle conns`,
      params: { connections: o.memoryConnections },
    },
  ],
  rounds: (o) => Math.max(1, Math.min(o.rounds, o.quick ? 1 : 3)),
  setup: (impl, o) =>
    startServer(impl, FILES[impl], {
      nodeFlags: ['--expose-gc'],
      // The server needs one fd per connection plus its own; raise its soft limit when the hard one allows.
      fdLimit: o.fdSoft < o.memoryConnections + 256 ? o.fdHard : undefined,
    }),
  measure: async (env, c) => {
    const n = c.params['connections']!;
    const before = await gcAndMeasure(env);
    const t0 = process.hrtime.bigint();
    const opened = await rawConnectMany(env.port, n, 100);
    const openSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    try {
      await sleep(300); // let the server finish whatever it does after a handshake
      const after = await gcAndMeasure(env);
      return {
        rssPerConn: (after.rss - before.rss) / n,
        heapPerConn: (after.heapUsed - before.heapUsed) / n,
        externalPerConn: (after.external - before.external) / n,
        baselineRssMiB: before.rss / 1048576,
        openSeconds,
      };
    } finally {
      await closeAll(opened.map((x) => x.socket), 10_000);
    }
  },
  teardown: stopServer,
};
