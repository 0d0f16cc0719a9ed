import { Observable, type Subscriber } from 'rxjs';
import type { Transport } from '../transport/transport';
import type { CloseMessage, Message } from './message';

/** The options the transport-independent connection layers read. */
export interface ConnectionLimits {
  /** Outgoing bytes past which `backpressure` applies. */
  readonly maxBufferedBytes: number;
  /** What happens past `maxBufferedBytes`: close (1008), or drop the message (reported). */
  readonly backpressure: 'close' | 'drop';
}

/**
 * The first layer of every connection, Node or browser: `messages$` and the backlog of messages
 * that arrive while nobody is subscribed. The layers above it add sending (`MessageSender`) and
 * closing (`ReactiveConnection`); each transport's connection class sits on top. Where the
 * transport can stop reading (Node), `PausableConnection` bounds the backlog by pausing it; a
 * browser cannot, so this layer only keeps what arrives (and the browser bundle carries none of
 * that machinery). One object per connection, not one per layer: idle connections are the
 * memory that adds up.
 */
export abstract class MessageBacklog {
  /**
   * Every message from the peer, in order: `{ type: 'text', data: string }`, `{ type: 'binary',
   * data: Uint8Array }`, `{ type: 'pong', data }` and, last, `{ type: 'close', code, reason,
   * wasClean }`, after which it completes. It never errors: a peer fault (1002, 1007, 1009...)
   * or a dropped connection (1006) also ends with a `close` message (pipe
   * `failOnAbnormalClose()` to get an error instead).
   *
   * Hot, with no replay: each subscriber gets the messages that arrive while it is subscribed.
   * Messages that arrive while nobody is subscribed wait in a backlog of up to `backlogBytes`
   * for the next subscriber (then reading is paused, so nothing is dropped); after the close,
   * a new subscriber gets what is left of the backlog and the `close` message.
   */
  declare readonly messages$: Observable<Message>;

  /** @internal Carries the messages; set by the connection class on top, right after `super()`. */
  protected transport!: Transport;
  /** @internal Set in the constructor, as `messages$` is (`declare`d: no field definitions for
   *  the browser bundle to carry). */
  declare protected readonly limits: ConnectionLimits;
  /** @internal messages$ subscribers in subscription order: the one subscriber most connections
   *  have (without an array around it: idle connections are the memory that adds up), an array
   *  of two or more, or undefined when there are none. Unsubscribed ones are dropped lazily (see
   *  subscribeMessages); `liveSubscribers()` reads them as an array. */
  protected subscribers: Subscriber<Message> | Subscriber<Message>[] | undefined;
  /** @internal Messages waiting for a subscriber, in order (the close message last, once in).
   *  Declared, not initialised: undefined until set; on Node, `PausableConnection` keeps it in
   *  its side object with the other fields most connections never set (see packRare). */
  declare protected backlog: Message[] | undefined;
  /** @internal Bytes of `backlog` (what `PausableConnection` bounds to the `backlogBytes`
   *  option; a name of its own, so that the browser bundle shortens it). 0 until set (a default
   *  on the prototype, below); on Node, in the side object with `backlog` (see packRare). */
  declare protected backlogSize: number;
  /** @internal How reading goes once our close frame is out: READ_ON, HOLD and KEEP bits, set by
   *  `PausableConnection` (always 0 where reading cannot pause). Only HOLD matters here: it
   *  sends messages to the backlog as if nobody subscribed. 0 until set (a default on the
   *  prototype, below); on Node, three bits of `PausableConnection`'s flags. */
  declare protected closeReading: number;
  /** @internal Set once, when the connection has closed. Declared, not initialised: undefined
   *  until set; on Node, in the side object (see packRare). */
  declare protected closeMessage: CloseMessage | undefined;

  static {
    // The numeric fields declared above start at 0 from here, where the Node layers do not keep
    // them elsewhere (idle connections are the memory that adds up): a write makes an own
    // property. Member accesses, not keys, so that the browser bundle's renaming sees them.
    this.prototype.backlogSize = 0;
    this.prototype.closeReading = 0;
  }

  /** @internal Made by the connection class on top (the Node `Connection`, the browser's `ClientConnection`). */
  constructor(limits: ConnectionLimits) {
    this.limits = limits;
    this.messages$ = new MessageStream(this);
  }

  // Hooks for the layers above, optional rather than empty methods (see ReactiveConnection).

  /** @internal The backlog shrank outside a read (a subscriber took it): the Node connection
   *  tells its server's read budget. */
  protected backlogTaken?(): void;

  /** @internal Called by the transport. */
  onText(text: string): void {
    this.deliverMessage({ type: 'text', data: text }, text.length);
  }

  /** @internal Called by the transport. */
  onBinary(data: Uint8Array): void {
    this.deliverMessage({ type: 'binary', data }, data.length);
  }

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
      this.backlogSize = 0;
      let i = 0;
      while (i < backlog.length && !subscriber.closed) subscriber.next(backlog[i++]!);
      if (i < backlog.length) {
        // The subscriber left early (waitForMessage): the rest waits for the next one.
        this.backlog = backlog.slice(i).concat(this.backlog ?? []);
        this.backlogSize = this.backlog.reduce((n, m) => n + sizeOf(m), 0);
        this.backlogTaken?.();
        return;
      }
      if (backlog[backlog.length - 1]!.type === 'close') {
        subscriber.complete();
        return;
      }
      backlog = this.backlog;
    }
    this.backlogTaken?.();
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
    this.subscribers = subscribers === undefined ? subscriber : [...subscribers, subscriber];
    this.subscribed?.();
  }

  /** @internal A subscriber was added: where reading paused for a full backlog, it resumes. */
  protected subscribed?(): void;

  /** @internal Hands a message to the subscribers, or keeps it in the backlog. */
  protected deliverMessage(message: Message, size: number): void {
    const one = this.subscribers;
    if (one !== undefined && !Array.isArray(one) && !one.closed && (this.closeReading & HOLD) === 0) {
      one.next(message);
      return;
    }
    // Held for resume() (see the Node connection's pause()) as if nobody subscribed.
    const subscribers = (this.closeReading & HOLD) === 0 ? this.liveSubscribers() : undefined;
    if (subscribers !== undefined) {
      // A list nobody changes in place (see liveSubscribers): no copy needed to iterate it.
      for (const s of subscribers) s.next(message);
      return;
    }
    this.keep(message, size);
  }

  /** @internal Keeps a message nobody took for the next subscriber (`PausableConnection` bounds
   *  this). */
  protected keep(message: Message, size: number): void {
    (this.backlog ??= []).push(message);
    this.backlogSize += size;
  }

  /** @internal Ends `messages$` with `close`: the subscribers get it and complete; with none,
   *  it waits at the end of the backlog for the first one. */
  protected endMessages(close: CloseMessage): void {
    const subscribers = this.liveSubscribers();
    this.subscribers = undefined;
    if (subscribers === undefined) {
      (this.backlog ??= []).push(close);
    } else {
      for (const s of subscribers) s.next(close);
      for (const s of subscribers) s.complete();
    }
  }

  /** @internal Drops the subscribers that unsubscribed; returns those left, or undefined when
   *  none is. The list is never changed in place: a subscribe or a drop stores a new one. */
  protected liveSubscribers(): Subscriber<Message>[] | undefined {
    const held = this.subscribers;
    const live = held === undefined ? [] : Array.isArray(held) ? held.filter(isOpen) : held.closed ? [] : [held];
    // A lone subscriber is kept without its array, for the fast path of deliverMessage().
    this.subscribers = live.length > 1 ? live : live[0];
    return live.length === 0 ? undefined : live;
  }

}

/**
 * `messages$`: one Observable subclass whose subscribe function is shared, instead of a closure
 * (and its context) per connection. RxJS calls it with `this` set to the Observable.
 */
class MessageStream extends Observable<Message> {
  // A declared field, not a parameter property, and a name only this class uses: so the browser
  // bundle's mangleProps shortens it (a parameter property would keep its name as a second field).
  private readonly backlogOwner: MessageBacklog;

  constructor(owner: MessageBacklog) {
    super(MessageStream.subscribeTo);
    this.backlogOwner = owner;
  }

  private static subscribeTo(this: Observable<Message>, subscriber: Subscriber<Message>): void {
    (this as MessageStream).backlogOwner.subscribeMessages(subscriber);
  }
}

/** @internal `closeReading` bits (see PausableConnection). HOLD: the user paused while we read
 *  on to the close; messages wait in the backlog for resume(). */
export const HOLD = 2;

function isOpen(subscriber: Subscriber<Message>): boolean {
  return !subscriber.closed;
}

/** @internal The bytes a message counts for in the backlog. */
export function sizeOf(message: Message): number {
  return message.type === 'close' ? 0 : message.data.length;
}
