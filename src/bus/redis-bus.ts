import { createRequire } from 'node:module';
import { Observable, Subject } from 'rxjs';
import { UsageError, type RxwsError } from '../errors';
import { integer, type OptionRules, trueOrFalse, validateOptions } from '../rx/validate-options';
import type { Bus, BusListener } from './bus';
import { BusConnectionError, BusPublishError } from './bus-errors';

/**
 * The part of a node-redis client (`createClient()` or `createCluster()`, node-redis 6)
 * the Redis bus uses. It never sends commands on the client you pass: it makes two duplicates
 * of it (one to publish, one to subscribe), which it connects and closes itself.
 */
export interface RedisClientLike {
  /**
   * A new client with the same settings, `overrides` merged in (the bus passes
   * `disableOfflineQueue`). Not connected yet.
   */
  duplicate(overrides?: Record<string, unknown>): RedisClientLike;
  /**
   * Opens the connection; resolves once it is ready, and keeps retrying by the client's own
   * reconnect strategy (rejects only when closed meanwhile or when the strategy gives up).
   */
  connect(): Promise<unknown>;
  /** True while connected and ready for commands; the bus publishes only then. */
  readonly isReady: boolean;
  /** PUBLISH: resolves with the number of subscribers on the node that received it (RESP integer). */
  publish(channel: string, message: Buffer): Promise<number>;
  /** SPUBLISH (Redis 7 sharded pub/sub): resolves with the number of subscribers on the owning shard. */
  sPublish(channel: string, message: Buffer): Promise<number>;
  /**
   * SUBSCRIBE: calls `listener` with each message as a Buffer (`bufferMode` true) and resolves once
   * Redis confirmed; the client resubscribes by itself after a reconnection.
   */
  subscribe(channels: string, listener: (message: Buffer, channel: Buffer) => unknown, bufferMode: true): Promise<void>;
  /** UNSUBSCRIBE of this `listener` only; the Redis subscription ends with the channel's last listener. */
  unsubscribe(channels: string, listener: (message: Buffer, channel: Buffer) => unknown, bufferMode: true): Promise<void>;
  /** SSUBSCRIBE: as `subscribe`, for sharded channels. */
  sSubscribe(channels: string, listener: (message: Buffer, channel: Buffer) => unknown, bufferMode: true): Promise<void>;
  /** SUNSUBSCRIBE: as `unsubscribe`, for sharded channels. */
  sUnsubscribe(channels: string, listener: (message: Buffer, channel: Buffer) => unknown, bufferMode: true): Promise<void>;
  /**
   * Adds an event listener. The bus listens to `'error'` (each failed connection or attempt: it
   * reports one `BusConnectionError` per outage) and `'ready'` (connected again: it resubscribes
   * what was lost in flight).
   */
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** Removes a listener added with `on`; the bus removes all of its own when it closes. */
  off(event: string, listener: (...args: any[]) => void): unknown;
  /** Closes gracefully: waits for the replies in flight, then ends the connection. */
  close(): Promise<unknown>;
  /** Ends the connection at once, failing the commands in flight; stops reconnecting. */
  destroy(): unknown;
}

/** Settings of `redisBus`. Units are in the names; every one is checked when the bus is made. */
export interface RedisBusOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS). Default `redis://127.0.0.1:6379` when no `client` is given. */
  url: string | undefined;
  /**
   * A node-redis client (or cluster) to take the connection settings from (TLS, auth, cluster
   * nodes): the bus duplicates it and leaves the original alone. Its own reconnect strategy
   * applies to the duplicates.
   */
  client: RedisClientLike | undefined;
  /** Put before every channel name, to keep apps that share a Redis apart. Default `rxws:`. */
  channelPrefix: string;
  /**
   * Use Redis 7 sharded pub/sub (SPUBLISH/SSUBSCRIBE): on a Redis Cluster, each topic's messages
   * then stay on the shard that owns its channel instead of being copied to every node. Default false.
   */
  sharded: boolean;
  /** First reconnect delay after the connection drops (with a URL; jittered, doubling). Default 50. */
  reconnectMinDelayMs: number;
  /** Largest reconnect delay. Default 2,000. */
  reconnectMaxDelayMs: number;
  /** Time allowed for one connection attempt. Default 5,000. */
  connectTimeoutMs: number;
}

/**
 * The defaults of `RedisBusOptions` (frozen): no URL or client (so `redis://127.0.0.1:6379`),
 * channel prefix `'rxws:'`, unsharded, reconnect delays from 50 ms up to 2,000 ms, 5,000 ms per
 * connection attempt. Spread it to start your own settings from the defaults.
 */
export const DEFAULT_REDIS_BUS_OPTIONS: Readonly<RedisBusOptions> = Object.freeze({
  url: undefined,
  client: undefined,
  channelPrefix: 'rxws:',
  sharded: false,
  reconnectMinDelayMs: 50,
  reconnectMaxDelayMs: 2000,
  connectTimeoutMs: 5000,
});

const RULES: OptionRules<RedisBusOptions> = {
  url: (v) => (typeof v === 'string' && /^rediss?:\/\//.test(v) ? undefined : 'must be a redis:// or rediss:// URL'),
  client: (v) => (typeof (v as RedisClientLike | null)?.duplicate === 'function' ? undefined : 'must be a node-redis client'),
  channelPrefix: (v) => (typeof v === 'string' && v.length <= 256 ? undefined : 'must be a string of at most 256 characters'),
  sharded: trueOrFalse,
  reconnectMinDelayMs: integer(1, 60_000),
  reconnectMaxDelayMs: integer(1, 600_000),
  connectTimeoutMs: integer(1, 600_000),
};

/** The `redis` package, loaded when a bus is made from a URL (so the core never needs it). */
function loadCreateClient(): (options: Record<string, unknown>) => RedisClientLike {
  try {
    // Node's own require, resolved from this file: the peer is looked up where the package is
    // installed, and a bundler or test runner does not try to take it in ahead of time.
    return createRequire(__filename)('redis').createClient;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') {
      throw new UsageError(
        'missing_peer',
        "redisBus() needs the 'redis' package (node-redis 6), an optional peer dependency of @rxws/rxws: run `npm install redis`",
      );
    }
    throw error;
  }
}

/**
 * A bus over Redis pub/sub, for servers on several processes or machines. Give it a URL or a
 * node-redis client (see `RedisBusOptions`):
 *
 * ```ts
 * import { redisBus } from '@rxws/rxws/redis';
 * const server = new WebSocketServer({ port: 8080, bus: redisBus('redis://10.0.0.5:6379') });
 * ```
 *
 * It opens two connections (publish, subscribe). While Redis is unreachable, local delivery goes
 * on, each message that could not reach Redis is reported on `errors$` (a `BusPublishError`) and
 * dropped (nothing is queued), and the bus reconnects with jittered backoff and resubscribes
 * every channel. Throws a `UsageError` for bad options, or when the `redis` package is missing.
 */
export function redisBus(target: string | Partial<RedisBusOptions> = {}): Bus {
  return new RedisBus(typeof target === 'string' ? { url: target } : target);
}

interface ChannelEntry {
  /** The bus channel (as the caller named it). */
  readonly key: string;
  /** The Redis channel name (prefixed). */
  readonly name: string;
  readonly listeners: Set<BusListener>;
  /** The one function node-redis calls for this channel, for the entry's whole life. */
  readonly relay: (message: Buffer) => void;
  /** True once Redis confirmed the subscription (and until it is given up). */
  confirmed: boolean;
  waiters: Array<() => void> | undefined;
}

/** @internal Made by `redisBus()`. */
export class RedisBus implements Bus {
  readonly errors$: Observable<RxwsError>;
  readonly options: Readonly<RedisBusOptions>;
  private readonly errorSubject = new Subject<RxwsError>();
  private readonly pub: RedisClientLike;
  private readonly sub: RedisClientLike;
  private readonly entries = new Map<string, ChannelEntry>();
  /** Publish counts are only exact when every subscriber of a channel is on one node. */
  private readonly countsExact: boolean;
  private down = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly onError = (error: unknown): void => {
    if (this.down || this.closed) return;
    this.down = true;
    this.errorSubject.next(new BusConnectionError('lost the connection to redis; reconnecting', error));
  };
  private readonly onSubReady = (): void => {
    if (this.pub.isReady) this.down = false;
    this.reconcile();
  };
  private readonly onPubReady = (): void => {
    if (this.sub.isReady) this.down = false;
  };

  constructor(options: Partial<RedisBusOptions>) {
    this.options = validateOptions('redis bus', options, DEFAULT_REDIS_BUS_OPTIONS, RULES);
    const { url, client, reconnectMinDelayMs, reconnectMaxDelayMs, connectTimeoutMs } = this.options;
    if (url !== undefined && client !== undefined) throw new UsageError('bad_option', 'give redisBus a url or a client, not both');
    if (reconnectMaxDelayMs < reconnectMinDelayMs) throw new UsageError('bad_option', 'redis bus option reconnectMaxDelayMs must not be below reconnectMinDelayMs');
    this.errors$ = this.errorSubject.asObservable();
    const cluster = client !== undefined && typeof (client as { getRandomNode?: unknown }).getRandomNode === 'function';
    this.countsExact = !cluster || this.options.sharded;
    // Publishing while disconnected must fail at once (and be reported), not wait in an offline
    // queue to be delivered late and out of step with local delivery.
    if (client !== undefined) {
      this.pub = client.duplicate({ disableOfflineQueue: true });
    } else {
      const reconnectStrategy = (retries: number): number => {
        const ceiling = Math.min(reconnectMaxDelayMs, reconnectMinDelayMs * 2 ** Math.min(retries, 20));
        return Math.max(1, Math.round(ceiling / 2 + (Math.random() * ceiling) / 2));
      };
      this.pub = loadCreateClient()({
        url: url ?? 'redis://127.0.0.1:6379',
        disableOfflineQueue: true,
        socket: { reconnectStrategy, connectTimeout: connectTimeoutMs },
      });
    }
    // Subscriptions made while disconnected wait for the connection (they are few, one per topic).
    this.sub = this.pub.duplicate({ disableOfflineQueue: false });
    for (const c of [this.pub, this.sub]) c.on('error', this.onError);
    this.pub.on('ready', this.onPubReady);
    this.sub.on('ready', this.onSubReady);
    // connect() retries by itself; it only rejects when closed meanwhile.
    this.pub.connect().catch(ignore);
    this.sub.connect().catch(ignore);
  }

  publish(channel: string, message: Uint8Array): void {
    if (this.closed || !this.pub.isReady) {
      this.errorSubject.next(new BusPublishError(channel, this.closed ? 'closed' : 'disconnected'));
      return;
    }
    this.send(channel, message).catch((error: unknown) => this.errorSubject.next(new BusPublishError(channel, error)));
  }

  async publishCounted(channel: string, message: Uint8Array): Promise<number | undefined> {
    if (this.closed || !this.pub.isReady) throw new BusPublishError(channel, this.closed ? 'closed' : 'disconnected');
    let reached: number;
    try {
      reached = await this.send(channel, message);
    } catch (error) {
      throw new BusPublishError(channel, error);
    }
    return this.countsExact ? reached : undefined;
  }

  subscribe(channel: string, listener: BusListener): Promise<void> {
    if (this.closed) return Promise.resolve();
    let entry = this.entries.get(channel);
    if (entry === undefined) {
      const listeners = new Set<BusListener>();
      entry = { key: channel, name: this.options.channelPrefix + channel, listeners, relay: relayTo(listeners), confirmed: false, waiters: undefined };
      this.entries.set(channel, entry);
    }
    const first = entry.listeners.size === 0;
    entry.listeners.add(listener);
    if (first) this.sendSubscribe(entry);
    if (entry.confirmed) return Promise.resolve();
    return new Promise((resolve) => (entry.waiters ??= []).push(resolve));
  }

  unsubscribe(channel: string, listener: BusListener): void {
    const entry = this.entries.get(channel);
    if (entry === undefined || !entry.listeners.delete(listener) || entry.listeners.size > 0) return;
    entry.confirmed = false;
    release(entry);
    if (!this.closed) this.sendUnsubscribe(entry);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private send(channel: string, message: Uint8Array): Promise<number> {
    const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    const name = this.options.channelPrefix + channel;
    return this.options.sharded ? this.pub.sPublish(name, bytes) : this.pub.publish(name, bytes);
  }

  private sendSubscribe(entry: ChannelEntry): void {
    const done = this.options.sharded ? this.sub.sSubscribe(entry.name, entry.relay, true) : this.sub.subscribe(entry.name, entry.relay, true);
    done.then(
      () => {
        if (entry.listeners.size === 0) return;
        entry.confirmed = true;
        release(entry);
      },
      // The connection dropped before Redis answered: `reconcile` sends it again once ready.
      ignore,
    );
  }

  private sendUnsubscribe(entry: ChannelEntry): void {
    const done = this.options.sharded ? this.sub.sUnsubscribe(entry.name, entry.relay, true) : this.sub.unsubscribe(entry.name, entry.relay, true);
    done.then(() => {
      if (entry.listeners.size === 0 && this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    }, ignore);
  }

  /**
   * After every (re)connection: node-redis resubscribes what Redis had confirmed; this sends
   * again what was lost in flight, so no channel is left behind whatever the timing of the drop.
   */
  private reconcile(): void {
    if (this.closed) return;
    for (const entry of this.entries.values()) {
      if (entry.listeners.size > 0 && !entry.confirmed) this.sendSubscribe(entry);
      else if (entry.listeners.size === 0) this.sendUnsubscribe(entry);
    }
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    for (const entry of this.entries.values()) release(entry);
    this.entries.clear();
    await Promise.all([this.pub, this.sub].map(closeClient));
    for (const c of [this.pub, this.sub]) c.off('error', this.onError);
    this.pub.off('ready', this.onPubReady);
    this.sub.off('ready', this.onSubReady);
    this.errorSubject.complete();
  }
}

function relayTo(listeners: Set<BusListener>): (message: Buffer) => void {
  return (message) => {
    for (const listener of listeners) listener(message);
  };
}

function release(entry: ChannelEntry): void {
  const waiters = entry.waiters;
  entry.waiters = undefined;
  if (waiters !== undefined) for (const resolve of waiters) resolve();
}

/** Closes gracefully when connected (waiting for replies in flight, briefly), else at once. */
async function closeClient(client: RedisClientLike): Promise<void> {
  if (client.isReady) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([client.close().catch(ignore), new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
  }
  try {
    client.destroy();
  } catch {
    // Already closed.
  }
}

function ignore(): void {
  // Reported elsewhere, or nothing to report.
}
