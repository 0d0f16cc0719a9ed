import { Observable, Subject } from 'rxjs';
import type { RxwsError } from '../errors';
import type { Bus, BusListener } from './bus';
import { BusConnectionError, BusPublishError } from './bus-errors';

/**
 * Connects in-process buses to each other: what one publishes, the others (and itself) receive.
 * For tests of the layers above the bus, and for several servers in one process.
 *
 * ```ts
 * const hub = new MemoryBusHub();
 * const a = new WebSocketServer({ bus: hub.bus() });
 * const b = new WebSocketServer({ bus: hub.bus() });
 * ```
 */
export class MemoryBusHub {
  private readonly members = new Set<MemoryBus>();

  /** A new bus on this hub, for one server. */
  bus(): MemoryBus {
    const bus = new MemoryBus(this);
    this.members.add(bus);
    return bus;
  }

  /** @internal Delivers after the current task, in publish order, as a real engine would. */
  deliver(channel: string, message: Uint8Array): number {
    let reached = 0;
    for (const bus of this.members) if (bus.receives(channel)) reached++;
    if (reached > 0) {
      const copy = Uint8Array.prototype.slice.call(message);
      const targets = [...this.members];
      queueMicrotask(() => {
        for (const bus of targets) bus.receive(channel, copy);
      });
    }
    return reached;
  }

  /** @internal */
  remove(bus: MemoryBus): void {
    this.members.delete(bus);
  }
}

/**
 * One process's end of a `MemoryBusHub`. Delivery is asynchronous and in order, like a real
 * engine's. `setConnected(false)` simulates an outage: publishing is reported on `errors$` and
 * dropped, nothing is received, and subscriptions come back with `setConnected(true)`.
 */
export class MemoryBus implements Bus {
  readonly errors$: Observable<RxwsError>;
  private readonly errorSubject = new Subject<RxwsError>();
  private readonly channels = new Map<string, Set<BusListener>>();
  private connected = true;
  private closed = false;

  /** @internal Made by `MemoryBusHub.bus()`. */
  constructor(private readonly hub: MemoryBusHub) {
    this.errors$ = this.errorSubject.asObservable();
  }

  /** Whether this bus reaches the hub (true unless `setConnected(false)` or closed). */
  get isConnected(): boolean {
    return this.connected && !this.closed;
  }

  /** Simulates the engine going away (false) and coming back (true), for failure tests. */
  setConnected(connected: boolean): void {
    if (this.closed || connected === this.connected) return;
    this.connected = connected;
    if (!connected) this.errorSubject.next(new BusConnectionError('the memory bus was disconnected'));
  }

  publish(channel: string, message: Uint8Array): void {
    if (!this.isConnected) this.errorSubject.next(new BusPublishError(channel, this.closed ? 'closed' : 'disconnected'));
    else this.hub.deliver(channel, message);
  }

  publishCounted(channel: string, message: Uint8Array): Promise<number | undefined> {
    if (!this.isConnected) return Promise.reject(new BusPublishError(channel, this.closed ? 'closed' : 'disconnected'));
    return Promise.resolve(this.hub.deliver(channel, message));
  }

  subscribe(channel: string, listener: BusListener): Promise<void> {
    if (this.closed) return Promise.resolve();
    let listeners = this.channels.get(channel);
    if (listeners === undefined) this.channels.set(channel, (listeners = new Set()));
    listeners.add(listener);
    return Promise.resolve();
  }

  unsubscribe(channel: string, listener: BusListener): void {
    const listeners = this.channels.get(channel);
    if (listeners === undefined) return;
    listeners.delete(listener);
    if (listeners.size === 0) this.channels.delete(channel);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.channels.clear();
      this.hub.remove(this);
      this.errorSubject.complete();
    }
    return Promise.resolve();
  }

  /** @internal Counted by the hub as one subscriber, however many listeners it has. */
  receives(channel: string): boolean {
    return this.isConnected && this.channels.has(channel);
  }

  /** @internal */
  receive(channel: string, message: Uint8Array): void {
    if (!this.isConnected) return;
    const listeners = this.channels.get(channel);
    if (listeners === undefined) return;
    for (const listener of listeners) listener(message);
  }
}
