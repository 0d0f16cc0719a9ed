import { RxwsError } from '../errors';
import { packFlags } from '../protocol/packed-flags';
import { packRare } from '../protocol/rare-fields';
import type { CloseMessage, Message } from './message';
import { HOLD, sizeOf, type ConnectionLimits } from './message-backlog';
import { ReactiveConnection } from './reactive-connection';
import type { PausableTransport } from '../transport/transport';

/** @internal The limits of a connection whose transport can stop reading. */
export interface PausableLimits extends ConnectionLimits {
  /** Bytes of messages kept for `messages$` while nobody is subscribed; past this reading pauses. */
  readonly backlogBytes: number;
}

/**
 * The layer for transports that can stop reading (the Node socket; a browser's
 * WebSocket cannot, so the browser entry leaves this layer out): the backlog is bounded by
 * pausing the transport when it holds `backlogBytes`, and resuming when a subscriber takes it.
 * Once our close frame is out, reading goes on whatever paused it, to find the peer's close
 * frame (RFC 6455 §7.1.2); what nobody takes then is kept while the backlog has room, and the
 * rest is discarded and reported at close. The Node `Connection` adds its own reasons to pause
 * (the user's `pause()`, streamed messages, the handshake's trailing bytes).
 */
export abstract class PausableConnection<TData = unknown> extends ReactiveConnection<TData> {
  /** @internal */
  declare protected readonly limits: PausableLimits;
  /** @internal */
  declare protected transport: PausableTransport;
  /** @internal Every boolean of this layer and the Node `Connection` (`declare`d), one bit each
   *  (see packFlags). */
  protected flags = 0;
  /** @internal The fields of this layer and the Node `Connection` that most connections never
   *  set (`declare`d; see packRare), once one is. Idle connections are the memory that adds up. */
  protected rare: Record<string, unknown> | undefined;
  /** Reading is paused because the backlog is full. */
  declare private pausedForBacklog: boolean;
  /** Messages that arrived after our close frame while nobody took them (reported at close). */
  declare private discardedAfterClose: number;

  /** @internal Resumes reading when no reason to pause is left; once our close frame is out,
   *  whatever paused it (the closing handshake needs the peer's close frame). */
  resumeIfFree(): void {
    if (this.closeMessage !== undefined) return;
    if ((this.closeReading & READ_ON) === 0) {
      if (!this.pausedForBacklog) this.transport.resume();
      return;
    }
    // What the transport still holds was read before our close frame went out: all of it is kept.
    this.closeReading |= KEEP;
    try {
      this.transport.resume();
    } finally {
      this.closeReading &= ~KEEP;
    }
  }

  /** @internal Bytes of received messages waiting for a subscriber (a server's read budget
   *  counts them). */
  get heldBacklogBytes(): number {
    return this.backlogSize;
  }

  /** @internal Paused by the user (HOLD) with messages waiting: the close event waits behind
   *  them for resume(). (Here, not in MessageBacklog: a browser cannot pause.) */
  protected override endMessages(close: CloseMessage): void {
    if ((this.closeReading & HOLD) !== 0 && this.backlog !== undefined && this.liveSubscribers() !== undefined) this.backlog.push(close);
    else super.endMessages(close);
  }

  /** @internal Keeps what nobody took, pausing reading once the backlog is full; after our close
   *  frame, discards instead what the backlog has no room for. */
  protected override keep(message: Message, size: number): void {
    if (this.closeReading !== 0) {
      // Our close frame is out and reading goes on only to find the peer's: a message nobody
      // takes is kept if it was read before our close (KEEP), else while the backlog has room.
      if ((this.closeReading & KEEP) === 0 && this.backlogSize >= this.limits.backlogBytes) {
        this.discardedAfterClose++;
        return;
      }
      super.keep(message, size);
      return;
    }
    super.keep(message, size);
    if (this.backlogSize >= this.limits.backlogBytes && !this.pausedForBacklog) {
      this.pausedForBacklog = true;
      this.transport.pause();
    }
  }

  /** @internal A subscriber takes the backlog from now on: reading paused for it resumes. */
  protected override subscribed(): void {
    if (this.pausedForBacklog) {
      this.pausedForBacklog = false;
      this.resumeIfFree();
    }
  }

  /** @internal */
  protected override closeSent(): void {
    if (this.transport.state === 'closing') this.readOnToClose();
  }

  /**
   * @internal Our close frame is out: reading goes on until the peer's close frame (RFC 6455
   * §7.1.2), whatever paused it, or a paused connection would wait for `closeTimeoutMs` and end
   * with 1006 although the peer answered at once.
   */
  protected readOnToClose(): void {
    if ((this.closeReading & READ_ON) !== 0) return;
    const paused = this.readingPaused();
    this.closeReading |= READ_ON;
    if (paused) this.resumeIfFree();
  }

  /** @internal Whether something keeps reading paused (the Node connection adds its reasons). */
  protected readingPaused(): boolean {
    return this.pausedForBacklog;
  }

  /** @internal After resume(), while we read on to the close: the messages held meanwhile (and
   *  the close event, if it came) go to the subscribers, in order. A subscriber may pause again. */
  protected releaseHeld(): void {
    const backlog = this.backlog;
    let subscribers = this.liveSubscribers();
    if (backlog === undefined || subscribers === undefined) return;
    this.backlog = undefined;
    this.backlogSize = 0;
    let i = 0;
    while (i < backlog.length && (this.closeReading & HOLD) === 0 && subscribers !== undefined) {
      const message = backlog[i++]!;
      if (message.type === 'close') {
        this.subscribers = undefined;
        for (const s of subscribers) s.next(message);
        for (const s of subscribers) s.complete();
        return;
      }
      for (const s of subscribers.slice()) s.next(message);
      subscribers = this.liveSubscribers();
    }
    if (i < backlog.length) {
      this.backlog = backlog.slice(i).concat(this.backlog ?? []);
      this.backlogSize = this.backlog.reduce((n, m) => n + sizeOf(m), 0);
    }
    this.backlogTaken?.();
  }

  /** @internal Reports the messages discarded after our close frame, before `messages$` ends. */
  protected override abortPending(close: CloseMessage): void {
    void close;
    if (this.discardedAfterClose > 0) {
      const count = this.discardedAfterClose;
      this.report(new RxwsError('discarded_after_close', `${count} message(s) that arrived after our close frame were discarded: reading was paused and the backlog was full`));
    }
  }
}

// closeReading (declared by the shared layers) in the low bits of flags, not a field of its own.
Object.defineProperty(PausableConnection.prototype, 'closeReading', {
  get(this: { flags: number }): number {
    return this.flags & CLOSE_READING_BITS;
  },
  set(this: { flags: number }, bits: number) {
    this.flags = (this.flags & ~CLOSE_READING_BITS) | bits;
  },
  configurable: true,
});

/** @internal The first bit of `flags` the Node `Connection` may use. */
export const PAUSABLE_FLAGS_END = packFlags(PausableConnection.prototype, { pausedForBacklog: true }, 3); // above closeReading
// With the fields of the shared layers below that most connections never set, declared there
// without a value (or with one on their prototype) so that a browser connection (which has no
// side object) stays as it was.
packRare(PausableConnection.prototype, {
  closeMessage: undefined,
  backlogSize: 0,
  discardedAfterClose: 0,
  backlog: undefined,
  errorSubject: undefined,
  drainSubject: undefined,
  closeWaiters: undefined,
});

/** @internal `closeReading` bits (HOLD is in message-backlog.ts). READ_ON: our close frame is
 *  out; reading goes on whatever paused it. */
export const READ_ON = 1;
/** @internal Input read before our close frame is being parsed: kept whatever the backlog holds. */
export const KEEP = 4;
/** `closeReading`'s bits: the low bits of `flags` (the Node layers' flags start above them). */
const CLOSE_READING_BITS = READ_ON | HOLD | KEEP;
