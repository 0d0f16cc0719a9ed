// The Redis bus against a real redis-server: bytes in order, counts, prefixes, sharded pub/sub,
// options, and the outages (Redis killed and restarted, connections killed a hundred times).
import { createRequire } from 'node:module';
import type { RxwsError } from '../../src';
import { BusConnectionError, BusPublishError } from '../../src/bus/bus-errors';
import { redisBus, type RedisClientLike } from '../../src/redis';
import type { RedisBus } from '../../src/bus/redis-bus';
import { RedisServer } from '../helpers/redis-server';
import { forceGc } from '../helpers/force-gc';

jest.setTimeout(60_000);

// node-redis through Node's require, as the bus loads it: through Jest's module registry, the
// AsyncResource it binds once at load would be listed as an open handle (it holds nothing open).
const { createClient } = createRequire(__filename)('redis') as typeof import('redis');

let redis: RedisServer;
const buses: RedisBus[] = [];

function bus(options: Parameters<typeof redisBus>[0] = {}): RedisBus {
  const made = redisBus(typeof options === 'string' ? options : { url: redis.url, reconnectMinDelayMs: 10, reconnectMaxDelayMs: 100, ...options }) as RedisBus;
  buses.push(made);
  return made;
}

function collect(): { messages: Buffer[]; listener: (m: Uint8Array) => void } {
  const messages: Buffer[] = [];
  return { messages, listener: (m) => messages.push(Buffer.from(m)) };
}

function errorsOf(b: RedisBus): RxwsError[] {
  const errors: RxwsError[] = [];
  b.errors$.subscribe((e) => errors.push(e));
  return errors;
}

async function until(test: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ready = (b: RedisBus) => until(() => (b as unknown as { pub: RedisClientLike; sub: RedisClientLike }).pub.isReady && (b as unknown as { sub: RedisClientLike }).sub.isReady, 10_000, 'bus ready');

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
  if (!redis.running) await redis.restart();
});

afterAll(async () => {
  await redis.dispose();
});

describe('redisBus', () => {
  it('carries every byte value, in order, to every subscriber on every bus', async () => {
    const a = bus();
    const b = bus();
    const onA = collect();
    const onB = collect();
    await Promise.all([a.subscribe('t:x', onA.listener), b.subscribe('t:x', onB.listener)]);
    await ready(a);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    a.publish('t:x', all);
    for (let i = 0; i < 1000; i++) a.publish('t:x', Buffer.from(`m${i}`));
    await until(() => onA.messages.length === 1001 && onB.messages.length === 1001);
    for (const got of [onA.messages, onB.messages]) {
      expect(got[0]).toEqual(all);
      expect(got.slice(1).map((m) => m.toString())).toEqual(Array.from({ length: 1000 }, (_, i) => `m${i}`));
    }
  });

  it('tells how many subscribers a message reached', async () => {
    const a = bus();
    const b = bus();
    await ready(a);
    expect(await a.publishCounted('t:none', Buffer.from('x'))).toBe(0);
    await b.subscribe('t:y', () => undefined);
    await a.subscribe('t:y', () => undefined);
    expect(await a.publishCounted('t:y', Buffer.from('x'))).toBe(2);
  });

  it('subscribes under its prefix, so buses with other prefixes do not hear each other', async () => {
    const a = bus({ channelPrefix: 'app1:' });
    const b = bus({ channelPrefix: 'app2:' });
    const onB = collect();
    await b.subscribe('t:z', onB.listener);
    await ready(a);
    expect(await a.publishCounted('t:z', Buffer.from('x'))).toBe(0);
    expect(await redis.command('PUBSUB', 'NUMSUB', 'app2:t:z')).toContain('app2:t:z\r\n:1');
  });

  it('uses sharded pub/sub (SPUBLISH/SSUBSCRIBE) when asked', async () => {
    const a = bus({ sharded: true });
    const b = bus({ sharded: true });
    const onB = collect();
    await b.subscribe('t:s', onB.listener);
    await ready(a);
    expect(await redis.command('PUBSUB', 'SHARDNUMSUB', 'rxws:t:s')).toContain('rxws:t:s\r\n:1');
    expect(await a.publishCounted('t:s', Buffer.from('sharded'))).toBe(1);
    await until(() => onB.messages.length === 1);
    expect(onB.messages[0]!.toString()).toBe('sharded');
  });

  it('unsubscribes the Redis channel with its last listener', async () => {
    const a = bus();
    const one = collect();
    const two = collect();
    await a.subscribe('t:u', one.listener);
    await a.subscribe('t:u', two.listener);
    // Subscribing waits for the subscriber connection only; publishing needs the other one.
    await ready(a);
    a.unsubscribe('t:u', one.listener);
    expect(await a.publishCounted('t:u', Buffer.from('1'))).toBe(1);
    await until(() => two.messages.length === 1);
    a.unsubscribe('t:u', two.listener);
    await until(async () => (await a.publishCounted('t:u', Buffer.from('2'))) === 0);
    expect(one.messages).toEqual([]);
    expect(two.messages.map(String)).toEqual(['1']);
  });

  it('duplicates a client it is given and leaves that client open and untouched', async () => {
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const a = bus({ client: client as unknown as RedisClientLike, url: undefined });
      const got = collect();
      await a.subscribe('t:c', got.listener);
      await ready(a);
      a.publish('t:c', Buffer.from('via a duplicate'));
      await until(() => got.messages.length === 1);
      await a.close();
      expect(client.isReady).toBe(true);
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.destroy();
    }
  });

  it('rejects bad options at once', () => {
    expect(() => redisBus({ url: 'http://x' })).toThrow(/redis:\/\//);
    expect(() => redisBus({ url: redis.url, client: {} as RedisClientLike })).toThrow(/node-redis client/);
    expect(() => redisBus({ reconnectMinDelayMs: 0 })).toThrow(/reconnectMinDelayMs/);
    expect(() => redisBus({ reconnectMinDelayMs: 500, reconnectMaxDelayMs: 100 })).toThrow(/reconnectMaxDelayMs/);
    expect(() => redisBus({ nope: 1 } as never)).toThrow(/unknown redis bus option 'nope'/);
  });

  it('while Redis is down: reports the outage once and each message it could not publish, then resubscribes by itself', async () => {
    const a = bus();
    const b = bus();
    const onB = collect();
    const errors = errorsOf(a);
    await b.subscribe('t:down', onB.listener);
    await ready(a);
    a.publish('t:down', Buffer.from('before'));
    await until(() => onB.messages.length === 1);

    await redis.stop();
    await until(() => errors.some((e) => e instanceof BusConnectionError));
    a.publish('t:down', Buffer.from('lost 1'));
    a.publish('t:down', Buffer.from('lost 2'));
    await expect(a.publishCounted('t:down', Buffer.from('lost 3'))).rejects.toBeInstanceOf(BusPublishError);
    const lost = errors.filter((e) => e instanceof BusPublishError) as BusPublishError[];
    expect(lost.map((e) => e.channel)).toEqual(['t:down', 't:down']);
    expect(errors.filter((e) => e instanceof BusConnectionError)).toHaveLength(1);

    await redis.restart();
    // No new subscribe call: the bus resubscribed b's channel on reconnection.
    await until(async () => a['pub'].isReady && (await a.publishCounted('t:down', Buffer.from('probe')).catch(() => 0)) === 1);
    a.publish('t:down', Buffer.from('after'));
    await until(() => onB.messages.some((m) => m.toString() === 'after'));
    expect(onB.messages.map(String).filter((m) => m.startsWith('lost'))).toEqual([]);
  });

  it('keeps a subscription made while Redis is down, and makes it when Redis is back', async () => {
    const a = bus();
    const b = bus();
    await ready(b);
    await redis.stop();
    const onB = collect();
    let confirmed = false;
    void b.subscribe('t:later', onB.listener).then(() => (confirmed = true));
    await redis.restart();
    await until(() => confirmed);
    await ready(a);
    a.publish('t:later', Buffer.from('hello'));
    await until(() => onB.messages.length === 1);
  });

  it('survives 100 dropped connections with no growth in listeners, handles or heap', async () => {
    const a = bus();
    const b = bus();
    const onB = collect();
    await b.subscribe('t:churn', onB.listener);
    await ready(a);
    const clientsOf = (x: RedisBus) => [x['pub'], x['sub']] as unknown as Array<{ listenerCount(e: string): number }>;
    const listeners = () => [...clientsOf(a), ...clientsOf(b)].map((c) => ['error', 'ready', 'end', 'connect', 'reconnecting'].map((e) => c.listenerCount(e)));
    const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    const roundTrip = async (i: number) => {
      await until(async () => a['pub'].isReady && (await a.publishCounted('t:churn', Buffer.from(`r${i}`)).catch(() => 0)) === 1, 10_000, `resubscription ${i}`);
    };
    await roundTrip(0);
    const before = { listeners: listeners(), handles: handles() };
    forceGc();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 1; i <= 100; i++) {
      // Redis drops every client connection: both buses reconnect and b resubscribes.
      await redis.command('CLIENT', 'KILL', 'TYPE', 'normal');
      await redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await roundTrip(i);
    }
    forceGc();
    expect(listeners()).toEqual(before.listeners);
    expect(handles()).toBeLessThanOrEqual(before.handles + 2);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
    a.publish('t:churn', Buffer.from('still here'));
    await until(() => onB.messages.some((m) => m.toString() === 'still here'));
  });

  it('reports publishing after close instead of throwing', async () => {
    const a = bus();
    await a.close();
    expect(() => a.publish('t:x', Buffer.from('x'))).not.toThrow();
    await expect(a.publishCounted('t:x', Buffer.from('x'))).rejects.toBeInstanceOf(BusPublishError);
  });
});
