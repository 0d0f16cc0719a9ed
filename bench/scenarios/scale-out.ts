/**
 * Scale-out: topics across servers. `scale-out`: one publisher on server A, 1,000 subscribers split
 * over servers A and B, 64 B messages through Redis, rxws (`redisBus`) against socket.io 4 with
 * @socket.io/redis-adapter. `cores`: the same load on one port, served by one rxws process or by
 * two node:cluster workers sharing topics over `clusterBus()`. Each starts its own redis-server
 * (persistence off) and server processes; run alone with `npx tsx bench/run.ts --only scale-out,cores`.
 */
import { startChild, type Child } from '../lib/child';
import { runScaleOutLoad } from '../load/scale-out-load';
import { RedisServer } from '../../spec/helpers/redis-server';
import { SkipImplementation, ms, type CaseDef, type MetricDef, type RunOptions, type Scenario } from './types';

const SUBSCRIBERS = 1000;
const PAYLOAD_BYTES = 64;
const WINDOW = 32;
const SAMPLED = 20;
/** The paced case: a rate both implementations sustain on this machine, so latency is the path's. */
const PACED_PER_SEC = 10;
const PACED_SAMPLED = 100;

const METRICS: MetricDef[] = [
  { key: 'deliveriesPerSec', label: 'deliveries/s', digits: 0, better: 'higher' },
  { key: 'p50Ms', label: 'p50 ms', digits: 2, better: 'lower' },
  { key: 'p99Ms', label: 'p99 ms', digits: 2, better: 'lower' },
  { key: 'serverCpuPct', label: 'servers CPU %', digits: 0, better: 'lower' },
  { key: 'deliveriesPerCpuSec', label: 'deliveries per server CPU-s', digits: 0, better: 'higher' },
  { key: 'clientCpuPct', label: 'gen CPU %', digits: 0, better: 'lower' },
];

/** CPU time (µs) used so far by the server processes (for a cluster, the primary only). */
async function serversCpu(children: Child[]): Promise<number> {
  const replies = await Promise.all(children.map((c) => c.request('usage')));
  return replies.reduce((sum, r) => sum + (r['cpu'] as { user: number; system: number }).user + (r['cpu'] as { user: number; system: number }).system, 0);
}

interface Env {
  redis: RedisServer | undefined;
  children: Child[];
  ports: Record<string, number[]>;
}

async function start(file: string, args: string[]): Promise<{ child: Child; port: number }> {
  try {
    const { child, first } = await startChild(`servers/${file}`, args, { readyTimeoutMs: 30_000 });
    return { child, port: first['port'] as number };
  } catch (err) {
    throw new SkipImplementation(`${file} did not start: ${(err as Error).message}`);
  }
}

async function teardown(env: Env): Promise<void> {
  await Promise.all(env.children.map((c) => c.stop()));
  await env.redis?.dispose();
}

async function measure(dialect: 'ws' | 'socketio', ports: number[], children: Child[] | undefined, o: RunOptions, paced = false) {
  const r = await runScaleOutLoad({
    ...(children ? { serverCpu: () => serversCpu(children) } : {}),
    ...(paced ? { ratePerSec: PACED_PER_SEC } : {}),
    dialect,
    publisherPort: ports[0]!,
    subscriberPorts: ports,
    subscribers: SUBSCRIBERS,
    payloadBytes: PAYLOAD_BYTES,
    window: WINDOW,
    warmupMs: ms(o.warmupSeconds),
    sampled: paced ? PACED_SAMPLED : SAMPLED,
    // A paced sample needs time for enough messages: at least 3 s.
    measureMs: paced ? Math.max(3000, ms(o.seconds)) : ms(o.seconds),
  });
  // Work per CPU-second of the servers: less skewed than wall-clock rates by other load on the machine.
  return { ...r, deliveriesPerCpuSec: r.deliveriesPerSec / (r.serverCpuPct / 100) };
}

export const scaleOutScenario: Scenario<Env, 'rxws' | 'socketio'> = {
  name: 'scale-out',
  title: 'Scale-out over Redis: two servers, one topic',
  description:
    `One publisher on server A and ${SUBSCRIBERS.toLocaleString('en-US')} subscribers split evenly over servers A and B (separate processes), ` +
    `${PAYLOAD_BYTES} B text messages; every message reaches B through a local redis-server. rxws: \`topic.publish(m, { except })\` with ` +
    "`redisBus`; socket.io 4: `socket.to('room').emit(...)` with @socket.io/redis-adapter, WebSocket transport only. " +
    `Saturated: the publisher keeps at most ${WINDOW} messages undelivered, so its latency is mostly queueing (window ÷ rate); ` +
    `paced: ${PACED_PER_SEC} messages/s, which both sustain, so latency is the path's. Latency is publish-to-delivery on sampled ` +
    `subscribers (${SAMPLED} saturated, ${PACED_SAMPLED} paced, spread evenly over both servers). ` +
    'The × socketio columns divide by the same round\'s socket.io figure (for p99, lower is better).',
  implementations: ['rxws', 'socketio'],
  metrics: METRICS,
  ratios: { against: 'socketio', metrics: ['deliveriesPerSec', 'p99Ms', 'deliveriesPerCpuSec'] },
  cases: () => [
    { id: 'saturated', label: `saturated, A+B × ${SUBSCRIBERS.toLocaleString('en-US')} × ${PAYLOAD_BYTES} B`, params: { paced: 0 } },
    { id: 'paced', label: `${PACED_PER_SEC} msg/s, A+B × ${SUBSCRIBERS.toLocaleString('en-US')} × ${PAYLOAD_BYTES} B`, params: { paced: 1 } },
  ],
  setup: async (impl) => {
    const redis = await RedisServer.start();
    const env: Env = { redis, children: [], ports: {} };
    try {
      const file = impl === 'rxws' ? 'rxws-scale-out.ts' : 'socketio-scale-out.ts';
      const started = await Promise.all([0, 1].map(() => start(file, ['--redis', redis.url])));
      env.children.push(...started.map((s) => s.child));
      env.ports['servers'] = started.map((s) => s.port);
      return env;
    } catch (err) {
      await teardown(env);
      throw err;
    }
  },
  measure: (env, c: CaseDef, impl, o) => measure(impl === 'rxws' ? 'ws' : 'socketio', env.ports['servers']!, env.children, o, c.params['paced'] === 1),
  teardown,
};

export const coresScenario: Scenario<Env, 'rxws'> = {
  name: 'cores',
  title: 'One box: one process against two cluster workers',
  description:
    `The same load (one publisher, ${SUBSCRIBERS.toLocaleString('en-US')} subscribers, ${PAYLOAD_BYTES} B) on one port, served by one rxws ` +
    'process, or by two node:cluster workers sharing the port and the topic through `clusterBus()` (no Redis). The load generator ' +
    'runs on the same machine and competes for its cores.',
  implementations: ['rxws'],
  metrics: METRICS,
  cases: () => [
    { id: 'single', label: '1 process', params: {} },
    { id: 'cluster-2', label: '2 cluster workers', params: {} },
  ],
  setup: async () => {
    const env: Env = { redis: undefined, children: [], ports: {} };
    try {
      const single = await start('rxws-scale-out.ts', []);
      env.children.push(single.child);
      const workers = await start('rxws-scale-out.ts', ['--cluster', '2']);
      env.children.push(workers.child);
      env.ports = { single: [single.port], 'cluster-2': [workers.port] };
      return env;
    } catch (err) {
      await teardown(env);
      throw err;
    }
  },
  // A cluster primary's CPU does not include its workers': no CPU figures here.
  measure: (env, c, _impl, o) => measure('ws', env.ports[c.id]!, undefined, o),
  teardown,
};
