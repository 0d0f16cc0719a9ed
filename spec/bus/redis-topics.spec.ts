// Topics across three rxws server processes over a real redis-server: delivery with `except`,
// bytes and order, counts, Redis going away and coming back, a server killed with SIGKILL, and
// another application's bytes on our channels. Nothing here is mocked.
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { IpcChild } from '../helpers/ipc-child';
import { RedisServer } from '../helpers/redis-server';

jest.setTimeout(90_000);

const CHILD = join(__dirname, '../helpers/topic-server-child.ts');
let redis: RedisServer;
let servers: IpcChild[] = [];
let ports: number[] = [];
const clients: WebSocket[] = [];

interface Client {
  ws: WebSocket;
  got: Array<{ data: Buffer; isBinary: boolean }>;
}

async function client(server: number, topic: string, name: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${ports[server]}/?topic=${topic}&name=${name}`, { perMessageDeflate: false });
  clients.push(ws);
  ws.on('error', () => undefined);
  const got: Client['got'] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => got.push({ data, isBinary }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before open')));
  });
  return { ws, got };
}

async function until(test: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const count = async (server: number, topic: string, timeoutMs = 1000) => (await servers[server]!.request({ cmd: 'count', topic, timeoutMs }))['count'] as number;
const errorsOf = async (server: number) => (await servers[server]!.request({ cmd: 'errors' }))['errors'] as string[];
const publish = (server: number, topic: string, messages: Array<{ text?: string; binary?: string }>, except?: string) => servers[server]!.request({ cmd: 'publish', topic, messages, except });

beforeAll(async () => {
  redis = await RedisServer.start();
  servers = [0, 1, 2].map(() => new IpcChild(CHILD, [redis.url]));
  await Promise.all(servers.map((s) => s.event((m) => m['ready'] === true, 30_000)));
  ports = await Promise.all(servers.map(async (s) => (await s.request({ cmd: 'port' }))['port'] as number));
});

afterEach(() => {
  for (const ws of clients.splice(0)) ws.terminate();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  await redis.dispose();
});

describe('topics across processes over Redis', () => {
  it('a publish reaches the members on every server, byte for byte and in order, except the one left out', async () => {
    const sender = await client(0, 'room', 'sender');
    const members = [await client(0, 'room', 'a0'), await client(1, 'room', 'b0'), await client(1, 'room', 'b1'), await client(2, 'room', 'c0')];
    const elsewhere = await client(2, 'lobby', 'c1');
    await until(async () => (await count(0, 'room')) === 5, 15_000, 'every server subscribed');
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('base64');
    const messages = [{ text: 'héllo 👋' }, { binary }, ...Array.from({ length: 100 }, (_, i) => ({ text: `m${i}` }))];
    expect((await publish(0, 'room', messages, 'sender'))['sent']).toBe(messages.length);
    for (const m of members) {
      await until(() => m.got.length === messages.length, 15_000, 'every message');
      expect(m.got[0]).toEqual({ data: Buffer.from('héllo 👋'), isBinary: false });
      expect(m.got[1]).toEqual({ data: Buffer.from(binary, 'base64'), isBinary: true });
      expect(m.got.slice(2).map((g) => g.data.toString())).toEqual(messages.slice(2).map((g) => g.text));
    }
    expect(sender.got).toEqual([]);
    expect(elsewhere.got).toEqual([]);
  });

  it('counts members on every server', async () => {
    await client(0, 'count', 'x0');
    await client(1, 'count', 'x1');
    await client(1, 'count', 'x2');
    await until(async () => (await count(2, 'count')) === 3);
    expect(await count(0, 'count')).toBe(3);
  });

  it('reports and ignores bytes another application publishes on our channels', async () => {
    const m = await client(1, 'shared', 'm');
    await until(async () => (await count(0, 'shared')) === 1);
    const before = (await errorsOf(1)).filter((e) => e === 'bus_bad_message').length;
    await redis.command('PUBLISH', 'rxws:t:shared', '{"not":"rxws"}');
    await redis.command('PUBLISH', 'rxws:t:shared', Buffer.from([1, 9, 0]));
    await until(async () => (await errorsOf(1)).filter((e) => e === 'bus_bad_message').length === before + 2);
    await publish(0, 'shared', [{ text: 'still fine' }]);
    await until(() => m.got.length === 1);
    expect(m.got[0]!.data.toString()).toBe('still fine');
  });

  it('while Redis is down: local delivery goes on, the rest is reported; afterwards every server is reached again', async () => {
    const local = await client(0, 'outage', 'l');
    const remote = await client(1, 'outage', 'r');
    await until(async () => (await count(0, 'outage')) === 2);
    await redis.stop();
    await until(async () => (await errorsOf(0)).includes('bus_disconnected'));
    const reported = (await errorsOf(0)).filter((e) => e === 'bus_publish_failed').length;
    await publish(0, 'outage', [{ text: 'during' }]);
    await until(() => local.got.length === 1);
    await until(async () => (await errorsOf(0)).filter((e) => e === 'bus_publish_failed').length === reported + 1);
    // While Redis is away, a count is this server's own.
    expect(await count(0, 'outage')).toBe(1);
    await redis.restart();
    await until(async () => (await count(0, 'outage')) === 2, 15_000, 'resubscribed after the restart');
    await publish(0, 'outage', [{ text: 'after' }]);
    await until(() => remote.got.length === 1 && local.got.length === 2);
    expect(remote.got.map((g) => g.data.toString())).toEqual(['after']);
  });

  it('a server killed with SIGKILL: the others carry on, and count() stops including it at once', async () => {
    await client(0, 'kill', 'k0');
    const survivor = await client(1, 'kill', 'k1');
    await client(2, 'kill', 'k2');
    await client(2, 'kill', 'k3');
    await until(async () => (await count(0, 'kill')) === 4);
    // Earlier specs (the outage) may have timed counts out; only new ones matter here.
    const timeoutsBefore = (await errorsOf(0)).filter((e) => e === 'count_timeout').length;
    await servers[2]!.kill('SIGKILL');
    const started = Date.now();
    await until(async () => (await count(0, 'kill', 5000)) === 2, 15_000, 'the killed server left out');
    // Redis dropped its subscriptions with its connection: nobody waits for it.
    expect(Date.now() - started).toBeLessThan(5000);
    await publish(0, 'kill', [{ text: 'carry on' }]);
    await until(() => survivor.got.length === 1);
    expect((await errorsOf(0)).filter((e) => e === 'count_timeout')).toHaveLength(timeoutsBefore);
  });
});
