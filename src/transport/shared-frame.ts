import type { DeflateConfig } from '../extensions/permessage-deflate';
import { encodeFrame, frameHeaderSize } from '../protocol/frame-serializer';
import type { PreEncodedSource } from '../protocol/protocol-types';
import { acquirePooled, closeStream, releasePooled, runDeflate, type DeflateCodec } from './deflate-codec';
import { pauseCurrentInput, resumePausedInputs } from './zlib-backpressure';
import { ZlibLane, zlibLimiter } from './zlib-limiter';

/**
 * Input bytes of shared frames waiting for zlib, process-wide, past which the connection whose
 * message is being handled when a broadcast is queued stops reading until half of it is left (so
 * a publisher goes at zlib's pace); past twice this, a broadcast goes out uncompressed (RFC 7692
 * lets any message be sent without RSV1), for broadcasts made outside any connection's input.
 */
export const MAX_SHARED_DEFLATE_QUEUE_BYTES = 8 * 1024 * 1024;

const IDLE = 0;
const QUEUED = 1;
const RUNNING = 2;
const DONE = 3;

/** Every broadcast's compression shares one lane of the zlib limiter, level with each connection. */
const broadcastLane = new ZlibLane();

// The frames waiting for zlib, oldest first, as a doubly linked list: a frame whose receivers
// have all gone is unlinked at once, wherever it is in the queue, so nothing keeps its input.
let first: SharedFrame | undefined;
let last: SharedFrame | undefined;
let queuedCount = 0;
let queuedBytes = 0;
/** Jobs queued in the limiter's broadcast lane; each takes the oldest frame when it runs. */
let pulls = 0;
let runs = 0;

/** @internal Input bytes of shared frames waiting for zlib (for backpressure and tests). */
export function sharedDeflateBytesQueued(): number {
  return queuedBytes;
}

/** @internal Shared compressions started so far (for tests). */
export function sharedDeflateRuns(): number {
  return runs;
}

/**
 * A frame made once for many connections (a broadcast) that is compressed when a first receiver
 * attaches, from an empty window so that any receiver can read it (RFC 7692 §7.2.3: context
 * takeover is a permission, not a duty), with RSV1 set. Receivers keep their place in their
 * output order meanwhile and count `estimateBytes` against their buffer. When every receiver has
 * left before zlib got to it, it leaves the queue and is never compressed.
 */
export class SharedFrame implements PreEncodedSource {
  /** The frame carries RSV1 (the receivers' own compressors must start afresh after it). */
  readonly compressed = true;
  /** What a receiver counts while the frame is being made: its input and a frame header. */
  readonly estimateBytes: number;
  private state = IDLE;
  private frame: Uint8Array | undefined;
  private waiters: Array<(frame: Uint8Array | null) => void> | undefined;
  /** Receivers waiting that have not left. */
  private live = 0;
  /** @internal Queue links. */
  prev: SharedFrame | undefined;
  /** @internal */
  next: SharedFrame | undefined;

  constructor(
    private readonly opcode: number,
    /** @internal Read until the frame is made. */
    readonly input: Uint8Array,
    private readonly windowBits: number,
    private readonly config: DeflateConfig,
  ) {
    this.estimateBytes = input.length + frameHeaderSize(input.length, false);
  }

  /** Calls `fill` with the frame, at once if it is ready; queues the compression if needed. */
  attach(fill: (frame: Uint8Array | null) => void): void {
    if (this.state === DONE) return fill(this.frame!);
    (this.waiters ??= []).push(fill);
    this.live++;
    if (this.state === IDLE) {
      this.state = QUEUED;
      enqueue(this);
    }
  }

  /** @internal A receiver left (closed or failed) before the frame was ready. */
  placeDropped(): void {
    if (this.state === DONE || this.live === 0 || --this.live !== 0) return;
    this.waiters = undefined;
    if (this.state === QUEUED) {
      unlink(this);
      this.state = IDLE;
    }
  }

  /** @internal Compresses, in a slot of the limiter. */
  run(release: (actualCostBytes?: number) => void): void {
    this.state = RUNNING;
    runs++;
    const stream = acquirePooled('deflate', this.windowBits, this.config);
    runDeflate(stream, this.input, release, (out) => {
      if (out === null) {
        closeStream(stream);
        // Our compressor failed: the message still goes, uncompressed (no RSV1).
        return this.resolve(encodeFrame(this.opcode, this.input, { alloc: Buffer.allocUnsafe }));
      }
      releasePooled(stream);
      this.resolve(encodeFrame(this.opcode, out, { rsv1: true, alloc: Buffer.allocUnsafe }));
    });
  }

  private resolve(frame: Uint8Array): void {
    this.state = DONE;
    this.frame = frame;
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters !== undefined) for (const fill of waiters) fill(frame);
  }
}

/**
 * The frame of a broadcast for connections whose compressor has `codec`'s settings (window bits,
 * level, memLevel): compressed once, when its first receiver attaches.
 */
export function compressShared(opcode: number, data: Uint8Array, codec: DeflateCodec): SharedFrame {
  return new SharedFrame(opcode, data, codec.directions.sendWindowBits, codec.config);
}

function enqueue(frame: SharedFrame): void {
  frame.prev = last;
  frame.next = undefined;
  if (last === undefined) first = frame;
  else last.next = frame;
  last = frame;
  queuedCount++;
  queuedBytes += frame.input.length;
  if (queuedBytes > MAX_SHARED_DEFLATE_QUEUE_BYTES) pauseCurrentInput();
  // A job per queued frame; jobs left over by frames that left the queue are reused.
  if (pulls < queuedCount) {
    pulls++;
    zlibLimiter.run(broadcastLane, frame.input.length, pullShared);
  }
}

function unlink(frame: SharedFrame): void {
  if (frame.prev === undefined) first = frame.next;
  else frame.prev.next = frame.next;
  if (frame.next === undefined) last = frame.prev;
  else frame.next.prev = frame.prev;
  frame.prev = frame.next = undefined;
  queuedCount--;
  queuedBytes -= frame.input.length;
  if (queuedBytes <= MAX_SHARED_DEFLATE_QUEUE_BYTES / 2) resumePausedInputs();
}

/** A broadcast-lane job: compresses the oldest waiting frame, if any is left. */
function pullShared(release: (actualCostBytes?: number) => void): void {
  pulls--;
  const frame = first;
  if (frame === undefined) return release(0);
  unlink(frame);
  frame.run(release);
}
