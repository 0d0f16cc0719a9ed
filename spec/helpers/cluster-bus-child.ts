// Run by spec/bus/cluster-bus.spec.ts: a node:cluster primary running the bus relay, whose
// workers each hold a clusterBus and do what the spec asks through the primary.
import cluster, { type Worker } from 'node:cluster';
import type { Bus } from '../../src/bus/bus';
import { clusterBus, clusterBusRelay } from '../../src/bus/cluster-bus';
import { serveRequests } from './ipc-child';

interface Command {
  testCmd: number;
  [key: string]: unknown;
}

if (cluster.isPrimary) {
  clusterBusRelay();
  const workers: Worker[] = [];
  let nextCmd = 1;
  const waiting = new Map<number, (reply: Record<string, unknown>) => void>();
  const toWorker = (worker: Worker, body: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const testCmd = nextCmd++;
      waiting.set(testCmd, resolve);
      worker.send({ ...body, testCmd });
    });
  cluster.on('message', (_worker, message: Command) => {
    if (typeof message?.testCmd !== 'number') return;
    waiting.get(message.testCmd)?.(message);
    waiting.delete(message.testCmd);
  });
  serveRequests(async (request) => {
    switch (request['cmd']) {
      case 'start':
        for (let i = 0; i < (request['workers'] as number); i++) {
          const worker = cluster.fork();
          // Ready once its module has loaded and listens (not merely 'online').
          await new Promise<void>((resolve) => worker.on('message', (m: { ready?: boolean }) => m?.ready === true && resolve()));
          workers.push(worker);
        }
        return {};
      case 'stopRelay':
        clusterBusRelay().close();
        return {};
      case 'kill': {
        const worker = workers[request['index'] as number]!;
        const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.process.kill('SIGKILL');
        await gone;
        return {};
      }
      default:
        return toWorker(workers[request['index'] as number]!, request);
    }
  });
} else {
  const bus: Bus = clusterBus();
  const received = new Map<string, string[]>();
  const errors: string[] = [];
  bus.errors$.subscribe((e) => errors.push(e.code));
  const listenerFor = (channel: string) => (message: Uint8Array) => received.get(channel)!.push(Buffer.from(message).toString('base64'));
  const listeners = new Map<string, (m: Uint8Array) => void>();
  process.on('message', async (message: Command) => {
    if (typeof message?.testCmd !== 'number') return;
    const channel = message['channel'] as string;
    let reply: Record<string, unknown> = {};
    switch (message['cmd']) {
      case 'subscribe': {
        received.set(channel, []);
        const listener = listenerFor(channel);
        listeners.set(channel, listener);
        await bus.subscribe(channel, listener);
        break;
      }
      case 'unsubscribe':
        bus.unsubscribe(channel, listeners.get(channel)!);
        break;
      case 'publish':
        for (const m of message['messages'] as string[]) bus.publish(channel, Buffer.from(m, 'base64'));
        break;
      case 'publishCounted':
        try {
          reply = { reached: await bus.publishCounted(channel, Buffer.from('count')) };
        } catch (error) {
          reply = { failed: (error as { code?: string }).code };
        }
        break;
      case 'received':
        // `waiting`: the bus's requests still waiting for the primary (private; read to check it lets go).
        reply = { messages: received.get(channel) ?? [], errors, waiting: (bus as unknown as { waiting: Map<number, unknown> }).waiting.size };
        break;
    }
    process.send!({ ...reply, testCmd: message.testCmd });
  });
  process.send!({ ready: true });
}
