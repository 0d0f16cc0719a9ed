import { Observable, Subject, type Observer } from 'rxjs';
import { RxwsError, UsageError } from '../errors';
import { CLOSE_POLICY_VIOLATION } from '../protocol/close-code';
import type { OutgoingMessage } from './message';
import { MessageBacklog } from './message-backlog';
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
  // Declared, not initialised: undefined until first asked for; on Node, `PausableConnection`
  // keeps them in its side object with the other fields most connections never set (packRare).
  declare private errorSubject: Subject<RxwsError> | undefined;
  /** @internal */
  declare protected drainSubject: Subject<void> | undefined;

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
    this.assertOpen();
    if (!this.checkBackpressure()) return Promise.reject(backpressureDrop());
    this.writeMessage(message);
    return this.transport.whenFlushed();
  }

  /** @internal The sink's `next`: sends, or reports the drop; never throws into RxJS. */
  trySend(message: OutgoingMessage): void {
    if (this.transport.state !== 'open') {
      this.report(new RxwsError('send_after_close', 'message dropped: the connection is closing or closed'));
      return;
    }
    if (this.checkBackpressure()) this.writeMessage(message);
  }

  /** @internal The sink's `error`: closes with the error's close code, or 1011. */
  abstract sinkError(error: unknown): void;

  /** @internal The sink's `complete`: a normal close (1000). */
  abstract sinkComplete(): void;

  /** @internal Called by the transport. */
  onDrain(): void {
    this.drainSubject?.next();
  }

  /** @internal A string goes out as a text message, anything else as a binary one. */
  protected writeMessage(message: OutgoingMessage): void {
    if (typeof message === 'string') this.transport.sendText(message);
    else this.transport.sendBinary(toBytes(message));
  }

  /** @internal Applies the outbound cap (the `backpressure` option): false when the message must
   *  not be written. */
  protected checkBackpressure(): boolean {
    if (this.transport.bufferedAmount <= this.limits.maxBufferedBytes) return true;
    if (this.limits.backpressure === 'drop') {
      this.report(backpressureDrop());
      return false;
    }
    this.report(new RxwsError('backpressure_close', 'closing: the peer is not reading fast enough'));
    this.transport.fail(CLOSE_POLICY_VIOLATION, 'send buffer full');
    return false;
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

/** @internal What a send dropped by the `backpressure: 'drop'` policy is reported (or rejects) with. */
export function backpressureDrop(): RxwsError {
  return new RxwsError('backpressure_drop', 'message dropped: the peer is not reading fast enough');
}

/** `sink`: one small object per connection rather than three closures. */
class ConnectionSink implements Observer<OutgoingMessage> {
  // A declared field and a name only this class uses, so the browser bundle shortens it (see
  // MessageStream).
  private readonly sinkOwner: MessageSender;
  constructor(owner: MessageSender) {
    this.sinkOwner = owner;
  }
  next(message: OutgoingMessage): void {
    this.sinkOwner.trySend(message);
  }
  error(error: unknown): void {
    this.sinkOwner.sinkError(error);
  }
  complete(): void {
    this.sinkOwner.sinkComplete();
  }
}
