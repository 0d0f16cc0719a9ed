/** Topic fan-out against route.broadcast: 1 topic × 1,000 members, 64-byte messages. */
import { runTopicLoad } from '../load/topic-load';
import { startServer, stopServer, type ServerEnv } from './server-env';
import { ms, type Scenario } from './types';

const SUBSCRIBERS = 1000;

/** The same load against two rxws servers: topics, and the route.broadcast one. */
interface FanoutEnv {
  topic: ServerEnv;
  broadcast: ServerEnv;
  round: number;
}

export const topicFanoutScenario: Scenario<FanoutEnv> = {
  name: 'topic-fanout',
  title: 'Topic fan-out vs route.broadcast',
  description:
    `One topic of ${SUBSCRIBERS.toLocaleString('en-US')} subscriber connections plus its publisher (all on \`/room/all\`), ` +
    'publishing 64-byte messages to every member, publisher included: `topic.publish` on the rxws topics server, and ' +
    '`route.broadcast` on the rxws broadcast server (the same load as the broadcast scenario). Both are measured in ' +
    'the same round, alternating which goes first; "× broadcast" is topic deliveries/s over broadcast deliveries/s ' +
    'of that round. The publisher keeps at most 32 messages undelivered.',
  implementations: ['rxws'],
  metrics: [
    { key: 'deliveriesPerSec', label: 'topic deliveries/s', digits: 0, better: 'higher' },
    { key: 'broadcastDeliveriesPerSec', label: 'broadcast deliveries/s', digits: 0, better: 'higher' },
    { key: 'vsBroadcast', label: '× broadcast', digits: 2, better: 'higher' },
    { key: 'serverCpuPct', label: 'topic server CPU %', digits: 0, better: 'lower' },
    { key: 'broadcastServerCpuPct', label: 'broadcast server CPU %', digits: 0, better: 'lower' },
  ],
  cases: () => [{ id: `s${SUBSCRIBERS}-p64`, label: `1 → ${SUBSCRIBERS.toLocaleString('en-US')} × 64 B`, params: { subscribers: SUBSCRIBERS, payloadBytes: 64 } }],
  setup: async (impl) => {
    const topic = await startServer(impl, 'rxws-topics.ts');
    try {
      return { topic, broadcast: await startServer(impl, 'rxws-broadcast.ts'), round: 0 };
    } catch (err) {
      await stopServer(topic);
      throw err;
    }
  },
  measure: async (env, c, _impl, o) => {
    const run = (server: ServerEnv) =>
      runTopicLoad({
        port: server.port,
        groups: 1,
        membersPerGroup: c.params['subscribers']! + 1,
        pathOf: () => '/room/all',
        payloadBytes: c.params['payloadBytes']!,
        window: 32,
        warmupMs: ms(o.warmupSeconds),
        measureMs: ms(o.seconds),
        serverCpu: server.cpu,
      });
    const topicFirst = env.round++ % 2 === 0;
    const first = await run(topicFirst ? env.topic : env.broadcast);
    const second = await run(topicFirst ? env.broadcast : env.topic);
    const [topic, broadcast] = topicFirst ? [first, second] : [second, first];
    const deliveriesPerSec = topic.messages / topic.seconds;
    const broadcastDeliveriesPerSec = broadcast.messages / broadcast.seconds;
    return {
      deliveriesPerSec,
      broadcastDeliveriesPerSec,
      vsBroadcast: deliveriesPerSec / broadcastDeliveriesPerSec,
      serverCpuPct: topic.serverCpuPct,
      broadcastServerCpuPct: broadcast.serverCpuPct,
    };
  },
  teardown: async (env) => {
    await Promise.all([stopServer(env.topic), stopServer(env.broadcast)]);
  },
};
