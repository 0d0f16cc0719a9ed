import { Observable, type Subscriber } from 'rxjs';
import { UsageError } from '../errors';

/** @internal What a streamed message tells the connection's receiver, which paces the socket. */
export interface StreamedMessageOwner {
  /** Bytes waiting in a message's queue for its reader changed by `delta`. */
  queueChanged(delta: number): void;
  /** A message's `pause()` (+1) or `resume()` (-1). */
  pauseChanged(delta: number): void;
}

type Reader = 'none' | 'iterator' | 'observable' | 'discarded';

/**
 * One incoming message received as it arrives (see the `streamThresholdBytes` option and
 * `Connection.streamedMessages$`), for messages too big to hold whole: hash it, write it to a
 * file, parse it incrementally. Read its chunks once, either with `for await (const chunk of
 * message)` (pulled: while you are busy, chunks wait in a queue, and past `backlogBytes` the
 * socket is paused, so the peer is held back by TCP) or with `chunks$` (pushed as they arrive;
 * pace it with `pacedConcatMap(message, ...)`, which pauses this message). Chunks are views you
 * may keep. A text message's chunks are its UTF-8 bytes, checked as they arrive, but a chunk may
 * end inside a character: decode with `new TextDecoder()` and `{ stream: true }`.
 *
 * The iteration ends (`chunks$` completes) at the end of the message. It fails with the
 * ProtocolError that failed the connection (1007 invalid UTF-8, before the offending chunk is
 * handed out; 1009 past `maxMessageBytes`; 1008 past `maxFragments`), or with a
 * ConnectionClosedError when the connection ends first. Read or `discard()` every message: its
 * unread chunks count toward `backlogBytes`, past which the socket is paused, which holds back
 * the messages after it too.
 */
export class StreamedMessage implements AsyncIterable<Uint8Array> {
  /** 'text' (its chunks are UTF-8 bytes) or 'binary'. */
  readonly type: 'text' | 'binary';
  /** The message's bytes as they arrive; one subscriber only. Unsubscribing before the end
   *  discards the rest. A second subscriber (or an iterator) gets a UsageError. */
  readonly chunks$: Observable<Uint8Array>;

  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private received = 0;
  private ended = false;
  private failure: unknown = undefined;
  private failed = false;
  private reader: Reader = 'none';
  private subscriber: Subscriber<Uint8Array> | undefined;
  private waiter: { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: unknown) => void } | undefined;
  private pausedByUser = false;

  /** @internal Made by the connection when a message over the threshold begins. */
  constructor(
    type: 'text' | 'binary',
    private readonly owner: StreamedMessageOwner,
  ) {
    this.type = type;
    this.chunks$ = new Observable<Uint8Array>((subscriber) => this.subscribe(subscriber));
  }

  /** Bytes of the message received so far (read or not). */
  get receivedBytes(): number {
    return this.received;
  }

  /**
   * Reads the chunks one at a time, in order; the socket is paused while the unread ones pass
   * `backlogBytes`. Leaving the loop early (`break`, `return`, a throw) discards the rest of the
   * message. Throws UsageError if the message is already being read.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.claim('iterator');
    return {
      next: () => this.next(),
      return: () => {
        this.discard();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  /** Stops reading from the socket on this message's behalf (TCP backpressure) until
   *  `resume()`; for `pacedConcatMap(message, ...)` over `chunks$`. */
  pause(): void {
    if (this.pausedByUser) return;
    this.pausedByUser = true;
    this.owner.pauseChanged(1);
  }

  /** Undoes `pause()`. */
  resume(): void {
    if (!this.pausedByUser) return;
    this.pausedByUser = false;
    this.owner.pauseChanged(-1);
  }

  /** Skips the rest of the message: what is queued is dropped, what is still to arrive is read
   *  and dropped, and the messages after it flow again. A reader waiting for a chunk sees the
   *  end. Safe to call at any time, more than once. */
  discard(): void {
    if (this.reader === 'discarded') return;
    this.reader = 'discarded';
    this.dropQueue();
    this.resume();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ done: true, value: undefined });
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.complete();
  }

  /** @internal The message's next bytes (never empty). */
  push(chunk: Uint8Array): void {
    this.received += chunk.length;
    const reader = this.reader;
    if (reader === 'discarded') return;
    if (reader === 'observable') {
      this.subscriber!.next(chunk);
      return;
    }
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.owner.queueChanged(chunk.length);
  }

  /** @internal The message is complete. */
  end(): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    if (this.queueHead < this.queue.length) return; // the reader sees the end after the queue
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ done: true, value: undefined });
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.complete();
  }

  /** @internal The message cannot be completed (the connection failed or closed). */
  fail(error: unknown): void {
    if (this.ended || this.failed) return;
    this.failed = true;
    this.failure = error;
    if (this.queueHead < this.queue.length) return; // the chunks that did arrive come first
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.error(error);
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    if (this.reader === 'discarded') return Promise.resolve({ done: true, value: undefined });
    if (this.queueHead < this.queue.length) return Promise.resolve({ done: false, value: this.shift() });
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    if (this.failed) return Promise.reject(this.failure);
    if (this.waiter !== undefined) return Promise.reject(new UsageError('concurrent_read', 'wait for one chunk before asking for the next'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private subscribe(subscriber: Subscriber<Uint8Array>): () => void {
    try {
      this.claim('observable');
    } catch (error) {
      subscriber.error(error);
      return noop;
    }
    // What arrived before the subscription first, then live.
    while (this.queueHead < this.queue.length && !subscriber.closed) subscriber.next(this.shift());
    if (subscriber.closed) {
      this.discard();
      return noop;
    }
    if (this.ended) subscriber.complete();
    else if (this.failed) subscriber.error(this.failure);
    else this.subscriber = subscriber;
    return () => {
      // Unsubscribing before the end: nobody will read the rest.
      if (this.subscriber === subscriber) this.discard();
    };
  }

  private claim(reader: 'iterator' | 'observable'): void {
    if (this.reader !== 'none') {
      throw new UsageError('already_read', 'a streamed message has one reader: iterate it or subscribe to chunks$, once');
    }
    this.reader = reader;
  }

  private shift(): Uint8Array {
    const queue = this.queue;
    const chunk = queue[this.queueHead]!;
    queue[this.queueHead++] = EMPTY;
    if (this.queueHead === queue.length) {
      queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead >= COMPACT_AFTER) {
      queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    this.queuedBytes -= chunk.length;
    this.owner.queueChanged(-chunk.length);
    return chunk;
  }

  private dropQueue(): void {
    const bytes = this.queuedBytes;
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    if (bytes !== 0) this.owner.queueChanged(-bytes);
  }
}

const EMPTY = new Uint8Array(0);
/** Queue entries read before the queue is compacted. */
const COMPACT_AFTER = 1024;

function noop(): void {}
