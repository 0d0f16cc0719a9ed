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
  /**
   * See `Bus.errors$`: a `BusConnectionError` when `setConnected(false)` is called, a
   * `BusPublishError` for each message published while disconnected or closed. Completes on `close()`.
   */
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

  /**
   * See `Bus.publish`: copies `message` and delivers it, after the current task, to every bus on
   * the hub subscribed to `channel` (this one included). While disconnected or closed it reports a
   * `BusPublishError` on `errors$` instead and drops the message.
   */
  publish(channel: string, message: Uint8Array): void {
    if (!this.isConnected) this.errorSubject.next(new BusPublishError(channel, this.closed ? 'closed' : 'disconnected'));
    else this.hub.deliver(channel, message);
  }

  /**
   * See `Bus.publishCounted`: like `publish`, and resolves at once with the number of buses on the
   * hub (this one included) that subscribe to `channel` and are connected. Rejects with a
   * `BusPublishError` while disconnected or closed.
   */
  publishCounted(channel: string, message: Uint8Array): Promise<number | undefined> {
    if (!this.isConnected) return Promise.reject(new BusPublishError(channel, this.closed ? 'closed' : 'disconnected'));
    return Promise.resolve(this.hub.deliver(channel, message));
  }

  /**
   * See `Bus.subscribe`: `listener` receives what is published on `channel` from now on (nothing
   * while disconnected; again after `setConnected(true)`). Resolves at once; does nothing after
   * `close()`.
   */
  subscribe(channel: string, listener: BusListener): Promise<void> {
    if (this.closed) return Promise.resolve();
    let listeners = this.channels.get(channel);
    if (listeners === undefined) this.channels.set(channel, (listeners = new Set()));
    listeners.add(listener);
    return Promise.resolve();
  }

  /** See `Bus.unsubscribe`: `listener` gets nothing more from `channel`; unknown pairs are ignored. */
  unsubscribe(channel: string, listener: BusListener): void {
    const listeners = this.channels.get(channel);
    if (listeners === undefined) return;
    listeners.delete(listener);
    if (listeners.size === 0) this.channels.delete(channel);
  }

  /**
   * See `Bus.close`: drops every subscription, leaves the hub and completes `errors$`; resolves at
   * once. Calling it again does nothing.
   */
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
