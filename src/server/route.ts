import { Observable, Subject, Subscription, isObservable, type Subscriber, type Unsubscribable } from 'rxjs';
import { RxwsError, UsageError } from '../errors';
import type { Connection } from '../rx/connection';
import type { ConnectionOptions } from '../rx/connection-options';
import type { OutgoingMessage } from '../rx/message';
import type { AcceptHook } from './accept';
import { BroadcastFrames } from './broadcast-frames';
import { deliverFrames } from './deliver-frames';
import type { PublishOptions } from './topic';
import type { RouteKey } from './router';

/** A route: where it sits in the host/path table, how it accepts, and its connection settings. */
export interface RouteOptions<TData = unknown> extends RouteKey, Partial<ConnectionOptions> {
  /** Decides each handshake: accept (with extra headers, subprotocol, data) or reject with an
   *  HTTP status. A hook that throws or rejects answers 500 and is reported on `server.errors$`.
   *  Default: accept every request. */
  accept?: AcceptHook<TData>;
  /** Subprotocols this route speaks; the first one the client offered that is listed here is
   *  chosen (an accept hook may choose another offered one). Default: none is chosen. */
  protocols?: readonly string[];
  /** Allowed Origin header values, or a test; others get 403 before any accept hook runs (a
   *  browser always sends Origin: this is the defence against cross-site WebSocket hijacking).
   *  Default: any origin. */
  allowOrigins?: readonly string[] | ((origin: string | undefined) => boolean);
  /** Open connections allowed on this route; the next handshake gets 503. Default: no cap. */
  maxConnections?: number;
  /**
   * Called for each new connection; what it returns is the connection's work, which the route
   * ends for you:
   * - an Observable: the route subscribes to it. After the connection closes it may finish (an
   *   Observable built on `messages$` completes once the work for the last message is done), for
   *   at most `closeTimeoutMs`; then it is unsubscribed. `server.close()` waits for it.
   * - the Subscription of a `subscribe()` call (`conn.messages$.subscribe(...)`): kept the same
   *   way, until it ends by itself or at most `closeTimeoutMs` after the connection closed.
   * - a teardown function, or any other Subscription or `{ unsubscribe() }`: ended when the
   *   connection closes.
   * - nothing.
   * If `handle` throws or its Observable errors, the connection closes with 1011 and the error is
   * reported on `server.errors$` (HandlerError); anything else returned closes it with 1011 too
   * and is reported as a UsageError naming `handle`. The server lives on.
   */
  handle?: (connection: Connection<TData>) => Observable<unknown> | Unsubscribable | (() => void) | void;
}

/**
 * One route of a server, made by `server.route()`. `connections$` is hot: it emits each
 * connection once its handshake succeeded. `connections` is the live set of open connections,
 * kept by the library. `broadcast` sends one message to all of them.
 */
export class Route<TData = unknown> {
  /** Each connection of this route, once its handshake succeeded (after `handle` has run).
   *  Hot, with no replay: a late subscriber sees only later connections (`connections` has the
   *  open ones). Completes when the server has closed. */
  readonly connections$: Observable<Connection<TData>>;
  private readonly subject = new Subject<Connection<TData>>();
  private readonly live = new Set<Connection<TData>>();
  /** The subscriptions to what `handle` returned, by connection, ended when it closes. */
  private handling: Map<Connection<TData>, Subscription> | undefined;
  /** Handle subscriptions of closed connections still finishing (see RouteOptions.handle). */
  private finishing: Set<Subscription> | undefined;
  private finishedWaiters: Array<() => void> | undefined;

  /** @internal Routes are made by `server.route()`. */
  constructor(
    /** The options this route was made with, as given to `server.route()`. */
    readonly options: Readonly<RouteOptions<TData>>,
    /** Connection settings after merging the server's defaults with this route's overrides. */
    readonly connectionOptions: Readonly<ConnectionOptions>,
    private readonly reportError: (error: RxwsError) => void,
    /** The server's own bookkeeping for a closed connection, done before the route's. */
    private readonly untrack: (connection: Connection<TData>) => void,
  ) {
    this.connections$ = this.subject.asObservable();
  }

  /** The open connections of this route (a live view: do not mutate). */
  get connections(): ReadonlySet<Connection<TData>> {
    return this.live;
  }

  /** True when `maxConnections` is set and reached: the next handshake gets 503. */
  get full(): boolean {
    return this.options.maxConnections !== undefined && this.live.size >= this.options.maxConnections;
  }

  /**
   * Sends one message to every open connection of the route but `options.except`. The frame is
   * encoded once and the same bytes are written to every socket, each under its own backpressure
   * policy (applied after everyone else was served); with permessage-deflate, compressed once per
   * distinct compressor setting. Returns how many connections it was written to (a connection
   * over its `maxBufferedBytes` meets its backpressure policy, reported on its `errors$`). Never
   * throws for a closed connection. Bound, so `subscribe(route.broadcast)` works. For groups
   * within a route, see `server.topic`.
   */
  readonly broadcast = (message: OutgoingMessage, options?: PublishOptions): number => {
    if (this.live.size === 0) return 0;
    return deliverFrames(this.live, new BroadcastFrames(message), options?.except, undefined);
  };

  /** @internal Called by the server when a handshake on this route succeeded. */
  add(connection: Connection<TData>): void {
    this.live.add(connection);
    // The route itself is told of the close (connectionClosed): no closure per connection.
    connection.track(this);
    const handle = this.options.handle;
    if (handle !== undefined) this.startHandling(connection, handle);
    this.subject.next(connection);
  }

  /** @internal Called by the connection once it has closed, before its `close` message. */
  connectionClosed(connection: Connection<TData>): void {
    this.untrack(connection);
    this.live.delete(connection);
  }

  /** @internal Called by the connection once its `close` message was delivered: what `handle`
   *  returned saw it too, and is let go now. */
  closeDelivered(connection: Connection<TData>): void {
    const handling = this.handling?.get(connection);
    if (handling !== undefined) {
      this.handling!.delete(connection);
      this.finishHandling(handling);
    }
  }

  /** @internal Resolves once no `handle` work of a closed connection is still finishing. */
  handlersFinished(): Promise<void> {
    if (this.finishing === undefined || this.finishing.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.finishedWaiters ??= []).push(resolve));
  }

  /** @internal Completes `connections$` (server shutdown). */
  complete(): void {
    this.subject.complete();
  }

  private handlerFailed(connection: Connection<TData>, error: unknown): void {
    connection.fail(1011, 'internal error');
    this.reportError(error instanceof UsageError ? error : new HandlerError(error));
  }

  /** Calls `handle` and keeps what it returned as the connection's work (see RouteOptions.handle). */
  private startHandling(connection: Connection<TData>, handle: NonNullable<RouteOptions<TData>['handle']>): void {
    let work: unknown;
    try {
      work = handle(connection);
    } catch (error) {
      return this.handlerFailed(connection, error);
    }
    if (work === undefined) return;
    let subscription: Subscription;
    if (isObservable(work)) {
      if (connection.state === 'closed') return;
      subscription = work.subscribe({ error: (error: unknown) => this.handlerFailed(connection, error) });
    } else if (work instanceof Subscription) {
      subscription = work;
    } else if (typeof work === 'function') {
      subscription = new Subscription(work as () => void);
    } else if (typeof (work as Partial<Unsubscribable> | null)?.unsubscribe === 'function') {
      subscription = new Subscription(() => (work as Unsubscribable).unsubscribe());
    } else {
      return this.handlerFailed(connection, new UsageError('bad_handle_result', `a route's handle returned ${describe(work)}: it must return an Observable, a Subscription, a teardown function or nothing`));
    }
    // Kept only while the route holds the connection, so the map never keeps a closed one.
    if (this.live.has(connection)) (this.handling ??= new Map()).set(connection, subscription);
    else this.finishHandling(subscription);
  }

  /**
   * The connection has closed. A subscription (an Observable's, or a Subscription returned) may
   * still be finishing the work for the last messages: it is left to end by itself, for at most
   * `closeTimeoutMs`, then unsubscribed. A teardown function has nothing to finish.
   */
  private finishHandling(subscription: Subscription): void {
    if (subscription.closed) return;
    if (!isSubscriber(subscription)) return subscription.unsubscribe();
    const finishing = (this.finishing ??= new Set());
    finishing.add(subscription);
    const timer = setTimeout(() => subscription.unsubscribe(), this.connectionOptions.closeTimeoutMs);
    // A finishing handler alone does not keep the process alive.
    timer.unref();
    subscription.add(() => {
      clearTimeout(timer);
      finishing.delete(subscription);
      if (finishing.size === 0 && this.finishedWaiters !== undefined) {
        const waiters = this.finishedWaiters;
        this.finishedWaiters = undefined;
        for (const resolve of waiters) resolve();
      }
    });
  }
}

/** A subscription that ends by itself (the subscriber of an Observable that completes or
 *  errors), unlike a plain Subscription, which ends only when unsubscribed. */
function isSubscriber(subscription: Subscription): boolean {
  return typeof (subscription as Partial<Subscriber<unknown>>).complete === 'function';
}

/** How a wrong `handle` result is named in the usage error (never its contents). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') return 'a Promise (an async function?)';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A route's `handle` threw or its Observable errored; the connection was closed with 1011.
 *  Reported on `server.errors$`; `code` is `'handler_error'`. */
export class HandlerError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'HandlerError';
  /** Made by the route; exported for `instanceof`.
   *  @param cause - what `handle` threw or its Observable errored with */
  constructor(
    /** What `handle` threw, or its Observable errored with. */
    override readonly cause: unknown,
  ) {
    super('handler_error', 'a connection handler failed; the connection was closed with 1011');
  }
}
