import { isObservable, type Observable, type Subscription } from 'rxjs';
import { RxwsError, UsageError } from '../errors';
import { CloseCode } from '../protocol/close-code';
import { Opcode } from '../protocol/opcode';
import type { ProtocolState } from '../protocol/protocol-types';

/** One piece of a streamed message: a string (sent as its UTF-8 bytes) or bytes. */
export type StreamChunk = string | Uint8Array;

/**
 * What `Connection.sendStream` sends from: an `AsyncIterable` of chunks (an async generator, a
 * Node `Readable` such as `fs.createReadStream(path)`, a web `ReadableStream`), which is pulled
 * only as fast as the socket drains, or an RxJS `Observable`, which cannot be paused (see
 * `SendStreamOptions.highWaterMarkBytes`).
 */
export type StreamSource = AsyncIterable<StreamChunk> | Observable<StreamChunk>;

/** Options for `Connection.sendStream`. */
export interface SendStreamOptions {
  /** Send a binary message. Default false: a text message, whose chunks must add up to valid
   *  UTF-8 (each string chunk is encoded on its own, so do not split a surrogate pair). */
  binary?: boolean;
  /**
   * Outgoing bytes (`bufferedAmount`: ours plus Node's) above which the next chunk waits until
   * the socket has handed everything to the kernel. An `AsyncIterable` is then not asked for
   * more, so a slow peer holds the sender to its pace and memory stays near this figure. An
   * `Observable` keeps emitting: its chunks wait in a queue, and when the queue plus
   * `bufferedAmount` passes `maxBufferedBytes` the connection is failed with 1008 (a message
   * cannot be dropped half-sent). Between 0 and `maxBufferedBytes`. Default: 1 MiB, or half
   * of `maxBufferedBytes` when that is smaller.
   */
  highWaterMarkBytes?: number;
}

/** The default `highWaterMarkBytes` (capped at half of `maxBufferedBytes`). */
export const DEFAULT_STREAM_HIGH_WATER_BYTES = 1024 * 1024;

/** @internal What the sender writes through: the connection's transport. */
export interface PacedStreamWriter {
  readonly protocol: {
    readonly state: ProtocolState;
    sendFrame(opcode: number, payload: Uint8Array, fin: boolean): void;
    fail(code: number, reason?: string): void;
  };
  readonly bufferedAmount: number;
  /** Resolves (never rejects) once everything written so far has reached the kernel, or the
   *  transport is gone. */
  whenFlushed(): Promise<void>;
}

/** @internal What the sender needs from its connection besides the transport. */
export interface PacedStreamHost {
  /** The error a send ends with when the connection is closing or closed. */
  closedError(): Error;
  /** Reports on `errors$`. */
  report(error: RxwsError): void;
}

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
/** Chunks pulled in a row before the event loop gets a turn. */
const PULLS_PER_TURN = 64;
const nextTurn: (run: () => void) => void = typeof setImmediate === 'function' ? (run) => void setImmediate(run) : (run) => void setTimeout(run, 0);
/** Queue entries consumed before the push queue is compacted. */
const COMPACT_AFTER = 1024;

/**
 * @internal Sends one message from a source of chunks, each chunk as one frame (RFC 6455 §5.4:
 * a message of unknown length), the final frame empty. Pull sources are paced by the socket;
 * push sources are queued under the outbound cap. Settles once: with nothing when the last
 * frame is written, or with the error that ended the stream (the source failed: 1011; the
 * connection closed: its ConnectionClosedError; an Observable outran the cap: 1008). A source
 * that did not finish is released: unsubscribed, `destroy()`ed (a Node Readable) or `return()`ed.
 */
export class PacedStreamSender {
  private readonly opcode: number;
  private readonly highWater: number;
  private first = true;
  private finished = false;
  /** Chunks pulled since the event loop last had a turn. */
  private pulledInTurn = 0;
  private settle: ((error?: unknown) => void) | undefined;
  private iterator: AsyncIterator<unknown> | undefined;
  private subscription: Subscription | undefined;
  /** Observable sources: chunks waiting for room, from `queueHead` on. */
  private queue: Uint8Array[] | undefined;
  private queueHead = 0;
  private queuedBytes = 0;
  private waiting = false;
  private sourceDone = false;

  /** Throws UsageError for a source that is neither an AsyncIterable nor an Observable, or a
   *  bad option: at the call, before anything is sent. */
  constructor(
    private readonly source: StreamSource,
    options: SendStreamOptions | undefined,
    private readonly maxBufferedBytes: number,
    private readonly writer: PacedStreamWriter,
    private readonly host: PacedStreamHost,
  ) {
    if (!isObservable(source) && !isAsyncIterable(source)) {
      throw new UsageError('bad_source', 'sendStream takes an AsyncIterable (such as a Node Readable) or an Observable of chunks');
    }
    if (options !== undefined && (options === null || typeof options !== 'object')) throw new UsageError('bad_option', 'sendStream options must be an object');
    const binary = options?.binary;
    if (binary !== undefined && typeof binary !== 'boolean') throw new UsageError('bad_option', 'binary must be true or false');
    const highWater = options?.highWaterMarkBytes;
    if (highWater !== undefined && (!Number.isSafeInteger(highWater) || highWater < 0 || highWater > maxBufferedBytes)) {
      throw new UsageError('bad_option', `highWaterMarkBytes must be an integer between 0 and maxBufferedBytes (${maxBufferedBytes})`);
    }
    this.opcode = binary === true ? Opcode.Binary : Opcode.Text;
    this.highWater = highWater ?? Math.min(DEFAULT_STREAM_HIGH_WATER_BYTES, Math.floor(maxBufferedBytes / 2));
  }

  /** Starts sending; `settle` is called once, as described on the class. */
  start(settle: (error?: unknown) => void): void {
    this.settle = settle;
    const source = this.source;
    if (isObservable(source)) {
      const subscription = source.subscribe({ next: this.pushed, error: this.sourceFailed, complete: this.pushComplete });
      // A source that ended the stream while subscribing is released now that we can.
      if (this.finished) subscription.unsubscribe();
      else this.subscription = subscription;
      return;
    }
    try {
      this.iterator = source[Symbol.asyncIterator]();
    } catch (error) {
      return this.sourceFailed(error);
    }
    this.pull();
  }

  /** The connection closed under the stream: end it with `error` and release the source. */
  stop(error: unknown): void {
    this.finish(error);
  }

  // Pull sources ---------------------------------------------------------------------------

  private readonly pull = (): void => {
    if (this.finished) return;
    const writer = this.writer;
    if (writer.protocol.state !== 'open') return this.finish(this.host.closedError());
    if (writer.bufferedAmount > this.highWater) {
      // The next chunk is asked for only once the socket has taken what it was given: a slow
      // peer holds the source back (TCP backpressure) instead of our memory growing.
      this.pulledInTurn = 0;
      void writer.whenFlushed().then(this.pull);
      return;
    }
    if (++this.pulledInTurn > PULLS_PER_TURN) {
      // A source that resolves at once, with chunks that do not fill the buffer (empty ones,
      // or a socket destroyed a moment ago whose close event is still to come), would
      // otherwise run in promise callbacks forever and starve the event loop.
      this.pulledInTurn = 0;
      nextTurn(this.pull);
      return;
    }
    let next: PromiseLike<IteratorResult<unknown>>;
    try {
      next = this.iterator!.next();
    } catch (error) {
      return this.sourceFailed(error);
    }
    Promise.resolve(next).then(this.pulled, this.sourceFailed);
  };

  private readonly pulled = (result: IteratorResult<unknown>): void => {
    if (this.finished) return;
    if (result.done === true) return this.endMessage();
    const bytes = chunkBytes(result.value);
    if (bytes === undefined) return this.badChunk();
    if (!this.writeChunk(bytes)) return;
    this.pull();
  };

  // Push sources (Observable) --------------------------------------------------------------

  private readonly pushed = (value: unknown): void => {
    if (this.finished) return;
    const bytes = chunkBytes(value);
    if (bytes === undefined) return this.badChunk();
    if (bytes.length === 0) return;
    const writer = this.writer;
    if (this.queuedBytes === 0 && writer.bufferedAmount <= this.highWater) {
      this.writeChunk(bytes);
      return;
    }
    if (writer.bufferedAmount + this.queuedBytes > this.maxBufferedBytes) {
      // Past the cap, as for a whole message; but half a message cannot be dropped, so whatever
      // the policy a push source the peer does not keep up with fails the connection (1008)
      // rather than growing our memory.
      this.host.report(new RxwsError('backpressure_close', 'closing: the peer is not reading fast enough'));
      if (writer.protocol.state === 'open') writer.protocol.fail(CloseCode.PolicyViolation, 'send buffer full');
      return this.finish(new RxwsError('backpressure_close', 'stream aborted: the peer is not reading fast enough'));
    }
    (this.queue ??= []).push(bytes);
    this.queuedBytes += bytes.length;
    if (!this.waiting) this.waitForRoom();
  };

  private readonly pushComplete = (): void => {
    if (this.finished) return;
    this.sourceDone = true;
    // With chunks still queued, the wait for room ends the message once they are written.
    if (!this.waiting) this.endMessage();
  };

  private waitForRoom(): void {
    this.waiting = true;
    void this.writer.whenFlushed().then(this.roomMade);
  }

  private readonly roomMade = (): void => {
    this.waiting = false;
    if (this.finished) return;
    const writer = this.writer;
    const queue = this.queue!;
    while (this.queueHead < queue.length && writer.bufferedAmount <= this.highWater) {
      const bytes = queue[this.queueHead]!;
      queue[this.queueHead++] = EMPTY;
      this.queuedBytes -= bytes.length;
      if (!this.writeChunk(bytes)) return;
    }
    if (this.queueHead === queue.length) {
      queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead >= COMPACT_AFTER) {
      queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.queuedBytes > 0) this.waitForRoom();
    else if (this.sourceDone) this.endMessage();
  };

  // Both -----------------------------------------------------------------------------------

  /** Writes one non-final frame; false when the stream had to end instead. */
  private writeChunk(bytes: Uint8Array): boolean {
    // An empty frame would only cost the receiver one of its maxFragments.
    if (bytes.length === 0) return true;
    const protocol = this.writer.protocol;
    if (protocol.state !== 'open') {
      this.finish(this.host.closedError());
      return false;
    }
    protocol.sendFrame(this.first ? this.opcode : Opcode.Continuation, bytes, false);
    this.first = false;
    return true;
  }

  /** RFC 6455 §5.4: an empty final frame ends the message (its length was never known). */
  private endMessage(): void {
    const protocol = this.writer.protocol;
    if (protocol.state !== 'open') return this.finish(this.host.closedError());
    protocol.sendFrame(this.first ? this.opcode : Opcode.Continuation, EMPTY, true);
    this.finish(undefined, true);
  }

  private badChunk(): void {
    this.sourceFailed(new UsageError('bad_chunk', 'a streamed chunk is a string or a Uint8Array'));
  }

  /** The source failed (or gave something that is not a chunk): the message cannot be
   *  finished, so the connection is failed with 1011. */
  private readonly sourceFailed = (error: unknown): void => {
    if (this.finished) return;
    const protocol = this.writer.protocol;
    if (protocol.state === 'open') protocol.fail(CloseCode.InternalError, 'internal error');
    this.finish(error);
  };

  private finish(error: unknown, complete = false): void {
    if (this.finished) return;
    this.finished = true;
    this.queue = undefined;
    this.queuedBytes = 0;
    if (!complete) this.release();
    const settle = this.settle;
    this.settle = undefined;
    settle?.(error);
  }

  /** Lets go of a source that did not finish: it must not keep reading (a file, a socket). */
  private release(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    const source = this.source as unknown as { destroy?: unknown };
    if (isNodeReadable(source)) {
      // A pending read of its iterator settles too, so nothing waits on a closed connection.
      source.destroy();
      return;
    }
    const iterator = this.iterator;
    this.iterator = undefined;
    if (iterator?.return === undefined) return;
    try {
      // Not awaited: a generator busy in its own await finishes that first.
      Promise.resolve(iterator.return()).then(undefined, ignore);
    } catch {
      // A throwing return() is the source's business; the stream has ended either way.
    }
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** A Node `Readable` (duck-typed: this layer does not import node:stream). */
function isNodeReadable(value: unknown): value is { destroy(): unknown } {
  const v = value as { destroy?: unknown; read?: unknown; pipe?: unknown };
  return typeof v.destroy === 'function' && typeof v.read === 'function' && typeof v.pipe === 'function';
}

function chunkBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return encoder.encode(value);
  return undefined;
}

function ignore(): void {}
