/**
 * As many idle connections as one server process can hold (100,000 wanted), opened from several
 * client processes (over loopback source addresses 127.0.0.2, .3, ... once one address has too
 * few ports): how far it gets and why it stops, the time to open them all, and RSS and heap per
 * connection.
 */
import { IdleFleet, planFleet } from '../load/idle-fleet';
import { idleTarget } from '../lib/idle-plan';
import { sleep } from '../load/window';
import { startServer, stopServer, type ServerEnv } from './server-env';
import type { RunOptions, Scenario } from './types';

const FILES = { raw: 'bare-net-idle.ts', ws: 'ws-echo.ts', rxws: 'rxws-echo.ts' } as const;
const WANTED = 100_000;
const QUICK_WANTED = 3_000;
/** Connections per client process: well under its descriptor limit and one source address's ports. */
const PER_CLIENT_PROCESS = 10_000;
/** Handshakes in flight per client process while opening. */
const CONCURRENCY = 100;

interface Mem {
  rss: number;
  heapUsed: number;
}

async function gcAndMeasure(env: ServerEnv): Promise<Mem> {
  const reply = await env.child.request('gc', {}, 60_000);
  if (!reply['ran']) throw new Error('server has no gc(); was it started with --expose-gc?');
  return reply['mem'] as Mem;
}

/** The count this run aims for, and what capped it (the server's descriptor limit, on most machines). */
export function idleMaxTarget(o: RunOptions): ReturnType<typeof idleTarget> {
  return idleTarget(o.quick ? QUICK_WANTED : WANTED, o.fdHard);
}

export const idleMaxScenario: Scenario<ServerEnv> = {
  name: 'idle-max',
  title: 'Idle connections on one server process, as many as it can hold',
  description:
    `${WANTED.toLocaleString('en-US')} idle connections wanted (--quick: ${QUICK_WANTED.toLocaleString('en-US')}) on one server process, ` +
    'capped by the file-descriptor hard limit a process cannot raise (the server runs with its soft limit raised to it). ' +
    `Client processes of at most ${PER_CLIENT_PROCESS.toLocaleString('en-US')} connections each connect from 127.0.0.1, or, when the count passes ` +
    'the ephemeral ports of one source address, each from its own 127.0.0.2, 127.0.0.3, ... ' +
    `(${CONCURRENCY} handshakes in flight per process). The server runs with --expose-gc and reports process.memoryUsage() after GC ` +
    'before and after; per-connection figures are (after − before) / connections reached. open s is the wall time to open them all. ' +
    'raw is the floor: a plain `net` server that writes a canned 101 and then only reads and discards.',
  implementations: ['raw', 'ws', 'rxws'],
  metrics: [
    { key: 'rssPerConn', label: 'RSS B/conn', digits: 0, better: 'lower' },
    { key: 'heapPerConn', label: 'heap B/conn', digits: 0, better: 'lower' },
    { key: 'connections', label: 'conns reached', digits: 0, better: 'higher' },
    { key: 'openSeconds', label: 'open s', digits: 2, better: 'lower' },
    { key: 'rssMiB', label: 'RSS MiB', digits: 1, better: 'lower' },
  ],
  cases: (o) => {
    const t = idleMaxTarget(o);
    return [
      {
        id: `n${t.connections}`,
        label: `${t.connections.toLocaleString('en-US')} idle${t.cappedBy ? ' (fd cap)' : ''}`,
        params: { connections: t.connections },
      },
    ];
  },
  rounds: (o) => Math.max(1, Math.min(o.rounds, o.quick ? 1 : 2)),
  setup: (impl, o) => startServer(impl, FILES[impl], { nodeFlags: ['--expose-gc'], fdLimit: o.fdHard }),
  measure: async (env, c) => {
    const n = c.params['connections']!;
    const fleet = await IdleFleet.start(planFleet(n, PER_CLIENT_PROCESS));
    try {
      const before = await gcAndMeasure(env);
      const opened = await fleet.open(env.port, CONCURRENCY, 300_000);
      if (opened.opened === 0) throw new Error(`no connection opened: ${opened.failure}`);
      await sleep(500); // let the server finish whatever it does after a handshake
      const after = await gcAndMeasure(env);
      if (opened.failure) console.log(`  ${env.impl}: reached ${opened.opened} of ${n}: ${opened.failure}`);
      return {
        rssPerConn: (after.rss - before.rss) / opened.opened,
        heapPerConn: (after.heapUsed - before.heapUsed) / opened.opened,
        connections: opened.opened,
        openSeconds: opened.seconds,
        rssMiB: after.rss / 1048576,
      };
    } finally {
      await fleet.stop();
    }
  },
  teardown: stopServer,
};
