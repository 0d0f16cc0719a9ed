import { BehaviorSubject, EMPTY, Observable, Subject, concat, defer, filter, isObservable, switchMap, throwError, type Observer, type Subscription } from 'rxjs';
import { RxwsError, UsageError } from '../errors';
import { CLOSE_NORMAL } from '../protocol/close-code';
import { utf8ByteLength } from '../protocol/text-codec';
import type { DataMessage, Message, OutgoingMessage } from '../rx/message';
import type { ReactiveConnection } from '../rx/reactive-connection';
import { sinkErrorCode } from '../rx/sink-error-code';
import { integer, MAX_SAFE_INTEGER, oneOf, type OptionRules, validateOptions } from '../rx/validate-options';
import { reconnect, type ReconnectOptions } from './reconnect';

/**
 * 'connecting' during the first attempt; 'open' while a connection is open;
 * 'reconnecting' from the moment a connection closed or an attempt failed and a retry is
 * scheduled until the next connection opens; 'closed' at the end (then `state$` completes).
 */
export type ReconnectingClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Settings of a ReconnectingClient, besides the `connect()` options. Checked by the
 *  constructor: an unknown key or a value out of range throws a UsageError. */
export interface ReconnectingClientSettings {
  /** Backoff and classification, as for the `reconnect` operator. Default: its defaults. */
  reconnect: Partial<ReconnectOptions> | undefined;
  /**
   * What `send()` does while no connection is open. 'queue' (default): keep the message in a
   * bounded queue, sent in order as soon as the next connection opens; 'fail': drop it at once.
   * Either way a dropped message makes `send()` return false and is reported on `errors$`.
   */
  whileDisconnected: 'queue' | 'fail';
  /** Most messages the queue holds; when full, new messages are dropped (the queue keeps the
   *  oldest, so what is sent stays in order). Default 100. */
  queueLimit: number;
  /** Most bytes (UTF-8 for text) the queue holds; same policy. Default 1 MiB. */
  queueLimitBytes: number;
}

const DEFAULT_SETTINGS: Readonly<ReconnectingClientSettings> = /* @__PURE__ */ Object.freeze({
  reconnect: undefined,
  whileDisconnected: 'queue',
  queueLimit: 100,
  queueLimitBytes: 1_048_576, // 1 MiB
});

const SETTING_RULES: OptionRules<ReconnectingClientSettings> = {
  reconnect: (v) => (typeof v === 'object' && v !== null ? undefined : 'must be an object of reconnect options'),
  whileDisconnected: oneOf(['queue', 'fail']),
  queueLimit: integer(0, MAX_SAFE_INTEGER),
  queueLimitBytes: integer(0, MAX_SAFE_INTEGER),
};

/** Why a message given to `send()` was not sent (reported on `errors$`): `code` is
 *  `'not_connected'` (no connection and `whileDisconnected: 'fail'`), `'queue_full'`, or
 *  `'client_closed'` (after `close()`, or queued messages discarded by it). */
export class MessageDroppedError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'MessageDroppedError';
  /**
   * Made by ReconnectingClient; exported for `instanceof`.
   * @param code - why it was dropped
   * @param message - the human-readable message
   * @param count - how many messages it covers
   */
  constructor(
    code: 'not_connected' | 'queue_full' | 'client_closed',
    message: string,
    /** How many messages this report covers (more than one when a queue is discarded). */
    readonly count = 1,
  ) {
    super(code, message);
  }
}

interface Queued {
  message: OutgoingMessage;
  bytes: number;
}

/**
 * A connection that keeps itself connected: `connect()` piped through `reconnect`, with what an
 * application needs around it. This is the shared implementation; each entry (Node, browser)
 * exports its own `ReconnectingClient` on top, whose constructor takes a target to connect to
 * with that entry's `connect()`.
 *
 * - `state$` (replays the current state; emits only changes), `connection$` (each connection as
 *   it opens; replays the open one; completes when the client ends, however it ends),
 *   `connection` (the open one, or undefined).
 * - `messages$`: the text and binary messages of every successive connection, as one stream.
 *   Pongs and the per-connection close events are left out (they describe one connection, not
 *   the session: watch `state$`, or `connection$` and each `closed$`). It completes after
 *   `close()`, and errors with the typed cause when reconnecting stops on its own (also kept
 *   in `failure`). It is the only stream that errors: the others complete.
 * - `send()` / `sink`: while a connection is open, straight to it; otherwise queued (bounded in
 *   messages and bytes, flushed in order when the next connection opens) or dropped at once,
 *   per `whileDisconnected`. Nothing is ever buffered without bound. Messages
 *   sent while a connection is open but already dead (not yet detected) are lost with it:
 *   delivery is at most once. Messages sent from a `connection$` subscriber (a login, say) go
 *   out before the queued ones.
 * - `close()` stops reconnecting, discards the queue and closes the open connection.
 *
 * Each connection has its own heartbeat (the `heartbeat` option); it stops with its connection,
 * so none survives a reconnect.
 */
export class ReconnectingClientBase<C extends ReactiveConnection<any>, TTarget, TClientOptions extends object> {
  /** The client's state: 'connecting', 'open', 'reconnecting', then 'closed' (see
   *  ReconnectingClientState). Replays the current state to each new subscriber, emits only
   *  changes, and completes after 'closed'. Never errors. */
  readonly state$: Observable<ReconnectingClientState>;
  /** Each connection as it opens, e.g. to send a login first or to watch its `closed$`; replays
   *  the open one. Completes when the client ends, whether by `close()` or because reconnecting
   *  stopped (then see `failure`); never errors, so a subscriber without an error callback is
   *  safe. */
  readonly connection$: Observable<C>;
  /** The text and binary messages of every connection, as one stream (pongs and each
   *  connection's close event are left out). Completes after `close()`; errors with the typed
   *  cause when reconnecting stops on its own (a refusal such as 401, a fatal close code,
   *  `maxAttempts` used up), also for late subscribers. */
  readonly messages$: Observable<DataMessage>;
  /** Dropped sends (`MessageDroppedError`), and each connection's own reports (see
   *  `Connection.errors$`). Hot; completes when the client has ended. */
  readonly errors$: Observable<RxwsError>;
  /** `next` sends (as `send()`); `complete` closes with 1000; `error` closes with the error's
   *  `closeCode` if it may be sent, else 1011. */
  readonly sink: Observer<OutgoingMessage>;

  private readonly settings: ReconnectingClientSettings;
  private readonly stateSubject = new BehaviorSubject<ReconnectingClientState>('connecting');
  private readonly currentSubject = new BehaviorSubject<C | undefined>(undefined);
  private readonly errorSubject = new Subject<RxwsError>();
  private readonly queue: Queued[] = [];
  private queueBytes = 0;
  private current: C | undefined;
  private subscription: Subscription | undefined;
  private ended = false;
  /** Reconnecting stopped on its own, with `failureCause`. */
  private failed = false;
  private failureCause: unknown;
  private closing: Promise<void> | undefined;
  private resolveEnded!: () => void;
  private readonly endedPromise = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  /**
   * Starts connecting at once, and keeps reconnecting until `close()` or an outcome that is not
   * retried. Bad options throw a UsageError at once.
   * @param target where to connect (with `connectTo` and the client options in `options`), or
   *   any Observable of connections that completes when its connection closes (then `options`
   *   may hold only the settings of this class).
   * @param connectTo the entry's `connect()`.
   */
  constructor(
    target: TTarget | Observable<C>,
    options: Partial<TClientOptions> & Partial<ReconnectingClientSettings>,
    connectTo: (target: TTarget, options: Partial<TClientOptions>) => Observable<C>,
  ) {
    if (options === null || typeof options !== 'object') throw new UsageError('bad_option', 'reconnecting client options must be an object');
    const { reconnect: reconnectOptions, whileDisconnected, queueLimit, queueLimitBytes, ...clientOptions } = options;
    this.settings = validateOptions<ReconnectingClientSettings>(
      'reconnecting client',
      { reconnect: reconnectOptions, whileDisconnected, queueLimit, queueLimitBytes },
      DEFAULT_SETTINGS,
      SETTING_RULES,
    );
    let source: Observable<C>;
    if (isObservable(target)) {
      const extra = Object.keys(clientOptions)[0];
      if (extra !== undefined) throw new UsageError('unknown_option', `option '${extra}' needs a target to connect to, not an Observable`);
      source = target as Observable<C>;
    } else {
      source = connectTo(target as TTarget, clientOptions as Partial<TClientOptions>);
    }
    const userOnRetry = this.settings.reconnect?.onRetry;
    const operator = reconnect<C>({
      ...this.settings.reconnect,
      onRetry: (info) => {
        if (!this.ended && this.closing === undefined) this.setState('reconnecting');
        userOnRetry?.(info);
      },
    });

    this.state$ = this.stateSubject.asObservable();
    this.connection$ = this.currentSubject.pipe(filter((c): c is C => c !== undefined));
    this.messages$ = concat(
      this.currentSubject.pipe(
        switchMap((c) => (c === undefined ? EMPTY : c.messages$)),
        filter(isData),
      ),
      // The reason reconnecting stopped belongs here, where the docs show an error callback.
      defer(() => (this.failed ? throwError(() => this.failureCause) : EMPTY)),
    );
    this.errors$ = this.errorSubject.asObservable();
    this.sink = {
      next: (message) => {
        this.send(message);
      },
      error: (error: unknown) => {
        void this.close(sinkErrorCode(error), '');
      },
      complete: () => {
        void this.close();
      },
    };

    this.subscription = source.pipe(operator).subscribe({
      next: (connection) => this.opened(connection),
      error: (error: unknown) => this.end({ error }),
      complete: () => this.end(undefined),
    });
  }

  /** The current state (the last value of `state$`). */
  get state(): ReconnectingClientState {
    return this.stateSubject.value;
  }

  /**
   * Why reconnecting stopped, once it stopped on its own: the typed cause (HandshakeError,
   * NetworkError, TimeoutError, ConnectionClosedError with the close code, ...), the same error
   * `messages$` ends with. Undefined while the client runs, and after `close()`.
   */
  get failure(): unknown {
    return this.failureCause;
  }

  /** The open connection, or undefined while connecting, reconnecting and after close. */
  get connection(): C | undefined {
    return this.current;
  }

  /** How many messages wait in the queue for the next connection. */
  get queuedCount(): number {
    return this.queue.length;
  }

  /**
   * Sends a message now, or queues it while disconnected (see the class notes). Returns true
   * when it was written to the open connection or queued; false when it was dropped (the reason
   * goes to `errors$`). Never throws for a disconnection.
   */
  send(message: OutgoingMessage): boolean {
    const connection = this.current;
    if (connection !== undefined && connection.state === 'open') {
      connection.sink.next(message);
      return true;
    }
    if (this.ended || this.closing !== undefined) {
      return this.drop(new MessageDroppedError('client_closed', 'message dropped: the client is closed'));
    }
    if (this.settings.whileDisconnected === 'fail') {
      return this.drop(new MessageDroppedError('not_connected', 'message dropped: no connection is open'));
    }
    const bytes = byteLengthOf(message);
    if (this.queue.length >= this.settings.queueLimit || this.queueBytes + bytes > this.settings.queueLimitBytes) {
      return this.drop(new MessageDroppedError('queue_full', 'message dropped: the queue for the next connection is full'));
    }
    // Copy binary data: the caller may reuse its buffer before the next connection opens.
    this.queue.push({ message: typeof message === 'string' ? message : copyBytes(message), bytes });
    this.queueBytes += bytes;
    return true;
  }

  /**
   * Stops reconnecting (a pending delay or an attempt in progress is cancelled), drops the queue
   * (reported on `errors$`), closes the open connection with `code` and `reason`, and resolves
   * once it has closed. Calling it again returns the same promise.
   */
  close(code: number = CLOSE_NORMAL, reason = ''): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    if (this.ended) return (this.closing = this.endedPromise);
    const connection = this.current;
    // Throws a UsageError for a bad code or reason before anything changes.
    if (connection !== undefined && connection.state === 'open') void connection.close(code, reason);
    this.closing = (async () => {
      this.discardQueue();
      // After close() above, connect()'s teardown sees a closing connection and leaves it be.
      this.subscription?.unsubscribe();
      this.subscription = undefined;
      if (connection !== undefined && connection.state !== 'closed') {
        await new Promise<void>((resolve) => connection.closed$.subscribe({ complete: resolve }));
      }
      this.end(undefined);
    })();
    return this.closing;
  }

  private opened(connection: C): void {
    if (this.ended) return;
    this.current = connection;
    const errors = connection.errors$.subscribe((error) => this.errorSubject.next(error));
    connection.closed$.subscribe(() => {
      errors.unsubscribe();
      if (this.current === connection) {
        this.current = undefined;
        this.currentSubject.next(undefined);
      }
    });
    // connection$ subscribers go first (they may send a greeting), then the queue, in order.
    this.currentSubject.next(connection);
    while (this.queue.length > 0 && connection.state === 'open' && this.current === connection) {
      const item = this.queue.shift()!;
      this.queueBytes -= item.bytes;
      connection.sink.next(item.message);
    }
    if (this.current === connection && connection.state === 'open') this.setState('open');
  }

  /** state$ emits changes only: a retry while already reconnecting is not news. */
  private setState(state: ReconnectingClientState): void {
    if (this.stateSubject.value !== state) this.stateSubject.next(state);
  }

  /** The client is over: after close() or a normal stop (undefined), or a failure. */
  private end(failure: { error: unknown } | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.subscription = undefined;
    if (failure !== undefined) {
      this.failed = true;
      this.failureCause = failure.error;
    }
    this.discardQueue();
    this.setState('closed');
    this.stateSubject.complete();
    // connection$ completes either way (no error for subscribers without an error callback);
    // messages$ then errors with the cause (see its concat).
    this.currentSubject.complete();
    this.errorSubject.complete();
    this.resolveEnded();
  }

  private discardQueue(): void {
    const count = this.queue.length;
    if (count === 0) return;
    this.queue.length = 0;
    this.queueBytes = 0;
    this.errorSubject.next(new MessageDroppedError('client_closed', `${count} queued message(s) dropped: the client closed`, count));
  }

  private drop(error: MessageDroppedError): false {
    if (!this.errorSubject.closed) this.errorSubject.next(error);
    return false;
  }
}

function isData(message: Message): message is DataMessage {
  return message.type === 'text' || message.type === 'binary';
}

function byteLengthOf(message: OutgoingMessage): number {
  return typeof message === 'string' ? utf8ByteLength(message) : message.byteLength;
}

function copyBytes(message: ArrayBufferView | ArrayBuffer): Uint8Array {
  return message instanceof ArrayBuffer
    ? new Uint8Array(message.slice(0))
    : new Uint8Array(message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength));
}
