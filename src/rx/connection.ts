import type { Observable, Subscription } from 'rxjs';
import { TimeoutError, UsageError, type ProtocolError, type RxwsError } from '../errors';
import { Opcode } from '../protocol/opcode';
import { packFlags } from '../protocol/packed-flags';
import { packRare } from '../protocol/rare-fields';
import { SocketTransport, type ByteStream, type TransportOptions } from '../transport/socket-transport';
import type { FramingTransportListener } from '../transport/transport';
import type { DeflateConfig, DeflateParams } from '../extensions/permessage-deflate';
import type { DeflateCodec } from '../transport/deflate-codec';
import type { ReadBudget } from '../transport/read-budget';
import type { SharedFrame } from '../transport/shared-frame';
import { sameBytes } from '../transport/same-bytes';
import { closedError } from './closed-error';
import type { ConnectionOptions } from './connection-options';
import type { CloseMessage, OutgoingMessage } from './message';
import { HOLD } from './message-backlog';
import { backpressureDrop } from './message-sender';
import { PacedStreamSender, type SendStreamOptions, type StreamSource } from './paced-stream-sender';
import { PAUSABLE_FLAGS_END, PausableConnection, READ_ON } from './pausable-connection';
import type { WaitOptions } from './reactive-connection';
import type { StreamedMessage } from './streamed-message';
import { StreamedMessageReceiver } from './streamed-message-receiver';
import { toBytes } from './to-bytes';
import { KeptUpgradeRequest, type UpgradeRequest, type UpgradeResponse } from './upgrade-request';

export type { WaitOptions } from './reactive-connection';

/** @internal Told when a connection closes: the server's and routes' own bookkeeping. */
export interface ConnectionTracker<C extends Connection<any> = Connection<any>> {
  /** The connection has closed and its `close` message is about to be emitted: leave the live
   *  sets (and topics) now, so whoever reacts to the close no longer finds (or counts) it there. */
  connectionClosed(connection: C): void;
  /** The `close` message has been delivered to the subscribers of `messages$`. */
  closeDelivered?(connection: C): void;
}

/** Options for `Connection.send`. */
export interface SendOptions {
  /** Split the message into frames of at most this many payload bytes (RFC 6455 §5.4), e.g. to
   *  let pings through during a large message. Must be a positive integer (else a UsageError).
   *  Default: one frame. */
  fragmentBytes?: number;
}

/** What `Connection.ping` resolves with. */
export interface PingResult {
  /** The pong's payload (equal to what we sent). */
  data: Uint8Array;
  /** Milliseconds from sending the ping to receiving its pong. */
  rttMs: number;
}

/** @internal Everything a Connection is made from; built by the server and the client, not by users. */
export interface ConnectionInit<TData> {
  /** The socket after an HTTP/1.1 upgrade, or the HTTP/2 stream of an extended CONNECT. */
  socket: ByteStream;
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

interface PendingPing {
  payload: Uint8Array;
  startedAt: number;
  resolve: (result: PingResult) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * One WebSocket connection on Node, either side, as RxJS: everything `ReactiveConnection` has
 * (`messages$`, which ends with a `close` event and completes; `sink`; `send`; `close`...) on the
 * RFC 6455 protocol core over a socket, plus what only that transport can do: `ping()`,
 * fragmentation (`send` with `fragmentBytes`, `sendStream`), `pause()`/`resume()` (TCP
 * backpressure), `fail()`, `terminate()`, the handshake (`request`, `response`) and
 * permessage-deflate. Messages that arrive while nobody subscribes wait in a bounded backlog;
 * when it is full the socket is paused, so nothing is dropped (once our close frame is out,
 * reading goes on to complete the handshake: see `pause()`).
 */
export class Connection<TData = unknown> extends PausableConnection<TData> implements FramingTransportListener {
  /** The opening handshake request as this side saw it: path, query, headers, origin, offered
   *  subprotocols (on the client: the request it sent). */
  get request(): UpgradeRequest {
    const request = this.upgradeRequest;
    return request instanceof KeptUpgradeRequest ? (this.upgradeRequest = request.restore()) : request;
  }

  /** On the client: the server's 101 response (status, headers, subprotocol). Undefined on the
   *  server. */
  declare readonly response: UpgradeResponse | undefined;

  /** @internal */
  declare protected transport: SocketTransport;
  /** `request`, or its kept form until first read (see KeptUpgradeRequest). */
  private upgradeRequest: UpgradeRequest | KeptUpgradeRequest;
  declare private readonly deflateParams: DeflateParams | undefined;
  /** Reading is paused while the user asked, or while the handshake's trailing bytes wait. */
  declare private pausedByUser: boolean;
  declare private heldForHead: boolean;
  declare private pings: PendingPing[] | undefined;
  /** Ends the stream in progress (the connection closed under it). */
  declare private stopStream: (() => void) | undefined;
  /** True while one message is being sent in pieces (`sendStream`): other sends wait their turn
   *  in `streamQueue`, so frames of two messages never interleave. */
  declare private streaming: boolean;
  declare private streamQueue: Array<() => void> | undefined;
  /** The route that keeps this connection in its live set (server side), told before the waiters. */
  private tracker: ConnectionTracker<this> | undefined;
  /** Messages received as streams hold reading back (see StreamedMessageReceiver). */
  declare private pausedForStreams: boolean;
  /** Messages received as streams; made on first need, with the streamThresholdBytes option. */
  declare private streamReceiver: StreamedMessageReceiver | undefined;
  /**
   * @internal The topics this connection is a member of (server side), by name, each with the
   * membership's Subscription. Kept and changed by the server's topics, which leave them all when
   * the connection closes, before its `close` message; undefined while there are none (most
   * connections).
   */
  memberships: Map<string, Subscription> | undefined;

  /** @internal Connections are made by the server and by `connect()`, not by users. */
  constructor(init: ConnectionInit<TData>) {
    super(init.options, init.protocol, init.data);
    this.upgradeRequest = init.request;
    this.response = init.response;
    this.deflateParams = init.deflate?.params;
    this.transport = new SocketTransport(init.socket, transportOptions(init.options, init.role, init.deflate, init.readBudget), this);
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

  /** The permessage-deflate parameters agreed in the handshake (RFC 7692), or undefined when
   *  messages are never compressed on this connection. */
  get perMessageDeflate(): DeflateParams | undefined {
    return this.transport.deflate === undefined ? undefined : this.deflateParams;
  }

  /** @internal The connection's zlib codec (broadcast groups connections by it). */
  get deflateCodec(): DeflateCodec | undefined {
    return this.transport.deflate;
  }

  /** The names of the topics this connection is a member of (`server.topic(name).join(conn)`);
   *  empty on the client, and once the connection has closed. A new Set on every read. */
  get topics(): ReadonlySet<string> {
    return new Set(this.memberships?.keys());
  }

  /** The peer's IP address, as the socket reported it when the connection opened (on the
   *  server, the client's), or undefined if the socket had none. */
  get remoteAddress(): string | undefined {
    return this.upgradeRequest.remoteAddress;
  }

  /**
   * Sends one message: a string as text, bytes (any ArrayBufferView or ArrayBuffer) as binary;
   * with `fragmentBytes`, in frames of at most that many payload bytes. Resolves when its bytes
   * have been handed to the kernel, or when the connection closes before that (resolving is no
   * proof of delivery). Sending on a connection that is not 'open' throws a UsageError at once.
   * When `bufferedAmount` is past `maxBufferedBytes` the message is not sent and the promise
   * rejects (code `'backpressure_drop'`); with `backpressure: 'close'` the connection also
   * closes with 1008.
   */
  override send(message: OutgoingMessage, options?: SendOptions): Promise<void> {
    const fragmentBytes = options?.fragmentBytes;
    if (fragmentBytes === undefined && !this.streaming) return super.send(message);
    this.assertOpen();
    if (this.streaming) {
      return new Promise((resolve, reject) => {
        this.enqueueAfterStream(() => {
          if (this.transport.state !== 'open') return reject(closedError(this.closeMessage));
          this.write(message, fragmentBytes);
          this.transport.whenFlushed().then(resolve, reject);
        });
      });
    }
    if (!this.checkBackpressure()) return Promise.reject(backpressureDrop());
    this.write(message, fragmentBytes);
    return this.transport.whenFlushed();
  }

  /** @internal The sink's `next`: waits behind a message being streamed, else sends now. */
  override trySend(message: OutgoingMessage): void {
    if (this.streaming && this.transport.state === 'open') this.enqueueAfterStream(() => this.trySend(message));
    else super.trySend(message);
  }

  /**
   * Sends one message whose length is not known up front, chunk by chunk, each chunk as one frame
   * (RFC 6455 §5.4); resolves once the last frame has been handed to the kernel. From an
   * `AsyncIterable` (a Node `Readable` such as `createReadStream(path)`, an async generator), the
   * next chunk is asked for only when `bufferedAmount` is back under `highWaterMarkBytes`, so a
   * slow peer slows the source down and memory stays bounded whatever the message size. An
   * `Observable` cannot be paused: its chunks wait in a queue, and the connection fails with 1008
   * if the queue outgrows `maxBufferedBytes` (pass the Readable itself, not `from(readable)`).
   * Chunks are sent by reference: do not change one after it was yielded. Other sends wait until
   * the message is done; pings and pongs may interleave (§5.5). A source that errors (or yields
   * something other than a string or a Uint8Array) fails the connection with 1011 and the promise
   * rejects with its error; a connection that closes first rejects it with ConnectionClosedError
   * and releases the source (a Readable is destroyed, an iterator `return()`ed, an Observable
   * unsubscribed). Throws UsageError at once on a closed connection, for a bad source or option.
   */
  sendStream(source: StreamSource, options?: SendStreamOptions): Promise<void> {
    this.assertOpen();
    const host = { closedError: () => closedError(this.closeMessage), report: (error: RxwsError) => this.report(error) };
    const sender = new PacedStreamSender(source, options, this.limits.maxBufferedBytes, this.transport, host);
    const start = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        this.streaming = true;
        // The connection closing ends the stream too: the source is released, not left running.
        this.stopStream = () => sender.stop(closedError(this.closeMessage));
        sender.start((error) => {
          this.stopStream = undefined;
          this.streaming = false;
          this.runStreamQueue();
          if (error !== undefined) reject(error);
          else this.transport.whenFlushed().then(resolve, reject);
        });
      });
    if (!this.streaming) return start();
    return new Promise((resolve, reject) =>
      this.enqueueAfterStream(() => {
        if (this.transport.state !== 'open') {
          sender.stop(closedError(this.closeMessage));
          return reject(closedError(this.closeMessage));
        }
        start().then(resolve, reject);
      }),
    );
  }

  /**
   * With the `streamThresholdBytes` option: every data message of at least that many bytes, as a
   * StreamedMessage the moment it begins, to be read chunk by chunk while it arrives (such
   * messages do not appear on `messages$`). Read or `discard()` each one: unread chunks count
   * toward `backlogBytes`, past which the socket is paused (after our close frame too: the
   * closing handshake then waits for the reader, up to `closeTimeoutMs`). Hot; messages that
   * begin while nobody subscribes are kept for the first subscriber, with the socket paused
   * meanwhile. Completes when the connection closes; a message still arriving then fails.
   * Throws UsageError when the option is not set.
   */
  get streamedMessages$(): Observable<StreamedMessage> {
    if ((this.limits as ConnectionOptions).streamThresholdBytes === undefined) {
      throw new UsageError('streaming_off', 'streamedMessages$ needs the streamThresholdBytes option');
    }
    return this.streamedMessages().messages$;
  }

  /**
   * Pings the peer (RFC 6455 §5.5.2) and resolves with the matching pong's payload and the
   * round-trip time. A payload over 125 bytes, or a connection that is not 'open', throws a
   * UsageError at once. Rejects with TimeoutError after `timeoutMs`, or ConnectionClosedError if
   * the connection closes first.
   */
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

  /** Destroys the socket at once, without a closing handshake: `messages$` ends with a `close`
   *  message with code 1006. For a peer that must not hold resources any longer. */
  terminate(): void {
    this.transport.terminate();
  }

  /** Fails the connection from our side (RFC 6455 §7.1.7): sends a close frame with `code` (1008
   *  policy violation, 1011 internal error...) and closes the socket without waiting for the
   *  peer's answer. Does nothing once the connection is closing. */
  fail(code: number, reason = ''): void {
    if (this.transport.protocol.state === 'open') {
      this.transport.protocol.fail(code, reason);
      this.transport.flush();
    }
  }

  /**
   * Stops reading from the socket until `resume()`: no more messages arrive, and TCP holds the
   * peer back once the buffers fill. For a subscriber that cannot keep up (see `pacedConcatMap`).
   *
   * Once our close frame has gone out (`close()`, `sink.complete()`, `sink.error()`), reading
   * goes on regardless, to find the peer's close frame: while paused, the messages read meanwhile
   * wait in the backlog for `resume()` (those read before our close frame all of them; later ones
   * while the backlog holds less than `backlogBytes`, the rest are discarded and their count
   * reported on `errors$` as `discarded_after_close`), and the close event comes after them.
   */
  pause(): void {
    this.pausedByUser = true;
    if ((this.closeReading & READ_ON) !== 0) this.closeReading |= HOLD;
    else this.transport.pause();
  }

  /** Reads again after `pause()`, delivering first whatever waited meanwhile. Reading may still
   *  wait while the backlog is full (nobody is subscribed to `messages$`). Does nothing when not
   *  paused. */
  resume(): void {
    if (!this.pausedByUser) return;
    this.pausedByUser = false;
    if ((this.closeReading & HOLD) !== 0) {
      this.closeReading &= ~HOLD;
      this.releaseHeld();
      return;
    }
    this.resumeIfFree();
  }

  /** @internal Reads resume only when no reason to pause is left (or, once our close frame is
   *  out, whatever paused them). */
  override resumeIfFree(): void {
    // A streamed message's reader that is behind holds reading back even after our close frame:
    // its chunks cannot be discarded like whole messages, and memory must stay bounded.
    if (this.heldForHead || this.pausedForStreams) return;
    if (this.pausedByUser && (this.closeReading & READ_ON) === 0) return;
    super.resumeIfFree();
  }

  /** @internal A user pause holds messages for resume() while we read on to the close. */
  protected override readOnToClose(): void {
    if (this.pausedByUser) this.closeReading |= HOLD;
    super.readOnToClose();
  }

  /** @internal */
  protected override readingPaused(): boolean {
    return this.pausedByUser || this.pausedForStreams || super.readingPaused();
  }

  /** @internal Messages received as streams hold reading back, or no longer do. */
  setStreamsPaused(paused: boolean): void {
    if (paused === this.pausedForStreams) return;
    this.pausedForStreams = paused;
    if (paused) this.transport.pause();
    else this.resumeIfFree();
  }

  /** @internal The handshake's trailing bytes may now be handled. */
  releaseHead(): void {
    this.heldForHead = false;
    this.resumeIfFree();
  }

  /** @internal True while outgoing bytes are over `maxBufferedBytes`: the next message would meet
   *  the backpressure policy. Lets a broadcast serve everyone else before any policy runs. */
  get overBufferCap(): boolean {
    return this.transport.bufferedAmount > this.limits.maxBufferedBytes;
  }

  /** @internal Sends a frame encoded once for many receivers (broadcast), or keeps this
   *  connection's place for a shared frame still being compressed. Returns false if it was
   *  dropped. */
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

  // FramingTransportListener ----------------------------------------------------------------------

  /** @internal Called by the transport: settles the ping this pong answers, then delivers it. */
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
    this.deliverMessage({ type: 'pong', data }, data.length);
  }

  /** @internal Called by the transport. */
  onMessageStart(binary: boolean): void {
    this.streamedMessages().start(binary);
  }

  /** @internal Called by the transport. */
  onMessageChunk(data: Uint8Array): void {
    this.streamReceiver?.chunk(data);
  }

  /** @internal Called by the transport. */
  onMessageEnd(): void {
    this.streamReceiver?.end();
  }

  /** @internal Called by the transport. */
  onProtocolError(error: ProtocolError): void {
    // A message being received as a stream ends with the reason (1007 at the offending chunk...).
    this.streamReceiver?.fail(error);
    this.report(error);
  }

  /** @internal Tells `tracker.connectionClosed(this)` once the connection has closed (at once if
   *  it has), before any other close callback. One object's method instead of a closure and a
   *  waiter array per connection: the server's bookkeeping is memory every idle connection pays. */
  track(tracker: ConnectionTracker<this>): void {
    if (this.tracker !== undefined) throw new UsageError('already_tracked', 'a connection has one tracker');
    if (this.closeMessage !== undefined) {
      tracker.connectionClosed(this);
      tracker.closeDelivered?.(this);
    } else this.tracker = tracker;
  }

  // Internals ----------------------------------------------------------------------------------

  /** @internal What the backlog held is free: the server's read budget may let others read. */
  protected override backlogTaken(): void {
    this.transport.accountHeld();
  }

  /** @internal Pings and a stream in progress fail as soon as the connection has closed, and the
   *  sends waiting behind the stream run (and fail as closed). */
  protected override abortPending(close: CloseMessage): void {
    const pings = this.pings;
    this.pings = undefined;
    if (pings !== undefined) {
      for (const p of pings) {
        if (p.timer !== undefined) clearTimeout(p.timer);
        p.reject(closedError(close));
      }
    }
    this.stopStream?.();
    this.streamReceiver?.close(closedError(close));
    const queue = this.streamQueue;
    this.streamQueue = undefined;
    if (queue !== undefined) queue.forEach((run) => run());
    super.abortPending?.(close);
  }

  /** @internal The live sets and topics let go before anyone sees the close: a leave notice built
   *  from the close must not list the leaver, nor a broadcast made then count it. */
  protected override endMessages(close: CloseMessage): void {
    const tracker = this.tracker;
    this.tracker = undefined;
    if (tracker !== undefined) tracker.connectionClosed(this);
    super.endMessages(close);
    tracker?.closeDelivered?.(this);
  }

  /** @internal Runs `run` once the message being streamed is done. */
  private enqueueAfterStream(run: () => void): void {
    (this.streamQueue ??= []).push(run);
  }

  /** Runs the sends that waited, in order, until another stream starts. */
  private runStreamQueue(): void {
    while (!this.streaming && this.streamQueue !== undefined && this.streamQueue.length > 0) {
      this.streamQueue.shift()!();
    }
  }

  /** One message, in frames of `fragmentBytes` when given. */
  private write(message: OutgoingMessage, fragmentBytes: number | undefined): void {
    if (fragmentBytes === undefined) this.writeMessage(message);
    else this.writeFragmented(message, fragmentBytes);
  }

  /** The core splits the message, compressing it first when permessage-deflate applies. */
  private writeFragmented(message: OutgoingMessage, fragmentBytes: number): void {
    if (!Number.isInteger(fragmentBytes) || fragmentBytes < 1) {
      throw new UsageError('bad_option', 'fragmentBytes must be a positive integer');
    }
    if (typeof message === 'string') this.transport.protocol.sendFragmented(Opcode.Text, Buffer.from(message, 'utf8'), fragmentBytes);
    else this.transport.protocol.sendFragmented(Opcode.Binary, toBytes(message), fragmentBytes);
  }

  private streamedMessages(): StreamedMessageReceiver {
    return (this.streamReceiver ??= new StreamedMessageReceiver(this, this.limits.backlogBytes));
  }

  private removePing(pending: PendingPing): void {
    const index = this.pings?.indexOf(pending) ?? -1;
    if (index >= 0) this.pings!.splice(index, 1);
  }
}

packFlags(Connection.prototype, { pausedByUser: true, heldForHead: true, streaming: true, pausedForStreams: true }, PAUSABLE_FLAGS_END);
// Not tracker nor memberships: a server sets the first on every connection and, with topics,
// the second on most, where a field is cheaper than a side object.
packRare(Connection.prototype, {
  response: undefined,
  deflateParams: undefined,
  pings: undefined,
  stopStream: undefined,
  streamQueue: undefined,
  streamReceiver: undefined,
});

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
    streamThresholdBytes: options.streamThresholdBytes,
  };
}

function releaseHead(connection: Connection<unknown>): void {
  connection.releaseHead();
}
