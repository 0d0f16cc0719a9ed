import { Observable, Subject, merge, type Observer, type Subscriber } from 'rxjs';
import { ConnectionClosedError, RxwsError, UsageError } from '../errors';
import type { CloseMessage, Message } from '../rx/message';
import type { Codec } from './codec';
import { InOrder, type InOrderSteps } from './in-order';
import { closeWith } from './close-with';
import { holdInput, releaseInput } from './input-hold';
import { PendingRequests } from './pending-requests';
import type { StandardSchemaV1, StandardSchemaV1Issue, StandardSchemaV1Result } from './standard-schema';
import { InvalidOutgoingError } from './typed-errors';

/**
 * What `typed()` needs from a connection: the Node `Connection` and `ClientConnection`, the
 * browser client's connection, or anything else with the same few members.
 */
export interface ConnectionLike {
  /** Incoming messages; the last one is `{ type: 'close', ... }`, then the stream completes. */
  readonly messages$: Observable<Message>;
  /** Outgoing messages: a string is sent as a text message, bytes as a binary one. */
  readonly sink: Observer<string | Uint8Array>;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): unknown;
  /** Non-fatal reports (dropped sends...), merged into the typed connection's `errors$`. */
  readonly errors$?: Observable<RxwsError>;
  /** Sends and resolves once the bytes are handed on; `send()` uses it when present. */
  send?(message: string | Uint8Array): Promise<unknown>;
  /** Stops reading (TCP backpressure) while too many messages wait for validation. */
  pause?(): void;
  /** Starts reading again once the messages waiting for validation are down to a few. */
  resume?(): void;
}

/** An incoming message that could not be decoded or failed the `receive` schema. */
export interface InvalidMessage {
  /** The message as it came: a string for a text message, bytes for a binary one. */
  readonly data: string | Uint8Array;
  /** 'decode' when the codec could not read it, 'validate' when the schema refused it (or threw). */
  readonly stage: 'decode' | 'validate';
  /** What was wrong: the codec's error, or the schema's issues. */
  readonly issues: ReadonlyArray<StandardSchemaV1Issue>;
  /** The error the codec or the validator threw, if one did. */
  readonly cause?: unknown;
}

/** Options for one request. */
export interface RequestOptions {
  /** Reject with a TimeoutError when no response came within this long. Default: the typed
   *  connection's `requestTimeoutMs` (30 s unless set). */
  timeoutMs?: number;
  /** Aborting it cancels the request: the promise rejects with the signal's reason, and a late
   *  response is no longer awaited (it still appears on `messages$`). */
  signal?: AbortSignal;
}

/** The members of a message union that have the request id field `K`: requests and responses. */
export type RequestMessage<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T : never) : never;

/** A request or response as you pass it to `request` or `reply`: without its id, which rxws sets. */
export type RequestBody<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? Omit<T, K> : never) : never;

/** The members of a message union that never carry the request id field `K` (pushed events). */
export type NonRequestMessage<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? ({} extends Pick<T, K> ? T : never) : T) : never;

/** The message types of a typed connection, as one type (see `TypedConnection['~types']`). */
export interface TypedConnectionTypes<In, Out, K extends string> {
  /** Every valid incoming message. */
  readonly in: In;
  /** Incoming messages that carry a request id: requests to serve, or responses. */
  readonly request: RequestMessage<In, K>;
  /** What `reply` sends: an outgoing message that has the id field, without its id. */
  readonly response: RequestBody<Out, K>;
  /** Incoming messages that never carry an id: pushed events. */
  readonly event: NonRequestMessage<In, K>;
  /** A `serveRequests` handler: a request in, its response (or a promise of it) out. */
  readonly handler: (request: RequestMessage<In, K>) => RequestBody<Out, K> | PromiseLike<RequestBody<Out, K>>;
  /** A `serveRequests` `errorResponse`: a handler's failure turned into a response. */
  readonly errorResponse: (error: unknown, request: RequestMessage<In, K>) => RequestBody<Out, K>;
}

/**
 * A typed view of a connection, made by `typed()`. `In` is what the `receive` schema produces,
 * `Out` what the `send` schema accepts, `K` the name of the request id field.
 */
export interface TypedConnection<In, Out, K extends string = 'id', C extends ConnectionLike = ConnectionLike> {
  /** The connection this view reads and writes. */
  readonly connection: C;
  /**
   * The valid incoming messages, decoded and validated, in the order they arrived; completes when
   * the connection closes. Hot: subscribing starts reading, and while nobody subscribes (and no
   * request waits) the connection keeps what arrives in its bounded backlog. Responses to
   * `request` appear here too.
   */
  readonly messages$: Observable<In>;
  /**
   * Each incoming message that failed to decode or validate, while the view is reading. Hot and
   * not buffered: with no subscriber the reports are dropped, so a flood costs no memory. With
   * `onInvalid: 'close'` the connection is then closed with 1007.
   */
  readonly invalid$: Observable<InvalidMessage>;
  /**
   * Usage errors of `sink.next` and `reply` (an `InvalidOutgoingError` when a message fails the
   * `send` schema, a UsageError when it cannot be encoded), a failed `serveRequests` handler, and
   * the connection's own `errors$` when it has one. Hot; never completes.
   */
  readonly errors$: Observable<RxwsError>;
  /**
   * Outgoing messages: each is validated (in order, even with asynchronous schemas), encoded and
   * sent. One that fails the `send` schema is not sent and is reported on `errors$`; nothing is
   * thrown. `complete()` closes the connection with 1000, `error(e)` with `e.closeCode` or 1011.
   */
  readonly sink: Observer<Out>;
  /**
   * Validates, encodes and sends one message; resolves once it is handed to the connection.
   * Rejects with an `InvalidOutgoingError` if it fails the `send` schema (nothing is sent), and
   * with a UsageError if it cannot be encoded or the connection is closed.
   */
  send(message: Out): Promise<void>;
  /**
   * Sends a request with a fresh id in the field `K` and resolves with the first valid incoming
   * message that carries the same id. Rejects with a TimeoutError after `timeoutMs`, with a
   * ConnectionClosedError if the connection closes first, with the signal's reason when
   * `signal` aborts, and with an `InvalidOutgoingError` if the request fails the `send` schema.
   * Options out of range throw a UsageError at once.
   */
  request(message: RequestBody<Out, K>, options?: RequestOptions): Promise<RequestMessage<In, K>>;
  /**
   * `request` as a cold Observable: each subscription sends one request and emits its response,
   * then completes; unsubscribing cancels the wait. Errors as `request` rejects.
   */
  request$(message: RequestBody<Out, K>, options?: Omit<RequestOptions, 'signal'>): Observable<RequestMessage<In, K>>;
  /**
   * Sends `response` with the id of `request` in the field `K`. Like `sink.next` it never
   * throws: a request without an id, or a response that fails the `send` schema, is reported on
   * `errors$` and nothing is sent.
   */
  reply(request: RequestMessage<In, K>, response: RequestBody<Out, K>): void;
  /** Types only, never set at run time: this view's message types, for `serveRequests`. */
  readonly '~types'?: TypedConnectionTypes<In, Out, K>;
  /** @internal Reports an error on `errors$` (used by `serveRequests`). */
  reportError(error: RxwsError): void;
  /** @internal The name of the request id field. */
  readonly requestIdField: K;
}

/** @internal The settings `typed()` has checked. */
export interface TypedSettings {
  receive: StandardSchemaV1 | undefined;
  send: StandardSchemaV1 | undefined;
  codec: Codec;
  requestId: string;
  onInvalid: 'report' | 'close';
  requestTimeoutMs: number;
  nextRequestId: (() => string | number) | undefined;
}

type SchemaResult = StandardSchemaV1Result<unknown>;

/** A decode or validator failure, shaped like a schema's failure result so one check serves. */
class Failure {
  readonly issues: ReadonlyArray<StandardSchemaV1Issue>;
  constructor(
    readonly stage: 'decode' | 'validate',
    readonly cause: unknown,
    message: string,
  ) {
    this.issues = [{ message }];
  }
}

/** What an incoming message became: a schema result, a failure, or the end of the connection. */
type InboundResult = SchemaResult | Failure | typeof END;
const END = Symbol('end');
const NOT_ENCODABLE = 'not encodable';

/** How an outgoing value was submitted, and what to do once it is checked. */
type OutboundContext = typeof SINK_NEXT | typeof SINK_COMPLETE | SinkError | Sending;
const SINK_NEXT = Symbol('next');
const SINK_COMPLETE = Symbol('complete');
class SinkError {
  constructor(readonly error: unknown) {}
}
/** `send`, `request` and `reply`: a value whose fate someone waits for. */
class Sending {
  constructor(
    /** Resolve once handed to the connection (via `connection.send` when `viaSend`). */
    readonly done: (error?: unknown) => void,
    readonly viaSend: boolean,
  ) {}
}

/** Incoming messages waiting for validation at which the connection is paused, and resumed. */
const HOLD_AT_WAITING = 64;
const RELEASE_AT_WAITING = 16;

/** @internal The implementation of `typed()`'s result. */
export class TypedView<In, Out, K extends string, C extends ConnectionLike> implements TypedConnection<In, Out, K, C> {
  readonly messages$: Observable<In>;
  readonly invalid$: Observable<InvalidMessage>;
  readonly errors$: Observable<RxwsError>;
  readonly sink: Observer<Out>;
  readonly requestIdField: K;

  private subscribers: ReadonlyArray<Subscriber<In>> = [];
  private readonly invalidSubject = new Subject<InvalidMessage>();
  private readonly errorSubject = new Subject<RxwsError>();
  private readonly requests: PendingRequests;
  private readonly inbound: InOrder<Message, undefined, InboundResult>;
  private readonly outbound: InOrder<unknown, OutboundContext, SchemaResult | Failure | typeof END>;
  /** Our subscription to the connection's messages$, while anyone needs it. */
  private upstream: Subscriber<Message> | undefined;
  /** The close event, once the connection has closed (and everything before it was delivered). */
  private closeMessage: CloseMessage | undefined;
  /** The end of the connection has been queued behind the messages still being validated. */
  private endQueued = false;
  /** After an invalid message under `onInvalid: 'close'`: nothing more is delivered. */
  private refusing = false;
  private lastRequestId = 0;

  constructor(
    readonly connection: C,
    private readonly settings: TypedSettings,
  ) {
    this.requestIdField = settings.requestId as K;
    this.requests = new PendingRequests(settings.requestId);
    this.inbound = new InOrder(inboundSteps(this, settings), {
      high: HOLD_AT_WAITING,
      low: RELEASE_AT_WAITING,
      hold: () => holdInput(connection),
      release: () => releaseInput(connection),
    });
    this.outbound = new InOrder(outboundSteps(this, settings));
    this.messages$ = new Observable<In>((subscriber) => this.subscribeMessages(subscriber));
    this.invalid$ = this.invalidSubject.asObservable();
    this.errors$ = connection.errors$ === undefined ? this.errorSubject.asObservable() : merge(connection.errors$, this.errorSubject);
    this.sink = new TypedSink<Out>(this as unknown as TypedView<unknown, Out, string, ConnectionLike>);
  }

  send(message: Out): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.outbound.push(message, new Sending((error) => (error === undefined ? resolve() : reject(error)), true));
    });
  }

  request(message: RequestBody<Out, K>, options: RequestOptions = {}): Promise<RequestMessage<In, K>> {
    const { signal, ...rest } = options;
    if (signal !== undefined && !isAbortSignal(signal)) throw new UsageError('bad_option', 'request option \'signal\' must be an AbortSignal');
    const response$ = this.request$(message, rest);
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) return reject(signal.reason);
      let onAbort: (() => void) | undefined;
      const subscription = response$.subscribe({
        next: (response) => {
          if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
          resolve(response);
        },
        error: (error: unknown) => {
          if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      if (signal !== undefined && !subscription.closed) {
        onAbort = () => {
          subscription.unsubscribe();
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  request$(message: RequestBody<Out, K>, options: Omit<RequestOptions, 'signal'> = {}): Observable<RequestMessage<In, K>> {
    const timeoutMs = checkTimeout(options, this.settings.requestTimeoutMs);
    if (typeof message !== 'object' || message === null) throw new UsageError('bad_request', 'a request must be an object, to carry its id');
    return new Observable<RequestMessage<In, K>>((subscriber) => {
      if (this.closeMessage !== undefined) {
        subscriber.error(closedError(this.closeMessage));
        return;
      }
      const id = this.newRequestId();
      const pending = this.requests.add(
        id,
        timeoutMs,
        (response) => {
          // Stop reading now if nobody else is: this may be the middle of a backlog replay still
          // inside subscribe, before the teardown below is in place.
          this.stopReadingIfIdle();
          subscriber.next(response as RequestMessage<In, K>);
          subscriber.complete();
        },
        (error) => {
          this.stopReadingIfIdle();
          subscriber.error(error);
        },
      );
      // Reading starts before the request leaves, so the response cannot be missed; if the
      // connection turns out to be closed already, this rejects the request at once.
      this.startReading();
      if (!subscriber.closed) {
        const withId = { ...(message as object), [this.settings.requestId]: id };
        this.outbound.push(
          withId,
          new Sending((error) => {
            if (error !== undefined && this.requests.take(pending)) subscriber.error(error);
          }, false),
        );
      }
      return () => {
        this.requests.take(pending);
        this.stopReadingIfIdle();
      };
    });
  }

  reply(request: RequestMessage<In, K>, response: RequestBody<Out, K>): void {
    const id = typeof request === 'object' && request !== null ? (request as Record<string, unknown>)[this.settings.requestId] : undefined;
    if (id === undefined) {
      this.reportError(new UsageError('no_request_id', `cannot reply: the request has no '${this.settings.requestId}' field`));
      return;
    }
    if (typeof response !== 'object' || response === null) {
      this.reportError(new UsageError('bad_response', 'a response must be an object, to carry the request id'));
      return;
    }
    this.outbound.push({ ...(response as object), [this.settings.requestId]: id }, SINK_NEXT);
  }

  reportError(error: RxwsError): void {
    this.errorSubject.next(error);
  }

  /** @internal Queues an outgoing value (or the sink's end) behind those before it. */
  submit(value: unknown, context: OutboundContext): void {
    this.outbound.push(value, context);
  }

  // Incoming ------------------------------------------------------------------------------------

  /** @internal Called for each incoming message, in order, with what became of it. */
  received(message: Message, result: InboundResult): void {
    if (result === END) return this.finish(message.type === 'close' ? message : ABNORMAL_END);
    if (this.refusing || message.type === 'close' || message.type === 'pong') return;
    if (result.issues !== undefined) {
      if (this.invalidSubject.observed) {
        const failure = result instanceof Failure ? result : undefined;
        this.invalidSubject.next({
          data: message.data,
          stage: failure?.stage ?? 'validate',
          issues: result.issues,
          ...(failure !== undefined && failure.cause !== undefined ? { cause: failure.cause } : {}),
        });
      }
      if (this.settings.onInvalid === 'close') {
        // RFC 6455 §7.4.1: 1007 is for data inconsistent with the type of the message.
        this.refusing = true;
        closeWith(this.connection, 1007, 'invalid message');
      }
      return;
    }
    const value = (result as { value: unknown }).value as In;
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.next(value);
    if (this.requests.size > 0) this.requests.match(value);
  }

  private subscribeMessages(subscriber: Subscriber<In>): () => void {
    if (this.closeMessage !== undefined) {
      subscriber.complete();
      return noop;
    }
    // Copy on write: a delivery loop in progress keeps the array it started with.
    this.subscribers = [...this.subscribers, subscriber];
    this.startReading();
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
      this.stopReadingIfIdle();
    };
  }

  private startReading(): void {
    if (this.upstream !== undefined || this.closeMessage !== undefined) return;
    // The connection gets our Subscriber itself, so unsubscribing it in the middle of a backlog
    // replay (a response found, nobody else listening) stops the replay there, and the rest stays
    // in the connection's backlog for the next reader.
    new Observable<Message>((subscriber) => {
      this.upstream = subscriber;
      this.connection.messages$.subscribe(subscriber);
    }).subscribe({
      next: (message) => {
        if (message.type === 'pong' || this.endQueued) return;
        if (message.type === 'close') this.endQueued = true;
        this.inbound.push(message, undefined);
      },
      // A connection's messages$ ends with a close event; a source that completes or errors
      // without one is treated as a connection that dropped.
      error: (error: unknown) => {
        if (error instanceof RxwsError) this.reportError(error);
        this.queueEnd();
      },
      complete: () => this.queueEnd(),
    });
  }

  private queueEnd(): void {
    if (this.endQueued) return;
    this.endQueued = true;
    this.inbound.push(ABNORMAL_END, undefined);
  }

  private stopReadingIfIdle(): void {
    const upstream = this.upstream;
    if (upstream === undefined || this.subscribers.length > 0 || this.requests.size > 0 || this.closeMessage !== undefined) return;
    this.upstream = undefined;
    upstream.unsubscribe();
    // What was read but is still being validated is dropped with the readers who wanted it; an
    // end queued behind it will be seen again by the next reader.
    this.inbound.clear();
    this.endQueued = false;
  }

  private finish(close: CloseMessage): void {
    if (this.closeMessage !== undefined) return;
    this.closeMessage = close;
    this.upstream = undefined;
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (const subscriber of subscribers) subscriber.complete();
    this.requests.rejectAll(closedError(close));
  }

  private newRequestId(): unknown {
    const next = this.settings.nextRequestId;
    if (next === undefined) return ++this.lastRequestId;
    const id = next();
    if ((typeof id !== 'string' && typeof id !== 'number') || id === '' || Number.isNaN(id)) {
      throw new UsageError('bad_request_id', 'nextRequestId must return a non-empty string or a number');
    }
    return id;
  }
}

/** The end of a source that completed without a close event: as a dropped connection (1006). */
const ABNORMAL_END: CloseMessage = /* @__PURE__ */ Object.freeze({ type: 'close', code: 1006, reason: '', wasClean: false });

function inboundSteps<In, Out, K extends string, C extends ConnectionLike>(
  view: TypedView<In, Out, K, C>,
  settings: TypedSettings,
): InOrderSteps<Message, undefined, InboundResult> {
  const { codec } = settings;
  const validate = settings.receive?.['~standard'].validate;
  return {
    run(message) {
      if (message.type === 'close' || message.type === 'pong') return END;
      let value: unknown;
      try {
        value = codec.decode(message.data);
      } catch (error) {
        return new Failure('decode', error, error instanceof Error ? error.message : 'the message could not be decoded');
      }
      if (validate === undefined) return new Failure('validate', undefined, 'this typed connection has no receive schema');
      return validate(value);
    },
    failed(_message, _context, error) {
      return new Failure('validate', error, 'the receive schema threw instead of returning issues');
    },
    deliver(message, _context, result) {
      view.received(message, result);
    },
  };
}

function outboundSteps<In, Out, K extends string, C extends ConnectionLike>(
  view: TypedView<In, Out, K, C>,
  settings: TypedSettings,
): InOrderSteps<unknown, OutboundContext, SchemaResult | Failure | typeof END> {
  const { codec, send } = settings;
  const validate = send?.['~standard'].validate;
  const connection = view.connection;
  return {
    run(value, context) {
      if (context === SINK_COMPLETE || context instanceof SinkError) return END;
      if (validate === undefined) return new Failure('validate', undefined, 'this typed connection has no send schema');
      return validate(value);
    },
    failed(_value, _context, error) {
      return new Failure('validate', error, 'the send schema threw instead of returning issues');
    },
    deliver(_value, context, result) {
      if (context === SINK_COMPLETE) return connection.sink.complete();
      if (context instanceof SinkError) return connection.sink.error(context.error);
      if (result === END) return;
      let error: RxwsError | undefined;
      let encoded: string | Uint8Array | undefined;
      if (result.issues !== undefined) {
        error = result instanceof Failure && result.cause !== undefined ? schemaThrew(result.cause) : new InvalidOutgoingError(result.issues);
      } else {
        try {
          encoded = codec.encode((result as { value: unknown }).value);
        } catch (cause) {
          error = new UsageError('encode_failed', `an outgoing message could not be encoded: ${cause instanceof Error ? cause.message : NOT_ENCODABLE}`);
        }
      }
      if (context === SINK_NEXT) {
        if (error !== undefined) view.reportError(error);
        else connection.sink.next(encoded!);
        return;
      }
      if (error !== undefined) return context.done(error);
      if (context.viaSend && connection.send !== undefined) {
        let sent: Promise<unknown>;
        try {
          sent = connection.send(encoded!);
        } catch (cause) {
          return context.done(cause);
        }
        sent.then(
          () => context.done(),
          (cause: unknown) => context.done(cause),
        );
        return;
      }
      connection.sink.next(encoded!);
      context.done();
    },
  };
}

function schemaThrew(cause: unknown): UsageError {
  const error = new UsageError('send_schema_threw', 'the send schema threw instead of returning issues');
  (error as { cause?: unknown }).cause = cause;
  return error;
}

/** `TypedConnection.sink`: one small object that hands values to the view's outgoing queue. */
class TypedSink<Out> implements Observer<Out> {
  constructor(private readonly view: TypedView<unknown, Out, string, ConnectionLike>) {}
  next(value: Out): void {
    this.view.submit(value, SINK_NEXT);
  }
  error(error: unknown): void {
    this.view.submit(undefined, new SinkError(error));
  }
  complete(): void {
    this.view.submit(undefined, SINK_COMPLETE);
  }
}

function checkTimeout(options: Omit<RequestOptions, 'signal'>, fallback: number): number {
  if (options === null || typeof options !== 'object') throw new UsageError('bad_option', 'request options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'timeoutMs') throw new UsageError('unknown_option', `unknown request option '${key}'`);
  }
  const timeoutMs = options.timeoutMs ?? fallback;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2_147_483_647) {
    throw new UsageError('bad_option', "request option 'timeoutMs' must be an integer between 1 and 2147483647");
  }
  return timeoutMs;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && typeof (value as AbortSignal).addEventListener === 'function' && 'aborted' in value;
}

function closedError(close: CloseMessage): ConnectionClosedError {
  return new ConnectionClosedError(`the connection closed (${close.code})`, close.code, close.reason, close.wasClean);
}

function noop(): void {}
