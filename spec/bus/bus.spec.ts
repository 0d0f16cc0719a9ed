// The Bus contract, run against every engine that can run in this process (the cluster bus
// needs worker processes: spec/bus/cluster-bus.spec.ts runs the same ideas there).
import type { Bus } from '../../src/bus/bus';
import { BusPublishError } from '../../src/bus/bus-errors';
import { MemoryBusHub } from '../../src/bus/memory-bus';
import { redisBus } from '../../src/redis';
import { RedisServer } from '../helpers/redis-server';

jest.setTimeout(30_000);

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(() => redis.dispose());

const engines: Array<[string, () => [Bus, Bus]]> = [
  ['memory', () => {
    const hub = new MemoryBusHub();
    return [hub.bus(), hub.bus()];
  }],
  ['redis', () => [redisBus({ url: redis.url }), redisBus({ url: redis.url })]],
];

async function until(test: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(engines)('the Bus contract: %s', (_name, make) => {
  let a: Bus;
  let b: Bus;
  beforeEach(() => ([a, b] = make()));
  afterEach(() => Promise.all([a.close(), b.close()]));

  it('delivers bytes in order to every subscriber, the publisher included, and counts them', async () => {
    const got: string[] = [];
    // Probes ('0') until both buses are connected and subscribed; they are left out of `got`.
    const keep = (who: string) => (m: Uint8Array) => Buffer.from(m).toString() !== '0' && got.push(who + Buffer.from(m).toString());
    await a.subscribe('c', keep('a'));
    await b.subscribe('c', keep('b'));
    await until(async () => (await a.publishCounted('c', Buffer.from('0')).catch(() => 0)) === 2);
    for (let i = 1; i <= 50; i++) a.publish('c', Buffer.from(String(i)));
    await until(() => got.length === 100);
    const expected = Array.from({ length: 50 }, (_, i) => String(i + 1));
    expect(got.filter((m) => m[0] === 'a').map((m) => m.slice(1))).toEqual(expected);
    expect(got.filter((m) => m[0] === 'b').map((m) => m.slice(1))).toEqual(expected);
  });

  it('stops delivering after unsubscribe, and reports rather than throws after close', async () => {
    const got: string[] = [];
    const listener = (m: Uint8Array) => got.push(Buffer.from(m).toString());
    await b.subscribe('c', listener);
    b.unsubscribe('c', listener);
    await until(async () => (await a.publishCounted('c', Buffer.from('x')).catch(() => -1)) === 0);
    await b.close();
    expect(() => b.publish('c', Buffer.from('x'))).not.toThrow();
    await expect(b.publishCounted('c', Buffer.from('x'))).rejects.toBeInstanceOf(BusPublishError);
    expect(got).toEqual([]);
  });
});
