/** Many small topics: 10,000 connections in 1,000 topics of 10, a publisher per topic; rxws vs ws. */
import { runTopicLoad } from '../load/topic-load';
import { startServer, stopServer, type ServerEnv } from './server-env';
import { ms, type RunOptions, type Scenario } from './types';

const FILES = { ws: 'ws-topics.ts', rxws: 'rxws-topics.ts' } as const;
const MEMBERS = 10;
const TOPICS = 1000;
const FD_MARGIN = 256;

/** As many topics of 10 as the runner's file-descriptor limit allows, up to 1,000. */
function topicsFor(o: RunOptions): number {
  const fit = Number.isFinite(o.fdSoft) ? Math.floor((o.fdSoft - FD_MARGIN) / MEMBERS) : TOPICS;
  return Math.max(1, Math.min(TOPICS, fit));
}

export const topicRoomsScenario: Scenario<ServerEnv> = {
  name: 'topic-rooms',
  title: 'Many small topics',
  description:
    `${TOPICS.toLocaleString('en-US')} topics of ${MEMBERS} connections each (${(TOPICS * MEMBERS).toLocaleString('en-US')} ` +
    'connections, fewer if the file-descriptor limit is lower), each connected to `/room/<topic>`; the first member of ' +
    'every topic publishes 64-byte messages, which the server sends to every member of that topic, publisher ' +
    'included. rxws joins `server.topic(conn.request.params.name)` and calls `topic.publish`; ws keeps the usual ' +
    '`Map<topic, Set<socket>>` and loops over the set calling `send`. Each publisher keeps at most 32 messages ' +
    'undelivered over its topic. Deliveries/s counts frames received over all connections.',
  implementations: ['ws', 'rxws'],
  metrics: [
    { key: 'deliveriesPerSec', label: 'deliveries/s', digits: 0, better: 'higher' },
    { key: 'serverCpuPct', label: 'server CPU %', digits: 0, better: 'lower' },
    { key: 'clientCpuPct', label: 'gen CPU %', digits: 0, better: 'lower' },
    { key: 'connections', label: 'connections', digits: 0, better: 'higher' },
  ],
  cases: (o) => {
    const topics = topicsFor(o);
    return [{ id: `t${topics}-m${MEMBERS}-p64`, label: `${topics.toLocaleString('en-US')} × ${MEMBERS} × 64 B`, params: { topics, payloadBytes: 64 } }];
  },
  setup: (impl, o) =>
    startServer(impl, FILES[impl as keyof typeof FILES], {
      fdLimit: o.fdSoft < topicsFor(o) * MEMBERS + FD_MARGIN ? o.fdHard : undefined,
    }),
  measure: async (env, c, _impl, o) => {
    const topics = c.params['topics']!;
    const r = await runTopicLoad({
      port: env.port,
      groups: topics,
      membersPerGroup: MEMBERS,
      pathOf: (group) => `/room/t${group}`,
      payloadBytes: c.params['payloadBytes']!,
      window: 32,
      warmupMs: ms(o.warmupSeconds),
      measureMs: ms(o.seconds),
      // A server this loaded can take seconds to answer over IPC (ws does here): wait for it
      // rather than lose the sample. Its CPU figure then covers more than the window.
      serverCpu: async () => {
        const reply = await env.child.request('usage', {}, 60_000);
        const cpu = reply['cpu'] as { user: number; system: number };
        return cpu.user + cpu.system;
      },
    });
    return {
      deliveriesPerSec: r.messages / r.seconds,
      serverCpuPct: r.serverCpuPct,
      clientCpuPct: r.clientCpuPct,
      connections: topics * MEMBERS,
    };
  },
  teardown: stopServer,
};
