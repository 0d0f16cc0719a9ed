import { Observable, filter, firstValueFrom, throwError, timeout } from 'rxjs';
import { TimeoutError } from '../errors';
import { CLOSE_INTERNAL_ERROR, CLOSE_NORMAL } from '../protocol/close-code';
import { checkCloseToSend } from '../protocol/close-payload';
import type { CloseInfo } from '../protocol/protocol-types';
import { closedError } from './closed-error';
import type { CloseMessage, Message, MessageType } from './message';
import type { ConnectionLimits } from './message-backlog';
import { MessageSender } from './message-sender';
import { sinkErrorCode } from './sink-error-code';

/** How close reasons are measured: the platform's TextEncoder (Node's and every browser's), so
 *  the browser bundle carries no UTF-8 code of its own; a close is too rare for the encoding to
 *  matter. */
const encoder = /* @__PURE__ */ new TextEncoder();
const UTF8 = { byteLength: (text: string) => encoder.encode(text).length };

/** Options for the waiting helpers (`ping`, `waitForMessage`). */
export interface WaitOptions {
  /** Reject with a TimeoutError after this many milliseconds. Default: wait until the
   *  connection closes. */
  timeoutMs?: number;
}

/**
 * One WebSocket connection as RxJS, whatever carries it: the surface the Node `Connection` and
 * the browser's `ClientConnection` share, so code written against this type runs on both.
 * `messages$` (hot; ends with a `close` message and completes), `sink`, `send()`,
 * `waitForMessage()`, `close()`, `closed$`, backpressure (`bufferedAmount`, `drain$`) and
 * reports (`errors$`). This layer does the closing; sending and the message backlog are the
 * layers below it (`MessageSender`, `MessageBacklog`).
 */
export abstract class ReactiveConnection<TData = unknown> extends MessageSender {
  /** The subprotocol agreed in the handshake (`Sec-WebSocket-Protocol`), or undefined when none
   *  was. */
  declare readonly protocol: string | undefined;
  /** Per-connection user data: what the server's accept hook returned as `data` (undefined
   *  otherwise); yours to read and replace. */
  declare data: TData;
  // (Declared and set in the constructor: no field definitions for the browser bundle to carry.)

  /** Declared, not initialised: undefined until someone waits; on Node, `PausableConnection`
   *  keeps it in its side object with the other fields most connections never set (packRare). */
  declare private closeWaiters: Array<(close: CloseMessage) => void> | undefined;

  /** @internal Made by the connection class on top (the Node `Connection`, the browser's `ClientConnection`). */
  constructor(limits: ConnectionLimits, protocol: string | undefined, data: TData) {
    super(limits);
    this.protocol = protocol;
    this.data = data;
  }

  /** 'open' until a close frame is sent or received, 'closing' until the connection has closed,
   *  then 'closed'. Sending is allowed only while 'open'. */
  get state(): 'open' | 'closing' | 'closed' {
    return this.closeMessage !== undefined ? 'closed' : this.transport.state === 'open' ? 'open' : 'closing';
  }

  /** Emits the `close` message (code, reason, wasClean) once the connection has closed, then
   *  completes; a subscriber that comes later gets it at once. Never errors. */
  get closed$(): Observable<CloseMessage> {
    return new Observable<CloseMessage>((subscriber) => {
      this.whenClosed((close) => {
        // An unsubscribed subscriber is closed: it gets nothing.
        if (subscriber.closed) return;
        subscriber.next(close);
        subscriber.complete();
      });
    });
  }

  /**
   * Resolves with the first message of the given type (`'text'`, `'binary'`, `'pong'` or
   * `'close'`), a filtered `firstValueFrom` with a timeout. Rejects with TimeoutError after
   * `timeoutMs`, or ConnectionClosedError if the connection closes first. It subscribes to
   * `messages$`, so it takes messages from the backlog; those it skips still reach other
   * subscribers.
   */
  waitForMessage<T extends MessageType>(type: T, options?: WaitOptions): Promise<Extract<Message, { type: T }>>;
  /**
   * Resolves with the first message for which `predicate` returns true. Rejects with
   * TimeoutError after `timeoutMs`, or ConnectionClosedError if the connection closes first
   * (unless the predicate accepts the `close` message). Messages it skips still reach other
   * subscribers.
   */
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
   * Starts the closing handshake (RFC 6455 §7.1.2) with `code` (default 1000) and `reason`, and
   * resolves with the `close` message once the connection has closed (after the peer's answer,
   * or `closeTimeoutMs` later with 1006). A code that may not be sent (only 1000-1003, 1007-1014
   * and 3000-4999 may) or a reason over 123 UTF-8 bytes throws a UsageError. On a connection
   * already closing or closed it sends nothing and resolves when it has closed.
   *
   * Until the peer's close frame arrives, the messages it sent before it saw ours still reach
   * `messages$` (so nothing it sent before the close is lost); sending is over, so answer them
   * with `sink.next` (a drop is reported) rather than `send` (which throws). On Node, reading
   * goes on even if it was paused (`pause()` or a full backlog), so that the handshake completes
   * at once: see `pause()` for where those messages go. `fail()` stops reading at once.
   */
  close(code: number = CLOSE_NORMAL, reason = ''): Promise<CloseMessage> {
    checkCloseToSend(code, reason, UTF8);
    if (this.transport.state === 'open') this.sendClose(code, reason);
    return new Promise((resolve) => this.whenClosed(resolve));
  }

  /** @internal The sink's `error`: closes with the error's close code, or 1011. */
  sinkError(error: unknown): void {
    // Called by RxJS, so it must not throw: an unusable code becomes 1011.
    const code = sinkErrorCode(error);
    if (this.state === 'open') this.sendClose(code, code === CLOSE_INTERNAL_ERROR ? 'internal error' : '');
    else this.transport.flush();
  }

  /** @internal The sink's `complete`: a normal close (1000). */
  sinkComplete(): void {
    if (this.state === 'open') this.sendClose(CLOSE_NORMAL, '');
    else this.transport.flush();
  }

  /** @internal Called by the transport, once, last. */
  onClosed(info: CloseInfo): void {
    const close: CloseMessage = { type: 'close', code: info.code, reason: info.reason, wasClean: info.wasClean };
    this.closeMessage = close;
    this.abortPending?.(close);
    this.endMessages(close);
    const waiters = this.closeWaiters;
    this.closeWaiters = undefined;
    if (waiters !== undefined) waiters.forEach((w) => w(close));
    this.drainSubject?.complete();
  }

  /** Sends our close frame (the transport is open). */
  private sendClose(code: number, reason: string): void {
    this.transport.close(code, reason);
    this.transport.flush();
    this.closeSent?.(code);
  }

  // Hooks for the layers above, optional rather than empty methods: a browser connection needs
  // few of them, and its bundle carries none it does not use.

  /** @internal This side started the close with `code` (`close()`, `sink.complete()`,
   *  `sink.error()`) and its close frame is out (or the transport refused to send it): where
   *  reading can pause, it now goes on to the peer's close frame (see PausableConnection). */
  protected closeSent?(code: number): void;

  /** @internal First step of closing, for the layers above: fail what waits on this connection
   *  (pings, a stream in progress) before `messages$` ends. */
  protected abortPending?(close: CloseMessage): void;

  /** @internal Calls back with the close event once the connection has closed (at once if it has). */
  protected whenClosed(callback: (close: CloseMessage) => void): void {
    if (this.closeMessage !== undefined) callback(this.closeMessage);
    else (this.closeWaiters ??= []).push(callback);
  }
}
