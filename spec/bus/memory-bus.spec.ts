// The in-memory bus: what the layers above are tested with, so it must behave like an engine.
import type { RxwsError } from '../../src';
import { BusConnectionError, BusPublishError } from '../../src/bus/bus-errors';
import { MemoryBusHub } from '../../src/bus/memory-bus';

const bytes = (s: string) => Buffer.from(s);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MemoryBus', () => {
  it('delivers to every subscribed bus, itself included, after the call and in order', async () => {
    const hub = new MemoryBusHub();
    const [a, b] = [hub.bus(), hub.bus()];
    const got: string[] = [];
    await a.subscribe('c', (m) => got.push(`a:${Buffer.from(m)}`));
    await b.subscribe('c', (m) => got.push(`b:${Buffer.from(m)}`));
    a.publish('c', bytes('1'));
    a.publish('c', bytes('2'));
    expect(got).toEqual([]);
    await tick();
    expect(got).toEqual(['a:1', 'b:1', 'a:2', 'b:2']);
  });

  it('copies what it publishes, so the publisher may reuse its buffer', async () => {
    const hub = new MemoryBusHub();
    const a = hub.bus();
    const got: Buffer[] = [];
    await a.subscribe('c', (m) => got.push(Buffer.from(m)));
    const buffer = bytes('abc');
    a.publish('c', buffer);
    buffer.fill(0);
    await tick();
    expect(got[0]!.toString()).toBe('abc');
  });

  it('counts subscribed buses, not listeners', async () => {
    const hub = new MemoryBusHub();
    const [a, b] = [hub.bus(), hub.bus()];
    await a.subscribe('c', () => undefined);
    await a.subscribe('c', () => undefined);
    await b.subscribe('c', () => undefined);
    expect(await a.publishCounted('c', bytes('x'))).toBe(2);
    expect(await a.publishCounted('other', bytes('x'))).toBe(0);
  });

  it('simulates an outage: publishing is reported, nothing is received, subscriptions come back', async () => {
    const hub = new MemoryBusHub();
    const [a, b] = [hub.bus(), hub.bus()];
    const errors: RxwsError[] = [];
    a.errors$.subscribe((e) => errors.push(e));
    const got: string[] = [];
    await b.subscribe('c', (m) => got.push(Buffer.from(m).toString()));
    a.setConnected(false);
    a.publish('c', bytes('lost'));
    await expect(a.publishCounted('c', bytes('lost'))).rejects.toBeInstanceOf(BusPublishError);
    expect(errors.map((e) => e.constructor)).toEqual([BusConnectionError, BusPublishError]);
    b.setConnected(false);
    a.setConnected(true);
    a.publish('c', bytes('not heard'));
    await tick();
    b.setConnected(true);
    a.publish('c', bytes('heard'));
    await tick();
    expect(got).toEqual(['heard']);
  });

  it('after close: no deliveries, publishing reported, errors$ completed', async () => {
    const hub = new MemoryBusHub();
    const [a, b] = [hub.bus(), hub.bus()];
    const got: string[] = [];
    await b.subscribe('c', (m) => got.push(Buffer.from(m).toString()));
    let completed = false;
    b.errors$.subscribe({ complete: () => (completed = true) });
    await b.close();
    expect(completed).toBe(true);
    expect(await a.publishCounted('c', bytes('x'))).toBe(0);
    await tick();
    expect(got).toEqual([]);
    expect(() => b.publish('c', bytes('x'))).not.toThrow();
  });
});
