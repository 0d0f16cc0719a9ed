import { Observable, Subject, type Subscription } from 'rxjs';
import { RxwsError } from '../errors';
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
  /** Decides each handshake: accept (with extra headers, subprotocol, data) or reject. */
  accept?: AcceptHook<TData>;
  /** Subprotocols this route speaks; the first one the client offered that is listed here is chosen. */
  protocols?: readonly string[];
  /** Allowed Origin header values, or a test; others get 403 (RELIABILITY 22). Default: any origin. */
  allowOrigins?: readonly string[] | ((origin: string | undefined) => boolean);
  /** Open connections allowed on this route; the next handshake gets 503. Default: no cap. */
  maxConnections?: number;
  /**
   * Called for each new connection. If it returns an Observable, the route subscribes to it until
   * the connection closes; if that Observable errors (or `handle` throws) the connection closes
   * with 1011 and the error is reported on `server.errors$`, and the server lives on.
   */
  handle?: (connection: Connection<TData>) => Observable<unknown> | void;
}

/**
 * One route of a server. `connections$` is hot: it emits each connection once its handshake
 * succeeded. `connections` is the live set of open connections, kept by the library.
 */
export class Route<TData = unknown> {
  readonly connections$: Observable<Connection<TData>>;
  private readonly subject = new Subject<Connection<TData>>();
  private readonly live = new Set<Connection<TData>>();
  /** The subscriptions to what `handle` returned, by connection, ended when it closes. */
  private handling: Map<Connection<TData>, Subscription> | undefined;

  constructor(
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

  /** True when a cap is set and reached. */
  get full(): boolean {
    return this.options.maxConnections !== undefined && this.live.size >= this.options.maxConnections;
  }

  /**
   * Sends one message to every open connection of the route but `options.except`. The frame is
   * encoded once and the same bytes are written to every socket, each under its own backpressure
   * policy (applied after everyone else was served); with permessage-deflate, compressed once per
   * distinct compressor setting. Returns how many connections it was written to. Bound, so
   * `subscribe(route.broadcast)` works. For groups within a route, see `server.topic`.
   */
  readonly broadcast = (message: OutgoingMessage, options?: PublishOptions): number => {
    if (this.live.size === 0) return 0;
    return deliverFrames(this.live, new BroadcastFrames(message), options?.except, undefined);
  };

  /** Called by the server when a handshake on this route succeeded. */
  add(connection: Connection<TData>): void {
    this.live.add(connection);
    // The route itself is told of the close (connectionClosed): no closure per connection.
    connection.track(this);
    const handle = this.options.handle;
    if (handle !== undefined) {
      try {
        const work = handle(connection);
        if (work !== undefined && connection.state !== 'closed') {
          const subscription = work.subscribe({ error: (error: unknown) => this.handlerFailed(connection, error) });
          // Kept only while the route holds the connection, so the map never keeps a closed one.
          if (this.live.has(connection)) (this.handling ??= new Map()).set(connection, subscription);
          else subscription.unsubscribe();
        }
      } catch (error) {
        this.handlerFailed(connection, error);
      }
    }
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
      handling.unsubscribe();
    }
  }

  /** Completes `connections$` (server shutdown). */
  complete(): void {
    this.subject.complete();
  }

  private handlerFailed(connection: Connection<TData>, error: unknown): void {
    connection.fail(1011, 'internal error');
    this.reportError(new HandlerError(error));
  }
}

/** A route's `handle` threw or its Observable errored; the connection was closed with 1011. */
export class HandlerError extends RxwsError {
  constructor(override readonly cause: unknown) {
    super('handler_error', 'a connection handler failed; the connection was closed with 1011');
  }
}
