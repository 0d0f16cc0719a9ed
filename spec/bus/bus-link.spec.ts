// The link between a server's topics and a bus, over the in-memory bus: publishing across,
// dropping one's own echo, counting with and without answers, and bytes that are not ours.
import { RxwsError, UsageError } from '../../src';
import { BusMessageError, BusPublishError, CountTimeoutError } from '../../src/bus/bus-errors';
import { BusLink, channelOf, type LocalTopics } from '../../src/bus/bus-link';
import { encodeBusPublish } from '../../src/bus/bus-message';
import { MemoryBusHub, type MemoryBus } from '../../src/bus/memory-bus';

class FakeServer implements LocalTopics {
  readonly delivered: Array<{ topic: string; binary: boolean; payload: string }> = [];
  readonly sizes = new Map<string, number>();
  readonly errors: RxwsError[] = [];
  readonly link: BusLink;

  constructor(readonly bus: MemoryBus) {
    this.link = new BusLink(bus, this, (e) => this.errors.push(e));
  }

  deliverFromBus(topic: string, binary: boolean, payload: Uint8Array): void {
    this.delivered.push({ topic, binary, payload: Buffer.from(payload).toString(binary ? 'hex' : 'utf8') });
  }

  localCount(topic: string): number {
    return this.sizes.get(topic) ?? 0;
  }

  members(topic: string, size: number): void {
    this.sizes.set(topic, size);
    if (size > 0) this.link.watch(topic);
    else this.link.unwatch(topic);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BusLink', () => {
  let hub: MemoryBusHub;
  let servers: FakeServer[];
  const server = () => {
    const made = new FakeServer(hub.bus());
    servers.push(made);
    return made;
  };

  beforeEach(() => {
    hub = new MemoryBusHub();
    servers = [];
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.link.close()));
  });

  it('takes a message to the other servers that watch the topic, and not back to its publisher', async () => {
    const [a, b, c] = [server(), server(), server()];
    a.members('room', 1);
    b.members('room', 1);
    c.members('elsewhere', 1);
    await settle();
    a.link.publish('room', 'hi', 0);
    a.link.publish('room', Uint8Array.from([0, 255]), 0);
    await settle();
    expect(b.delivered).toEqual([
      { topic: 'room', binary: false, payload: 'hi' },
      { topic: 'room', binary: true, payload: '00ff' },
    ]);
    expect(a.delivered).toEqual([]);
    expect(c.delivered).toEqual([]);
  });

  it('stops taking a topic to a server once it unwatches it', async () => {
    const [a, b] = [server(), server()];
    b.members('room', 1);
    await settle();
    b.members('room', 0);
    a.link.publish('room', 'after', 0);
    await settle();
    expect(b.delivered).toEqual([]);
  });

  it('counts members on every server that has some, without waiting for those that have none', async () => {
    const [a, b, c] = [server(), server(), server()];
    server();
    a.members('room', 2);
    b.members('room', 3);
    c.members('room', 4);
    await settle();
    const started = Date.now();
    expect(await a.link.count('room', 5000)).toBe(9);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(a.errors).toEqual([]);
  });

  it('counts from a server with no members of its own', async () => {
    const [a, b] = [server(), server()];
    b.members('room', 3);
    await settle();
    expect(await a.link.count('room')).toBe(3);
  });

  it('leaves out and reports a server that does not answer in time', async () => {
    const [a, b] = [server(), server()];
    a.members('room', 1);
    b.members('room', 2);
    // A third subscriber that never answers, as a stalled server would.
    const mute = hub.bus();
    await mute.subscribe(channelOf('room'), () => undefined);
    await settle();
    expect(await a.link.count('room', 50)).toBe(3);
    const timeouts = a.errors.filter((e) => e instanceof CountTimeoutError) as CountTimeoutError[];
    expect(timeouts).toHaveLength(1);
    expect([timeouts[0]!.topic, timeouts[0]!.missing, timeouts[0]!.timeoutMs]).toEqual(['room', 1, 50]);
    await mute.close();
  });

  it('while the bus is down: counts the local members and reports the bus', async () => {
    const [a, b] = [server(), server()];
    a.members('room', 2);
    b.members('room', 5);
    await settle();
    a.bus.setConnected(false);
    expect(await a.link.count('room')).toBe(2);
    expect(a.errors.some((e) => e instanceof BusPublishError)).toBe(true);
  });

  it('reports and ignores bytes on its channels that are not an rxws message, and goes on', async () => {
    const [a, b] = [server(), server()];
    b.members('room', 1);
    const foreign = hub.bus();
    await settle();
    foreign.publish(channelOf('room'), Buffer.from('{"app":"someone else"}'));
    foreign.publish(channelOf('room'), Uint8Array.from([1, 1, 0, 0]));
    const bad = encodeBusPublish(Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]), 'room', 0, 'x');
    bad[bad.length - 1] = 0xff; // a text payload that is not UTF-8
    foreign.publish(channelOf('room'), bad);
    a.link.publish('room', 'fine', 0);
    await settle();
    expect(b.errors.map((e) => [e.constructor, (e as BusMessageError).reason])).toEqual([
      [BusMessageError, 'unknown version 123'],
      [BusMessageError, 'truncated header'],
      [BusMessageError, 'text payload is not UTF-8'],
    ]);
    expect(b.errors[0]!.message).not.toContain('someone else');
    expect(b.delivered).toEqual([{ topic: 'room', binary: false, payload: 'fine' }]);
    await foreign.close();
  });

  it('resolves counts in flight when it closes, and closes its bus', async () => {
    const [a] = [server()];
    const mute = hub.bus();
    await mute.subscribe(channelOf('room'), () => undefined);
    a.sizes.set('room', 4);
    const counting = a.link.count('room', 60_000);
    await settle();
    await a.link.close();
    expect(await counting).toBe(4);
    expect(a.bus.isConnected).toBe(false);
    await mute.close();
  });

  it('serves one server per bus', () => {
    const a = server();
    expect(() => new BusLink(a.bus, a, () => undefined)).toThrow(UsageError);
  });
});
