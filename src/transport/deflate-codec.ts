import * as zlib from 'node:zlib';
import type { DeflateConfig, DeflateDirections } from '../extensions/permessage-deflate';
import type { MessageCompression } from '../protocol/protocol-types';
import { ZlibLane, zlibLimiter } from './zlib-limiter';

/** RFC 7692 §7.2.1/§7.2.2: the tail of a sync flush, removed by the sender, restored by us. */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const { Z_SYNC_FLUSH } = zlib.constants;
/** Compressed messages up to this size are copied to append the trailer in the same write. */
const INFLATE_COPY_BYTES = 64 * 1024;

/**
 * zlib cannot compress raw DEFLATE with a 256-byte window: it silently uses 512 bytes (Node
 * raises 8 to 9), which a peer that negotiated 8 may reject. So a negotiated 8 for our own
 * compressor means "never compress" (always allowed: RSV1 is per message), and our decompressor
 * uses at least 9 bits, which also reads what zlib-based peers produce when they agreed to 8.
 */
const MIN_ZLIB_WINDOW_BITS = 9;

/** Where decompressed bytes go: the protocol core, through its transport. */
export interface InflateSink {
  /** Returns false to stop (limit crossed, invalid text, connection gone). */
  onInflated(chunk: Uint8Array): boolean;
  onInflateEnd(): void;
  onInflateError(): void;
}

type ZStream = zlib.DeflateRaw | zlib.InflateRaw;

interface Job {
  stream: ZStream;
  chunks: Buffer[];
  /** Output so far (the limiter charges it: a bomb's cost is its output). */
  bytes: number;
  finished: boolean;
  /** Decompress: where output goes. Compress: undefined (output is collected). */
  sink: InflateSink | undefined;
  /** Compress: called once with the payload, or null on failure. */
  done: ((out: Uint8Array | null) => void) | undefined;
}

const kJob = Symbol('rxws.deflate.job');
/** @internal */
export type JobStream = ZStream & { [kJob]?: Job | undefined; [kPoolKey]?: string };
const kPoolKey = Symbol('rxws.deflate.pool');

// One set of listeners per stream, finding the current job through the stream, rather than
// closures per message.
function onStreamData(this: JobStream, chunk: Buffer): void {
  const job = this[kJob];
  if (job === undefined || job.finished) return;
  job.bytes += chunk.length;
  if (job.sink === undefined) {
    job.chunks.push(chunk);
  } else if (!job.sink.onInflated(chunk)) {
    // The core refused the bytes (the message crossed maxMessageBytes, or the connection is
    // gone): stop inflating at once. The stream is mid-message, so it is closed, not reused.
    job.finished = true;
    this[kJob] = undefined;
    this.close();
  }
}
function onStreamError(this: JobStream): void {
  const job = this[kJob];
  this[kJob] = undefined;
  if (job === undefined || job.finished) return;
  job.finished = true;
  if (job.sink !== undefined) job.sink.onInflateError();
  else job.done!(null);
}

function createStream(kind: 'deflate' | 'inflate', windowBits: number, config: DeflateConfig): JobStream {
  // Every write is a sync flush (RFC 7692 §7.2.1): one message is one write, so one trip to
  // the thread pool, and the write's callback means all its output has been emitted.
  const stream: JobStream =
    kind === 'deflate'
      ? zlib.createDeflateRaw({ windowBits, level: config.level, memLevel: config.memLevel, flush: Z_SYNC_FLUSH })
      : zlib.createInflateRaw({ windowBits, flush: Z_SYNC_FLUSH });
  stream.on('data', onStreamData);
  stream.on('error', onStreamError);
  openStreams++;
  stream.once('close', onStreamClose);
  return stream;
}

let openStreams = 0;
function onStreamClose(): void {
  openStreams--;
}

/** zlib streams not yet closed, pooled ones included (each holds native zlib memory until it
 *  is closed): for diagnostics and leak tests. */
export function deflateStreamCount(): number {
  return openStreams;
}

/**
 * Idle zlib streams for directions without context takeover, shared by every connection with
 * the same settings: each job starts from a reset stream, so no connection pays for a
 * compressor of its own. At most as many stay idle per setting as jobs may run at once.
 */
const pool = new Map<string, JobStream[]>();

/** @internal A reset stream for a direction without context takeover (shared frames too). */
export function acquirePooled(kind: 'deflate' | 'inflate', windowBits: number, config: DeflateConfig): JobStream {
  const key = kind === 'deflate' ? `d${windowBits}/${config.level}/${config.memLevel}` : `i${windowBits}`;
  const idle = pool.get(key);
  const stream = idle?.pop() ?? createStream(kind, windowBits, config);
  stream[kPoolKey] = key;
  return stream;
}

/** @internal */
export function releasePooled(stream: JobStream): void {
  const key = stream[kPoolKey]!;
  let idle = pool.get(key);
  if (idle === undefined) pool.set(key, (idle = []));
  if (idle.length >= zlibLimiter.limit || stream.destroyed) {
    stream.close();
    return;
  }
  stream.reset();
  idle.push(stream);
}

/** Closes every idle pooled stream (tests measure memory after this). */
export function drainDeflatePool(): void {
  for (const idle of pool.values()) for (const stream of idle.splice(0)) stream.close();
  pool.clear();
}

/**
 * @internal Runs one compression on `stream`: RFC 7692 §7.2.1 — DEFLATE, sync flush, and the trailing
 * 0x00 0x00 0xff 0xff removed. Calls `done` with the payload (null on failure) and releases the
 * limiter slot, with the bytes moved.
 */
export function runDeflate(stream: JobStream, data: Uint8Array, release: (actualCostBytes?: number) => void, done: (out: Uint8Array | null) => void): void {
  const job: Job = {
    stream,
    chunks: [],
    bytes: 0,
    finished: false,
    sink: undefined,
    done: (out) => {
      release(data.length + job.bytes);
      done(out);
    },
  };
  stream[kJob] = job;
  stream.write(data, () => {
    if (job.finished) return;
    job.finished = true;
    stream[kJob] = undefined;
    const all = job.chunks.length === 1 ? job.chunks[0]! : Buffer.concat(job.chunks, job.bytes);
    const n = all.length;
    // A sync flush always ends with an empty stored block; anything else is not ours to send.
    if (n < 4 || all[n - 4] !== 0 || all[n - 3] !== 0 || all[n - 2] !== 0xff || all[n - 1] !== 0xff) return job.done!(null);
    job.done!(all.subarray(0, n - 4));
  });
}

/**
 * permessage-deflate for one connection, with Node's zlib: implements the protocol core's
 * `MessageCompression`. zlib work is asynchronous, one job at a time per direction, and capped
 * process-wide by `zlibLimiter`, in the connection's own lane (so its work is shared fairly with
 * other connections'). A direction with context takeover keeps its own zlib stream
 * (created on first use, closed with the connection); one without borrows a pooled stream per
 * message.
 */
export class DeflateCodec implements MessageCompression {
  private deflater: JobStream | undefined;
  private inflater: JobStream | undefined;
  private readonly compressQueue: Array<{ data: Uint8Array; fresh: boolean; done: (out: Uint8Array | null) => void }> = [];
  private compressing = false;
  private closed = false;
  private readonly inflateBits: number;
  /** @internal This connection's share of the process-wide zlib limiter. */
  readonly lane = new ZlibLane();
  /** Connections whose shared (broadcast) frames are interchangeable have equal keys. */
  readonly sharedKey: string | undefined;

  constructor(
    readonly directions: DeflateDirections,
    readonly config: DeflateConfig,
    private readonly sink: InflateSink,
  ) {
    this.inflateBits = Math.max(directions.receiveWindowBits, MIN_ZLIB_WINDOW_BITS);
    this.sharedKey = directions.sendWindowBits < MIN_ZLIB_WINDOW_BITS ? undefined : `${directions.sendWindowBits}/${config.level}/${config.memLevel}`;
  }

  shouldCompress(byteLength: number): boolean {
    // Empty messages are sent as they are: nothing to gain, and zlib emits nothing for them.
    return this.sharedKey !== undefined && byteLength > 0 && byteLength >= this.config.thresholdBytes;
  }

  compress(data: Uint8Array, freshContext: boolean, done: (compressed: Uint8Array | null) => void): void {
    if (this.closed) return;
    this.compressQueue.push({ data, fresh: freshContext, done });
    if (!this.compressing) this.nextCompress();
  }

  decompress(data: Uint8Array): void {
    if (this.closed) return;
    // Estimated by its input; charged by its output too once known (a bomb pays for its size).
    zlibLimiter.run(this.lane, data.length, (release) => {
      if (this.closed) return release();
      const own = !this.directions.receiveNoContextTakeover;
      if (this.inflater?.destroyed === true) this.inflater = undefined;
      const stream = own ? (this.inflater ??= createStream('inflate', this.inflateBits, this.config)) : acquirePooled('inflate', this.inflateBits, this.config);
      const job: Job = { stream, chunks: [], bytes: 0, finished: false, sink: this.sink, done: undefined };
      stream[kJob] = job;
      // An aborted or failed stream is closed; its slot is free once it has stopped.
      const released = () => release(data.length + job.bytes);
      stream.once('close', released);
      const before = stream.bytesWritten;
      const finish = () => {
        stream.off('close', released);
        released();
        if (job.finished) return;
        job.finished = true;
        stream[kJob] = undefined;
        const consumed = stream.bytesWritten - before;
        if (consumed < data.length + TRAILER.length) {
          // The peer ended its DEFLATE stream with a BFINAL block (RFC 7692 §7.2.3 allows
          // it), so our appended trailer was not read. Bytes left unread beyond the trailer
          // follow the end of the stream: invalid data. Otherwise the message is complete, and
          // as Node's stream has ended, the next message starts a new one (no history).
          if (data.length + TRAILER.length - consumed > TRAILER.length) return this.failInflate(stream, own);
          if (own) this.inflater = undefined;
          closeStream(stream);
        } else if (!own) {
          releasePooled(stream);
        }
        if (!this.closed) this.sink.onInflateEnd();
      };
      // RFC 7692 §7.2.2: the trailer appended; a small message in one write (one trip to the
      // thread pool), a large one without copying it.
      if (data.length <= INFLATE_COPY_BYTES) {
        const input = Buffer.allocUnsafe(data.length + TRAILER.length);
        input.set(data, 0);
        input.set(TRAILER, data.length);
        stream.write(input, finish);
      } else {
        stream.write(data);
        stream.write(TRAILER, finish);
      }
    });
  }

  /** Frees the zlib streams (the connection is gone); pending results are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.compressQueue.length = 0;
    // Queued jobs would only release their slot; dropping them also lets go of their input.
    zlibLimiter.drop(this.lane);
    const deflater = this.deflater;
    const inflater = this.inflater;
    this.deflater = undefined;
    this.inflater = undefined;
    if (deflater !== undefined) closeStream(deflater);
    if (inflater !== undefined) closeStream(inflater);
  }

  private failInflate(stream: JobStream, own: boolean): void {
    if (own) this.inflater = undefined;
    closeStream(stream);
    if (!this.closed) this.sink.onInflateError();
  }

  private nextCompress(): void {
    const next = this.compressQueue.shift();
    if (next === undefined || this.closed) {
      this.compressing = false;
      return;
    }
    this.compressing = true;
    zlibLimiter.run(this.lane, next.data.length, (release) => {
      if (this.closed) return release();
      const own = !this.directions.sendNoContextTakeover;
      let stream: JobStream;
      if (own) {
        if (this.deflater?.destroyed === true) this.deflater = undefined;
        stream = this.deflater ??= createStream('deflate', this.directions.sendWindowBits, this.config);
        // After a shared frame the peer's window no longer ends with our own output.
        if (next.fresh) stream.reset();
      } else {
        stream = acquirePooled('deflate', this.directions.sendWindowBits, this.config);
      }
      runDeflate(stream, next.data, release, (out) => {
        if (!own) {
          if (out === null) closeStream(stream);
          else releasePooled(stream);
        } else if (out === null) {
          this.deflater = undefined;
          closeStream(stream);
        }
        if (this.closed) return;
        next.done(out);
        this.nextCompress();
      });
    });
  }
}

/** @internal Closes a stream, abandoning the job on it. */
export function closeStream(stream: JobStream): void {
  const job = stream[kJob];
  if (job !== undefined) job.finished = true;
  stream[kJob] = undefined;
  stream.close();
}
