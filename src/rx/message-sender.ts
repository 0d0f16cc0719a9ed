import { Observable, Subject, type Observer } from 'rxjs';
import { RxwsError, UsageError, type ProtocolError } from '../errors';
import { CloseCode } from '../protocol/close-code';
import { packFlags } from '../protocol/packed-flags';
import { packRare } from '../protocol/rare-fields';
import { closedError } from './closed-error';
import type { OutgoingMessage } from './message';
import { BACKLOG_FLAGS_END, MessageBacklog } from './message-backlog';
import { toBytes } from './to-bytes';

/**
 * The sending layer of every connection, Node or browser: `sink`, `send()`, the outbound cap
 * (`maxBufferedBytes` and its `backpressure` policy), `bufferedAmount`, `drain$` and `errors$`.
 * Below it, `MessageBacklog` (incoming messages); above it, `ReactiveConnection` (closing).
 */
export abstract class MessageSender extends MessageBacklog {
  /** Outgoing messages: `next` sends (a drop after close is reported on `errors$`), `complete`
   *  closes with 1000, `error` closes with the error's `closeCode` or 1011. */
  get sink(): Observer<OutgoingMessage> {
    // Made on first use: many connections only ever listen.
    return (this.sinkObserver ??= new ConnectionSink(this));
  }

  private sinkObserver: ConnectionSink | undefined;
  declare private errorSubject: Subject<RxwsError> | undefined;
  /** @internal */
  declare protected drainSubject: Subject<void> | undefined;
  /** @internal True while one message is being sent in pieces (Node's `sendStream`): other
   *  sends wait their turn in `streamQueue`, so frames of two messages never interleave. */
  declare protected streaming: boolean;
  declare private streamQueue: Array<() => void> | undefined;

  /** Outgoing bytes not yet handed to the network: ours, plus the socket's (Node) or the
   *  browser's `WebSocket.bufferedAmount`. When it passes `maxBufferedBytes`, the `backpressure`
   *  option applies. */
  get bufferedAmount(): number {
    return this.transport.bufferedAmount;
  }

  /** Emits each time the outgoing buffer has drained: a moment to send more after
   *  `bufferedAmount` grew. Hot; completes when the connection closes. */
  get drain$(): Observable<void> {
    return (this.drainSubject ??= new Subject<void>()).asObservable();
  }

  /** Reports that do not throw: sends dropped after close or by the backpressure policy, and
   *  the peer's protocol errors with their detail (`ProtocolError`). Hot; it does not complete on
   *  close, so a `sink.next` after close is still reported. */
  get errors$(): Observable<RxwsError> {
    return (this.errorSubject ??= new Subject<RxwsError>()).asObservable();
  }

  /**
   * Sends one message: a string as text, bytes (any ArrayBufferView or ArrayBuffer) as binary.
   * Resolves when its bytes (and everything sent before) have been handed to the network, or
   * when the connection closes before that (resolving is no proof of delivery). Sending on a
   * connection that is not 'open' throws a UsageError at once. When `bufferedAmount` is past
   * `maxBufferedBytes` the message is not sent and the promise rejects (code
   * `'backpressure_drop'`); with `backpressure: 'close'` the connection also closes with 1008.
   */
  send(message: OutgoingMessage): Promise<void> {
    return this.sendNow(message, undefined);
  }

  /** @internal The sink's `next`: sends, or reports the drop; never throws into RxJS. */
  trySend(message: OutgoingMessage): void {
    if (this.transport.state !== 'open') {
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

  /** @internal The sink's `error`: closes with the error's close code, or 1011. */
  abstract sinkError(error: unknown): void;

  /** @internal The sink's `complete`: a normal close (1000). */
  abstract sinkComplete(): void;

  /** @internal Called by the transport. */
  onProtocolError(error: ProtocolError): void {
    this.report(error);
  }

  /** @internal Called by the transport. */
  onDrain(): void {
    this.drainSubject?.next();
  }

  /** @internal `send()`, with the Node connection's fragmentation option. */
  protected sendNow(message: OutgoingMessage, fragmentBytes: number | undefined): Promise<void> {
    this.assertOpen();
    if (this.streaming) {
      return new Promise((resolve, reject) => {
        this.enqueueAfterStream(() => {
          if (this.transport.state !== 'open') return reject(closedError(this.closeMessage));
          this.writeMessage(message, fragmentBytes);
          this.transport.whenFlushed().then(resolve, reject);
        });
      });
    }
    if (!this.checkBackpressure()) return Promise.reject(new RxwsError('backpressure_drop', 'message dropped: the peer is not reading fast enough'));
    this.writeMessage(message, fragmentBytes);
    return this.transport.whenFlushed();
  }

  /** @internal A string goes out as a text message, anything else as a binary one. */
  protected writeMessage(message: OutgoingMessage, fragmentBytes: number | undefined): void {
    if (fragmentBytes !== undefined) return this.writeFragmented(message, fragmentBytes);
    if (typeof message === 'string') this.transport.sendText(message);
    else this.transport.sendBinary(toBytes(message));
  }

  /** @internal Sends one message split into frames (RFC 6455 §5.4), where the transport allows. */
  protected writeFragmented(message: OutgoingMessage, fragmentBytes: number): void {
    void message;
    void fragmentBytes;
    throw new UsageError('unsupported', 'this connection cannot choose how messages are fragmented');
  }

  /** @internal Applies the outbound cap (the `backpressure` option): false when the message must
   *  not be written. */
  protected checkBackpressure(): boolean {
    if (this.transport.bufferedAmount <= this.limits.maxBufferedBytes) return true;
    if (this.limits.backpressure === 'drop') {
      this.report(new RxwsError('backpressure_drop', 'message dropped: the peer is not reading fast enough'));
      return false;
    }
    this.report(new RxwsError('backpressure_close', 'closing: the peer is not reading fast enough'));
    this.transport.fail(CloseCode.PolicyViolation, 'send buffer full');
    return false;
  }

  /** @internal Runs `run` once the message being streamed is done. */
  protected enqueueAfterStream(run: () => void): void {
    (this.streamQueue ??= []).push(run);
  }

  /** @internal Runs the sends that waited, in order, until another stream starts. */
  protected runStreamQueue(): void {
    while (!this.streaming && this.streamQueue !== undefined && this.streamQueue.length > 0) {
      this.streamQueue.shift()!();
    }
  }

  /** @internal The connection closed: every send still waiting runs now (and fails as closed). */
  protected releaseStreamQueue(): void {
    const queue = this.streamQueue;
    this.streamQueue = undefined;
    if (queue !== undefined) queue.forEach((run) => run());
  }

  /** @internal Throws the UsageError for a send on a connection that is not open. */
  protected assertOpen(): void {
    if (this.transport.state !== 'open') {
      throw new UsageError('send_after_close', 'the connection is closing or closed');
    }
  }

  /** @internal Reports on `errors$`. */
  protected report(error: RxwsError): void {
    this.errorSubject?.next(error);
  }
}

/** @internal The first bit of `flags` the layers on top of MessageSender may use. */
export const SENDER_FLAGS_END = packFlags(MessageSender.prototype, ['streaming'], BACKLOG_FLAGS_END);
packRare(MessageSender.prototype, { errorSubject: undefined, drainSubject: undefined, streamQueue: undefined });

/** `sink`: one small object per connection rather than three closures. */
class ConnectionSink implements Observer<OutgoingMessage> {
  constructor(private readonly connection: MessageSender) {}
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
