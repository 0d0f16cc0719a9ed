import { Observable, Subject, filter, firstValueFrom, throwError, timeout, type Observer, type Subscriber, type Subscription } from 'rxjs';
import { ConnectionClosedError, RxwsError, TimeoutError, UsageError, type ProtocolError } from '../errors';
import { CloseCode, isValidWireCloseCode } from '../protocol/close-code';
import { Opcode } from '../protocol/opcode';
import type { CloseInfo } from '../protocol/protocol-types';
import { SocketTransport, type TransportListener, type TransportOptions } from '../transport/socket-transport';
import type { ReadBudget } from '../transport/read-budget';
import type { Socket } from 'node:net';
import type { DeflateConfig, DeflateParams } from '../extensions/permessage-deflate';
import type { DeflateCodec } from '../transport/deflate-codec';
import type { SharedFrame } from '../transport/shared-frame';
import { sameBytes } from '../transport/same-bytes';
import { nodeTextCodec } from '../transport/node-text-codec';
import { checkCloseToSend } from '../protocol/close-payload';
import type { ConnectionOptions } from './connection-options';
import type { CloseMessage, Message, MessageType, OutgoingMessage } from './message';
import { toBytes } from './to-bytes';
import { KeptUpgradeRequest, type UpgradeRequest, type UpgradeResponse } from './upgrade-request';

/** Options for `Connection.send`. */
export interface SendOptions {
  /** Split the message into frames of at most this many payload bytes (RFC 6455 §5.4). */
  fragmentBytes?: number;
}

/** What `Connection.ping` resolves with. */
export interface PingResult {
  /** The pong's payload (equal to what we sent). */
  data: Uint8Array;
  rttMs: number;
}

/** Options for the waiting helpers (`ping`, `waitForMessage`). */
export interface WaitOptions {
  /** Reject with a TimeoutError after this long. Default: wait until the connection closes. */
  timeoutMs?: number;
}

/** Everything a Connection is made from; built by the server and the client, not by users. */
export interface ConnectionInit<TData> {
  socket: Socket;
  role: 'server' | 'client';
  options: ConnectionOptions;
  /** The request, or (server side) its compact form until first asked for. */
  request: UpgradeRequest | KeptUpgradeRequest;
  response: UpgradeResponse | undefined;
  protocol: string | undefined;
  data: TData;
  /** Bytes that arrived after the handshake head, already WebSocket frames. */
  head: Uint8Array;
  /** permessage-deflate as negotiated in the handshake (RFC 7692), if it was. */
  deflate?: { params: DeflateParams; config: DeflateConfig } | undefined;
  /** The server's bound on incoming bytes held across its connections. */
  readBudget?: ReadBudget | undefined;
}

/** @internal Told when a connection closes: the server's and routes' own bookkeeping. */
export interface ConnectionTracker {
  connectionClosed(connection: Connection<any>): void;
}

interface PendingPing {
  payload: Uint8Array;
  startedAt: number;
  resolve: (result: PingResult) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * One WebSocket connection, either side, as RxJS: `messages$` (hot; ends with a `close` event and
 * completes), `sink` (an Observer of outgoing messages), and promise helpers for the one-off
 * operations. Messages that arrive while nobody subscribes wait in a bounded backlog; when it is
 * full the socket is paused, so nothing is ever dropped.
 */
export class Connection<TData = unknown> implements TransportListener {
  readonly messages$: Observable<Message>;

  /** Outgoing messages: `next` sends (a drop after close is reported on `errors$`), `complete`
   *  closes with 1000, `error` closes with the error's `closeCode` or 1011. */
  get sink(): Observer<OutgoingMessage> {
    // Made on first use: many connections only ever listen.
    return (this.sinkObserver ??= new ConnectionSink(this));
  }

  /** The handshake as this side saw it (on the client: the request it sent). */
  get request(): UpgradeRequest {
    const request = this.upgradeRequest;
    return request instanceof KeptUpgradeRequest ? (this.upgradeRequest = request.restore()) : request;
  }

  /** On the client: the server's 101 response. Undefined on the server. */
  readonly response: UpgradeResponse | undefined;
  /** The negotiated subprotocol, if any. */
  readonly protocol: string | undefined;
  /** Per-connection user data, set by the server's accept hook (or by you). */
  data: TData;

  /** `request`, or its kept form until first read (see KeptUpgradeRequest). */
  private upgradeRequest: UpgradeRequest | KeptUpgradeRequest;
  private sinkObserver: ConnectionSink | undefined;
  private readonly transport: SocketTransport;
  private readonly options: ConnectionOptions;
  private readonly deflateParams: DeflateParams | undefined;
  /** messages$ subscribers in subscription order; undefined when there are none. Unsubscribed
   *  ones are dropped lazily (see subscribeMessages). */
  private subscribers: Subscriber<Message>[] | undefined;
  private backlog: Message[] | undefined;
  private backlogBytes = 0;
  /** Reading is paused while either holds: the backlog is full, or the user asked. */
  private pausedForBacklog = false;
  private pausedByUser = false;
  private heldForHead = false;
  private closeMessage: CloseMessage | undefined;
  private closeWaiters: Array<(close: CloseMessage) => void> | undefined;
  /** The route that keeps this connection in its live set (server side), told before the waiters. */
  private tracker: ConnectionTracker | undefined;
  private pings: PendingPing[] | undefined;
  private errorSubject: Subject<RxwsError> | undefined;
  private drainSubject: Subject<void> | undefined;
  private streaming = false;
  /** Ends the stream in progress (the connection closed under it). */
  private stopStream: (() => void) | undefined;
  private streamQueue: Array<() => void> | undefined;

  constructor(init: ConnectionInit<TData>) {
    this.upgradeRequest = init.request;
    this.response = init.response;
    this.protocol = init.protocol;
    this.data = init.data;
    this.options = init.options;
    this.deflateParams = init.deflate?.params;
    this.transport = new SocketTransport(init.socket, transportOptions(init.options, init.role, init.deflate, init.readBudget), this);
    this.messages$ = new MessageStream(this);
    if (init.head.length > 0) {
      // Frames that came in the handshake's own packet are handled one turn later, as if read
      // then: the application gets the connection first (route `handle`, `connections$`, the
      // code after `await openConnection()`), so the outcome does not depend on how TCP split
      // the bytes. Later reads queue behind them in order.
      this.heldForHead = true;
      this.transport.pause();
      this.transport.receive(init.head);
      setImmediate(releaseHead, this);
    } else {
      // The server paused the socket during the handshake; reading starts now.
      this.resumeIfFree();
    }
  }

  /** 'open' until a close frame is sent or received, 'closing' until the socket closes, then 'closed'. */
  get state(): 'open' | 'closing' | 'closed' {
    return this.closeMessage !== undefined ? 'closed' : this.transport.protocol.state === 'open' ? 'open' : 'closing';
  }

  /** The permessage-deflate parameters agreed in the handshake (RFC 7692), or undefined when
   *  messages are never compressed on this connection. */
  get perMessageDeflate(): DeflateParams | undefined {
    return this.transport.deflate === undefined ? undefined : this.deflateParams;
  }

  /** @internal The connection's zlib codec (broadcast groups connections by it). */
  get deflateCodec(): DeflateCodec | undefined {
    return this.transport.deflate;
  }

  get remoteAddress(): string | undefined {
    return this.upgradeRequest.remoteAddress;
  }

  /** Outgoing bytes not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.transport.bufferedAmount;
  }

  /** Emits when the socket's write buffer has drained. */
  get drain$(): Observable<void> {
    return (this.drainSubject ??= new Subject<void>()).asObservable();
  }

  /** Non-fatal reports: dropped sends, protocol errors with their detail. Hot; it does not
   *  complete on close, so a `sink.next` after close is still reported. */
  get errors$(): Observable<RxwsError> {
    return (this.errorSubject ??= new Subject<RxwsError>()).asObservable();
  }

  /** Emits the close event once the connection has closed, then completes (replayed to late subscribers). */
  get closed$(): Observable<CloseMessage> {
    return new Observable<CloseMessage>((subscriber) => {
      let active = true;
      this.whenClosed((close) => {
        if (!active) return;
        subscriber.next(close);
        subscriber.complete();
      });
      return () => {
        active = false;
      };
    });
  }

  /**
   * Sends one message; resolves when its bytes have been handed to the kernel. Sending on a
   * connection that is closing or closed is a usage error and throws at once.
   */
  send(message: OutgoingMessage, options?: SendOptions): Promise<void> {
    this.assertOpen();
    if (this.streaming) {
      return new Promise((resolve, reject) => {
        this.enqueueAfterStream(() => {
          if (this.state !== 'open') return reject(closedError(this.closeMessage));
          this.writeMessage(message, options?.fragmentBytes);
          this.transport.whenFlushed().then(resolve, reject);
        });
      });
    }
    if (!this.checkBackpressure()) return Promise.reject(new RxwsError('backpressure_drop', 'message dropped: the peer is not reading fast enough'));
    this.writeMessage(message, options?.fragmentBytes);
    return this.transport.whenFlushed();
  }

  /**
   * Streams one message from an Observable of chunks: each chunk becomes a frame, and the message
   * ends when the Observable completes (RFC 6455 §5.4). Other sends wait until it is done; control
   * frames (pings, pongs) may still interleave. If the source errors, the connection closes 1011.
   */
  sendStream(chunks: Observable<string | Uint8Array>, options?: { binary?: boolean }): Promise<void> {
    this.assertOpen();
    const start = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        this.streaming = true;
        let first = true;
        let finished = false;
        let subscription: Subscription | undefined;
        const opcode = options?.binary === true ? Opcode.Binary : Opcode.Text;
        const finish = (error?: unknown) => {
          if (finished) return;
          finished = true;
          this.stopStream = undefined;
          subscription?.unsubscribe();
          this.streaming = false;
          this.runStreamQueue();
          if (error !== undefined) reject(error);
          else this.transport.whenFlushed().then(resolve, reject);
        };
        // The connection closing ends the stream too: the source is unsubscribed, not left running.
        this.stopStream = () => finish(closedError(this.closeMessage));
        subscription = chunks.subscribe({
          next: (chunk) => {
            if (this.transport.protocol.state !== 'open') return finish(closedError(this.closeMessage));
            if (this.transport.bufferedAmount > this.options.maxBufferedBytes) {
              // Half a message cannot be dropped, so whatever the policy a stream the peer does
              // not read fails the connection (1008) rather than growing our buffer (R39).
              this.report(new RxwsError('backpressure_close', 'closing: the peer is not reading fast enough'));
              this.transport.protocol.fail(CloseCode.PolicyViolation, 'send buffer full');
              return finish(new RxwsError('backpressure_close', 'stream aborted: the peer is not reading fast enough'));
            }
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
            this.transport.protocol.sendFrame(first ? opcode : Opcode.Continuation, bytes, false);
            first = false;
          },
          error: (error: unknown) => {
            if (this.transport.protocol.state === 'open') this.transport.protocol.fail(CloseCode.InternalError, 'internal error');
            finish(error);
          },
          complete: () => {
            if (this.transport.protocol.state !== 'open') return finish(closedError(this.closeMessage));
            this.transport.protocol.sendFrame(first ? opcode : Opcode.Continuation, EMPTY, true);
            finish();
          },
        });
        if (finished) subscription.unsubscribe();
      });
    if (!this.streaming) return start();
    return new Promise((resolve, reject) => this.enqueueAfterStream(() => start().then(resolve, reject)));
  }

  /** Pings the peer; resolves with the matching pong and the round-trip time. */
  ping(payload: string | Uint8Array = EMPTY, options: WaitOptions = {}): Promise<PingResult> {
    this.assertOpen();
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    if (bytes.length > 125) throw new UsageError('ping_too_long', 'a ping payload is at most 125 bytes');
    return new Promise<PingResult>((resolve, reject) => {
      const pending: PendingPing = { payload: Uint8Array.from(bytes), startedAt: performance.now(), resolve, reject, timer: undefined };
      if (options.timeoutMs !== undefined) {
        const timeoutMs = options.timeoutMs;
        pending.timer = setTimeout(() => {
          this.removePing(pending);
          reject(new TimeoutError(`no pong within ${timeoutMs} ms`, timeoutMs));
        }, timeoutMs);
      }
      (this.pings ??= []).push(pending);
      this.transport.protocol.ping(bytes);
      this.transport.flush();
    });
  }

  /**
   * Resolves with the first message of the given type (or matching the predicate); a filtered
   * `firstValueFrom` with a timeout. Rejects with TimeoutError, or ConnectionClosedError if the
   * connection closes first. Messages it skips still reach other subscribers.
   */
  waitForMessage<T extends MessageType>(type: T, options?: WaitOptions): Promise<Extract<Message, { type: T }>>;
  waitForMessage(predicate: (message: Message) => boolean, options?: WaitOptions): Promise<Message>;
  waitForMessage(which: MessageType | ((message: Message) => boolean), options: WaitOptions = {}): Promise<Message> {
    const matches = typeof which === 'function' ? which : (message: Message) => message.type === which;
    // firstValueFrom unsubscribes synchronously on the first match, so a backlog being replayed to
    // it stops there and the rest waits for the next subscriber.
    let source = this.messages$.pipe(filter((message) => message.type === 'close' || matches(message)));
    if (options.timeoutMs !== undefined) {
      const timeoutMs = options.timeoutMs;
      source = source.pipe(
        timeout({ first: timeoutMs, with: () => throwError(() => new TimeoutError(`no matching message within ${timeoutMs} ms`, timeoutMs)) }),
      );
    }
    return firstValueFrom(source).then((message) => {
      if (message.type === 'close' && !matches(message)) throw closedError(message);
      return message;
    });
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2) and resolves with the close event once the
   * connection has closed. Invalid codes or a reason over 123 bytes throw a UsageError.
   */
  close(code: number = CloseCode.Normal, reason = ''): Promise<CloseMessage> {
    checkCloseToSend(code, reason, nodeTextCodec);
    if (this.transport.protocol.state === 'open') {
      this.transport.protocol.close(code, reason);
      this.transport.flush();
    }
    return new Promise((resolve) => this.whenClosed(resolve));
  }

  /** Destroys the socket at once, without a closing handshake (reported as 1006). */
  terminate(): void {
    this.transport.terminate();
  }

  /** Fails the connection from our side with a code (1008 policy, 1011 internal error...). */
  fail(code: number, reason = ''): void {
    if (this.transport.protocol.state === 'open') {
      this.transport.protocol.fail(code, reason);
      this.transport.flush();
    }
  }

  /** Stops reading from the socket (TCP backpressure) until `resume()`. */
  pause(): void {
    this.pausedByUser = true;
    this.transport.pause();
  }

  resume(): void {
    if (!this.pausedByUser) return;
    this.pausedByUser = false;
    this.resumeIfFree();
  }

  /** @internal Reads resume only when no reason to pause is left. */
  resumeIfFree(): void {
    if (!this.pausedForBacklog && !this.pausedByUser && !this.heldForHead && this.closeMessage === undefined) {
      this.transport.resume();
    }
  }

  /** @internal The handshake's trailing bytes may now be handled. */
  releaseHead(): void {
    this.heldForHead = false;
    this.resumeIfFree();
  }

  /** Sends a frame encoded once for many receivers (broadcast), or keeps this connection's
   *  place for a shared frame still being compressed. Returns false if it was dropped. */
  sendEncoded(frame: Uint8Array | SharedFrame): boolean {
    if (this.transport.protocol.state !== 'open' || this.streaming) {
      if (this.state === 'open' && this.streaming) {
        this.enqueueAfterStream(() => this.sendEncoded(frame));
        return true;
      }
      return false;
    }
    if (!this.checkBackpressure()) return false;
    if (frame instanceof Uint8Array) this.transport.protocol.sendPreEncoded(frame);
    // permessage-deflate broadcast: its input counts against our buffer until it is compressed.
    else frame.attach(this.transport.protocol.reservePreEncoded(frame.compressed, frame.estimateBytes, frame));
    return true;
  }

  /** @internal The sink's `error`: closes with the error's close code, or 1011. */
  sinkError(error: unknown): void {
    // Called by RxJS, so it must not throw: an unusable code becomes 1011.
    const code = closeCodeOf(error);
    if (this.state === 'open') this.transport.protocol.close(code, code === CloseCode.InternalError ? 'internal error' : '');
    this.transport.flush();
  }

  /** @internal The sink's `complete`: a normal close (1000). */
  sinkComplete(): void {
    if (this.state === 'open') this.transport.protocol.close(CloseCode.Normal, '');
    this.transport.flush();
  }

  /** @internal Tells `tracker.connectionClosed(this)` once the connection has closed (at once if
   *  it has), before any other close callback. One object's method instead of a closure and a
   *  waiter array per connection: the server's bookkeeping is memory every idle connection pays. */
  track(tracker: ConnectionTracker): void {
    if (this.tracker !== undefined) throw new UsageError('already_tracked', 'a connection has one tracker');
    if (this.closeMessage !== undefined) tracker.connectionClosed(this);
    else this.tracker = tracker;
  }

  // TransportListener --------------------------------------------------------------------------

  /** @internal Called by the transport. */
  onText(text: string): void {
    this.deliver({ type: 'text', data: text }, text.length);
  }

  /** @internal Called by the transport. */
  onBinary(data: Uint8Array): void {
    this.deliver({ type: 'binary', data }, data.length);
  }

  /** @internal Called by the transport. */
  onPong(data: Uint8Array): void {
    const pings = this.pings;
    if (pings !== undefined) {
      const index = pings.findIndex((p) => sameBytes(p.payload, data));
      if (index >= 0) {
        const [pending] = pings.splice(index, 1);
        if (pending!.timer !== undefined) clearTimeout(pending!.timer);
        pending!.resolve({ data, rttMs: performance.now() - pending!.startedAt });
      }
    }
    this.deliver({ type: 'pong', data }, data.length);
  }

  /** @internal Called by the transport. */
  onProtocolError(error: ProtocolError): void {
    this.report(error);
  }

  /** @internal Bytes of received messages waiting for a first subscriber (read by the transport). */
  get heldBacklogBytes(): number {
    return this.backlogBytes;
  }

  /** @internal Called by the transport. */
  onDrain(): void {
    this.drainSubject?.next();
  }

  /** @internal Called by the transport. */
  onClosed(info: CloseInfo): void {
    const close: CloseMessage = { type: 'close', code: info.code, reason: info.reason, wasClean: info.wasClean };
    this.closeMessage = close;
    const pings = this.pings;
    this.pings = undefined;
    if (pings !== undefined) {
      for (const p of pings) {
        if (p.timer !== undefined) clearTimeout(p.timer);
        p.reject(closedError(close));
      }
    }
    this.stopStream?.();
    const queue = this.streamQueue;
    this.streamQueue = undefined;
    if (queue !== undefined) queue.forEach((run) => run());
    const subscribers = this.liveSubscribers();
    this.subscribers = undefined;
    if (subscribers === undefined) {
      (this.backlog ??= []).push(close);
    } else {
      for (const s of subscribers) s.next(close);
      for (const s of subscribers) s.complete();
    }
    const tracker = this.tracker;
    this.tracker = undefined;
    if (tracker !== undefined) tracker.connectionClosed(this);
    const waiters = this.closeWaiters;
    this.closeWaiters = undefined;
    if (waiters !== undefined) waiters.forEach((w) => w(close));
    this.drainSubject?.complete();
  }

  // Internals ----------------------------------------------------------------------------------

  /**
   * @internal `messages$`'s subscribe. It returns no teardown: RxJS would keep one in a new
   * finalizer array on every subscriber (about 300 B per idle connection with the closure).
   * An unsubscribed subscriber is `closed`, gets nothing more from `next`, has already let go of
   * its observer, and is dropped from `subscribers` at the next delivery, subscription or close.
   */
  subscribeMessages(subscriber: Subscriber<Message>): void {
    // Replay the backlog first. Replaying can trigger reads (resume) that add to a new backlog,
    // hence the loop.
    let backlog = this.backlog;
    while (backlog !== undefined) {
      this.backlog = undefined;
      this.backlogBytes = 0;
      let i = 0;
      while (i < backlog.length && !subscriber.closed) subscriber.next(backlog[i++]!);
      if (i < backlog.length) {
        // The subscriber left early (waitForMessage): the rest waits for the next one.
        this.backlog = backlog.slice(i).concat(this.backlog ?? []);
        this.backlogBytes = this.backlog.reduce((n, m) => n + sizeOf(m), 0);
        this.transport.accountHeld();
        return;
      }
      if (backlog[backlog.length - 1]!.type === 'close') {
        subscriber.complete();
        return;
      }
      backlog = this.backlog;
    }
    // What the backlog held is free: a server's read budget may let others read again.
    this.transport.accountHeld();
    if (this.closeMessage !== undefined) {
      if (!subscriber.closed) {
        subscriber.next(this.closeMessage);
        subscriber.complete();
      }
      return;
    }
    if (subscriber.closed) return;
    // Register first, then resume: resuming parses the bytes held back, and their messages must
    // reach this subscriber rather than start a new backlog.
    const subscribers = this.liveSubscribers();
    // An exact one-slot array: a first push would reserve 17.
    if (subscribers === undefined) this.subscribers = [subscriber];
    else subscribers.push(subscriber);
    if (this.pausedForBacklog) {
      this.pausedForBacklog = false;
      this.resumeIfFree();
    }
  }

  /** Drops the subscribers that unsubscribed; returns those left, or undefined when none is. */
  private liveSubscribers(): Subscriber<Message>[] | undefined {
    const subscribers = this.subscribers;
    if (subscribers === undefined) return undefined;
    let kept = 0;
    for (let i = 0; i < subscribers.length; i++) {
      const s = subscribers[i]!;
      if (!s.closed) subscribers[kept++] = s;
    }
    if (kept === 0) return (this.subscribers = undefined);
    subscribers.length = kept;
    return subscribers;
  }

  private deliver(message: Message, size: number): void {
    let subscribers = this.subscribers;
    if (subscribers !== undefined && subscribers.length === 1 && !subscribers[0]!.closed) {
      subscribers[0]!.next(message);
      return;
    }
    subscribers = this.liveSubscribers();
    if (subscribers === undefined) {
      (this.backlog ??= []).push(message);
      this.backlogBytes += size;
      if (this.backlogBytes >= this.options.backlogBytes && !this.pausedForBacklog) {
        this.pausedForBacklog = true;
        this.transport.pause();
      }
    } else {
      for (const s of subscribers.slice()) s.next(message);
    }
  }

  /** @internal The sink's `next`: sends, or reports the drop; never throws into RxJS. */
  trySend(message: OutgoingMessage): void {
    if (this.transport.protocol.state !== 'open') {
      this.report(new RxwsError('send_after_close', 'message dropped: the connection is closing or closed'));
      return;
    }
    if (this.streaming) {
      this.enqueueAfterStream(() => this.trySend(message));
      return;
    }
    if (!this.checkBackpressure()) return;
    this.writeMessage(message, undefined);
  }

  private writeMessage(message: OutgoingMessage, fragmentBytes: number | undefined): void {
    const protocol = this.transport.protocol;
    if (typeof message === 'string') {
      if (fragmentBytes === undefined) return protocol.sendText(message);
      return this.writeFragmented(Opcode.Text, Buffer.from(message, 'utf8'), fragmentBytes);
    }
    const bytes = toBytes(message);
    if (fragmentBytes === undefined) return protocol.sendBinary(bytes);
    this.writeFragmented(Opcode.Binary, bytes, fragmentBytes);
  }

  private writeFragmented(opcode: number, bytes: Uint8Array, fragmentBytes: number): void {
    if (!Number.isInteger(fragmentBytes) || fragmentBytes < 1) {
      throw new UsageError('bad_option', 'fragmentBytes must be a positive integer');
    }
    // The core splits the message, compressing it first when permessage-deflate applies.
    this.transport.protocol.sendFragmented(opcode, bytes, fragmentBytes);
  }

  /** Applies the outbound cap (RELIABILITY 39): false when the message must not be written. */
  private checkBackpressure(): boolean {
    if (this.transport.bufferedAmount <= this.options.maxBufferedBytes) return true;
    if (this.options.backpressure === 'drop') {
      this.report(new RxwsError('backpressure_drop', 'message dropped: the peer is not reading fast enough'));
      return false;
    }
    this.report(new RxwsError('backpressure_close', 'closing: the peer is not reading fast enough'));
    this.transport.protocol.fail(CloseCode.PolicyViolation, 'send buffer full');
    return false;
  }

  private enqueueAfterStream(run: () => void): void {
    (this.streamQueue ??= []).push(run);
  }

  private runStreamQueue(): void {
    while (!this.streaming && this.streamQueue !== undefined && this.streamQueue.length > 0) {
      this.streamQueue.shift()!();
    }
  }

  private removePing(pending: PendingPing): void {
    const index = this.pings?.indexOf(pending) ?? -1;
    if (index >= 0) this.pings!.splice(index, 1);
  }

  private whenClosed(callback: (close: CloseMessage) => void): void {
    if (this.closeMessage !== undefined) callback(this.closeMessage);
    else (this.closeWaiters ??= []).push(callback);
  }

  private assertOpen(): void {
    if (this.transport.protocol.state !== 'open') {
      throw new UsageError('send_after_close', 'the connection is closing or closed');
    }
  }

  private report(error: RxwsError): void {
    this.errorSubject?.next(error);
  }
}

const EMPTY = new Uint8Array(0);

/** Server transport settings, by the route's connection options they were made from. */
const sharedTransportOptions = new WeakMap<ConnectionOptions, TransportOptions>();

/**
 * The transport's settings. On the server, one frozen object per route's options rather than one
 * per connection (idle connections are the memory that adds up), unless permessage-deflate was
 * negotiated: its parameters are the connection's own. Options objects are not changed once made
 * (Readonly throughout), so sharing is safe. A client makes an options object per connection, so
 * there is nothing to share there.
 */
function transportOptions(options: ConnectionOptions, role: 'server' | 'client', deflate: ConnectionInit<unknown>['deflate'], readBudget: ReadBudget | undefined): TransportOptions {
  if (deflate !== undefined || role === 'client') return makeTransportOptions(options, role, deflate, readBudget);
  // A route's options object belongs to one server, so its connections share one budget too.
  let shared = sharedTransportOptions.get(options);
  if (shared === undefined) {
    shared = Object.freeze(makeTransportOptions(options, role, undefined, readBudget));
    sharedTransportOptions.set(options, shared);
  }
  return shared;
}

function makeTransportOptions(
  options: ConnectionOptions,
  role: 'server' | 'client',
  deflate: ConnectionInit<unknown>['deflate'],
  readBudget: ReadBudget | undefined,
): TransportOptions {
  return {
    role,
    maxMessageBytes: options.maxMessageBytes,
    maxFragments: options.maxFragments,
    closeTimeoutMs: options.closeTimeoutMs,
    autoPong: options.autoPong,
    maxBufferedBytes: options.maxBufferedBytes,
    heartbeat: options.heartbeat,
    deflate,
    readBudget,
  };
}

/**
 * `Connection.messages$`: one Observable subclass whose subscribe function is shared, instead of a
 * closure (and its context) per connection. RxJS calls it with `this` set to the Observable.
 */
class MessageStream extends Observable<Message> {
  constructor(private readonly connection: Connection<any>) {
    super(MessageStream.subscribeTo);
  }

  private static subscribeTo(this: Observable<Message>, subscriber: Subscriber<Message>): void {
    (this as MessageStream).connection.subscribeMessages(subscriber);
  }
}

/** `Connection.sink`: one small object per connection rather than three closures. */
class ConnectionSink implements Observer<OutgoingMessage> {
  constructor(private readonly connection: Connection<any>) {}
  next(message: OutgoingMessage): void {
    this.connection.trySend(message);
  }
  error(error: unknown): void {
    this.connection.sinkError(error);
  }
  complete(): void {
    this.connection.sinkComplete();
  }
}

function releaseHead(connection: Connection<unknown>): void {
  connection.releaseHead();
}

function sizeOf(message: Message): number {
  return message.type === 'close' ? 0 : message.data.length;
}

/** The close code carried by an error passed to `sink.error()`: its `closeCode`, else 1011. */
function closeCodeOf(error: unknown): number {
  const code = (error as { closeCode?: unknown } | null)?.closeCode;
  return typeof code === 'number' && isValidWireCloseCode(code) ? code : CloseCode.InternalError;
}

function closedError(close: CloseMessage | undefined, what = 'the connection closed'): ConnectionClosedError {
  return new ConnectionClosedError(
    close === undefined ? what : `${what} (${close.code})`,
    close?.code ?? CloseCode.Abnormal,
    close?.reason ?? '',
    close?.wasClean ?? false,
  );
}
