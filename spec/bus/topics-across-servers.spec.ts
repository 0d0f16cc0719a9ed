// Topics spanning servers on a bus (the in-memory one: these specs are about the topic layer;
// spec/bus/redis-topics.spec.ts runs the same ideas across processes over Redis).
import type { WebSocket } from 'ws';
import { BusPublishError, MemoryBusHub, UsageError, WebSocketServer, type Connection, type RxwsError } from '../../src';
import { Resources, sleep, until, wsMessages, type TestServer } from '../helpers/harness';

const resources = new Resources();
afterEach(() => resources.dispose());

interface Node {
  test: TestServer;
  errors: RxwsError[];
}

async function node(hub: MemoryBusHub): Promise<Node> {
  const test = await resources.server({}, { bus: hub.bus() });
  const errors: RxwsError[] = [];
  test.server.errors$.subscribe((e) => errors.push(e));
  return { test, errors };
}

/** A client of `at`, whose server-side connection joins `topic`. */
async function member(at: Node, topic: string): Promise<{ ws: WebSocket; conn: Connection }> {
  const ws = await resources.client(at.test.url);
  const conn = await at.test.nextConnection();
  at.test.server.topic(topic).join(conn);
  return { ws, conn };
}

const settle = () => sleep(5);

describe('topics across servers on a bus', () => {
  it('a publish on one server reaches the members on every server, text and binary byte for byte, except the one left out', async () => {
    const hub = new MemoryBusHub();
    const [a, b, c] = [await node(hub), await node(hub), await node(hub)];
    const sender = await member(a, 'room');
    const onA = await member(a, 'room');
    const onB = [await member(b, 'room'), await member(b, 'room')];
    const elsewhere = await member(c, 'lobby');
    await settle();
    const got = [onA, ...onB].map((m) => wsMessages(m.ws, 2));
    const senderGot: Buffer[] = [];
    sender.ws.on('message', (d: Buffer) => senderGot.push(d));
    const elsewhereGot: Buffer[] = [];
    elsewhere.ws.on('message', (d: Buffer) => elsewhereGot.push(d));
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(a.test.server.topic('room').publish('héllo 👋', { except: sender.conn })).toBe(1);
    a.test.server.topic('room').publish(binary, { except: sender.conn });
    for (const messages of await Promise.all(got)) {
      expect(messages[0]).toEqual({ data: Buffer.from('héllo 👋'), isBinary: false });
      expect(messages[1]).toEqual({ data: Buffer.from(binary), isBinary: true });
    }
    await settle();
    expect(senderGot).toEqual([]);
    expect(elsewhereGot).toEqual([]);
    expect([...a.errors, ...b.errors, ...c.errors]).toEqual([]);
  });

  it("keeps one publisher's order on every server", async () => {
    const hub = new MemoryBusHub();
    const [a, b] = [await node(hub), await node(hub)];
    const onB = await member(b, 'feed');
    await settle();
    const got = wsMessages(onB.ws, 300);
    const feed = a.test.server.topic('feed');
    for (let i = 0; i < 300; i++) feed.publish(i % 2 === 0 ? `m${i}` : Buffer.from(`m${i}`));
    expect((await got).map((m) => m.data.toString())).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`));
  });

  it('counts members on every server, and stops counting a server once its members leave', async () => {
    const hub = new MemoryBusHub();
    const [a, b, c] = [await node(hub), await node(hub), await node(hub)];
    await member(a, 'room');
    const onB = [await member(b, 'room'), await member(b, 'room')];
    await member(c, 'room');
    await settle();
    expect(await c.test.server.topic('room').count()).toBe(4);
    expect(await a.test.server.topic('nobody').count()).toBe(0);
    for (const m of onB) m.ws.close();
    await until(() => b.test.server.topic('room').size === 0);
    expect(await a.test.server.topic('room').count()).toBe(2);
  });

  it('while its bus is down: its own members still get what it publishes, and the rest is reported', async () => {
    const hub = new MemoryBusHub();
    const busA = hub.bus();
    const a = { test: await resources.server({}, { bus: busA }), errors: [] as RxwsError[] };
    a.test.server.errors$.subscribe((e) => a.errors.push(e));
    const b = await node(hub);
    const onA = await member(a, 'room');
    const onB = await member(b, 'room');
    const onBGot: string[] = [];
    onB.ws.on('message', (d: Buffer) => onBGot.push(d.toString()));
    await settle();
    busA.setConnected(false);
    const local = wsMessages(onA.ws, 1);
    expect(a.test.server.topic('room').publish('during')).toBe(1);
    expect((await local)[0]!.data.toString()).toBe('during');
    expect(a.errors.filter((e) => e instanceof BusPublishError)).toHaveLength(1);
    busA.setConnected(true);
    a.test.server.topic('room').publish('after');
    await until(() => onBGot.length === 1);
    expect(onBGot).toEqual(['after']);
  });

  it('publishes to other servers from a server where the topic has no members', async () => {
    const hub = new MemoryBusHub();
    const [a, b] = [await node(hub), await node(hub)];
    const onB = await member(b, 'room');
    await settle();
    const got = wsMessages(onB.ws, 1);
    expect(a.test.server.topic('room').publish('from afar')).toBe(0);
    expect((await got)[0]!.data.toString()).toBe('from afar');
  });

  it('subscribes to a topic on the bus only while it has members here', async () => {
    const hub = new MemoryBusHub();
    const [a, b] = [await node(hub), await node(hub)];
    const probe = hub.bus();
    const onB = await member(b, 'room');
    expect(await probe.publishCounted('t:room', new Uint8Array(0))).toBe(1);
    b.test.server.topic('room').join(onB.conn).unsubscribe();
    expect(await probe.publishCounted('t:room', new Uint8Array(0))).toBe(0);
    expect(a.errors).toEqual([]);
    await probe.close();
  });

  it('compresses a message from the bus from its own copy: the bus may reuse its buffer at once', async () => {
    const hub = new MemoryBusHub();
    const test = await resources.server({}, { bus: hub.bus(), perMessageDeflate: { thresholdBytes: 0 } });
    const ws = await resources.client(test.url, { perMessageDeflate: true });
    test.server.topic('room').join(await test.nextConnection());
    const got = wsMessages(ws, 1);
    // Large enough that zlib is still reading it (on the thread pool) when the bus reuses it.
    const payload = Buffer.from(Array.from({ length: 1 << 21 }, (_, i) => (i * 7919) % 251));
    const expected = Buffer.from(payload);
    (test.server as unknown as { topics: { deliverFromBus(t: string, b: boolean, p: Uint8Array): void } }).topics.deliverFromBus('room', true, payload);
    payload.fill(0x21);
    expect((await got)[0]!.data.equals(expected)).toBe(true);
  });

  it('closes its bus when it closes, and checks the option', async () => {
    const hub = new MemoryBusHub();
    const bus = hub.bus();
    const server = new WebSocketServer({ bus });
    await server.close();
    expect(bus.isConnected).toBe(false);
    expect(() => new WebSocketServer({ bus: {} as never })).toThrow(/server option 'bus' must be a Bus/);
    const shared = hub.bus();
    const first = new WebSocketServer({ bus: shared });
    expect(() => new WebSocketServer({ bus: shared })).toThrow(UsageError);
    await first.close();
    await expect(new WebSocketServer().topic('x').count()).resolves.toBe(0);
    expect(() => new WebSocketServer().topic('x').count({ timeoutMs: 0 })).toThrow(UsageError);
  });

  it('throws for a topic name too long to cross servers before any member here gets the message', async () => {
    const hub = new MemoryBusHub();
    const [a, b] = [await node(hub), await node(hub)];
    const name = 'n'.repeat(70_000);
    const here = await member(a, name);
    const there = await member(b, name);
    const got: Buffer[] = [];
    for (const m of [here, there]) m.ws.on('message', (d: Buffer) => got.push(d));
    let thrown: unknown;
    try {
      a.test.server.topic(name).publish('not for anyone');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).code).toBe('topic_name_too_long');
    // Delivered, it would have arrived by now: the members are on loopback.
    await sleep(100);
    expect(got).toEqual([]);
    // A name that fits still goes everywhere.
    const fine = await member(a, 'fine');
    const fineThere = await member(b, 'fine');
    await settle();
    const arrived = Promise.all([wsMessages(fine.ws, 1), wsMessages(fineThere.ws, 1)]);
    a.test.server.topic('fine').publish('ok');
    expect((await arrived).map((m) => m[0]!.data.toString())).toEqual(['ok', 'ok']);
  });
});
