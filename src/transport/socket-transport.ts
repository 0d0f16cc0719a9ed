import type { Duplex } from 'node:stream';
import type { ProtocolError } from '../errors';
import { directionsOf, type DeflateConfig, type DeflateParams } from '../extensions/permessage-deflate';
import type { ProtocolLimits } from '../protocol/limits';
import { packFlags } from '../protocol/packed-flags';
import { packRare } from '../protocol/rare-fields';
import { ProtocolConnection, ProtocolSettings } from '../protocol/protocol-connection';
import type { CloseInfo, FrameArena, ProtocolEvents, ProtocolState, Role } from '../protocol/protocol-types';
import { DeflateCodec, type InflateSink } from './deflate-codec';
import { Heartbeat, type HeartbeatHost, type HeartbeatOptions } from './heartbeat';
import { nodeTextCodec } from './node-text-codec';
import type { BudgetHolder, ReadBudget } from './read-budget';
import type { FramingTransportListener, PausableTransport } from './transport';
import { enterInput, forgetInput, isPausedForZlib, leaveInput, type InputSource } from './zlib-backpressure';

export type { FramingTransportListener } from './transport';

export interface TransportOptions extends ProtocolLimits {
  role: Role;
  closeTimeoutMs: number;
  autoPong: boolean;
  /** Outbound bytes past which pongs are coalesced instead of queued, so a ping flood cannot
   *  grow our output without bound. */
  maxBufferedBytes: number;
  heartbeat: HeartbeatOptions | undefined;
  /** permessage-deflate as negotiated in the handshake (RFC 7692), with our zlib settings. */
  deflate?: { params: DeflateParams; config: DeflateConfig } | undefined;
  /** The server's bound on incoming bytes held across its connections (none on a client). */
  readBudget?: ReadBudget | undefined;
  /** Messages of at least this many bytes reach the listener as they arrive (onMessageStart...). */
  streamThresholdBytes?: number | undefined;
}

const EMPTY_WRITE = Buffer.alloc(0);
/** Frames at least this large are written by reference instead of being copied into a batch. */
const COPY_LIMIT = 16 * 1024;
/** Input kept while decompressing before the socket is paused (like a stream's high-water mark). */
const HELD_INPUT_BYTES = 64 * 1024;
/**
 * Input read and thrown away once input is over (we failed the connection, or the peer closed)
 * before the socket stops reading: enough for what was in flight, not a gigabyte a second from
 * a peer that keeps sending while it waits for nothing. The close timer then ends the TCP
 * connection (RFC 6455 §7.1.1).
 */
const DISCARD_BYTES = 64 * 1024;

const kTransport = Symbol('rxws.transport');
/**
 * What the transport reads and writes: a `net.Socket` or TLS socket after an HTTP/1.1 upgrade, or
 * an `Http2Stream` after an RFC 8441 extended CONNECT. Only Duplex members are used, plus
 * `setNoDelay` where the stream is a socket.
 */
export type ByteStream = Duplex & { setNoDelay?: (noDelay?: boolean) => unknown };
type TaggedSocket = ByteStream & { [kTransport]?: SocketTransport };

// Socket listeners are shared functions that find their transport through the socket, instead of
// five closures per connection: idle connections are the memory that adds up.
function onSocketData(this: TaggedSocket, chunk: Buffer): void {
  this[kTransport]?.receive(chunk);
}
function onSocketEnd(this: TaggedSocket): void {
  this[kTransport]?.peerEnded();
}
function onSocketClose(this: TaggedSocket): void {
  this[kTransport]?.socketClosed();
}
function onSocketDrain(this: TaggedSocket): void {
  this[kTransport]?.drained();
}
function onSocketError(this: TaggedSocket): void {
  // 'close' always follows 'error'; the close event reports 1006. Without a listener Node would
  // throw the error (ECONNRESET from a peer is routine), so this one must exist.
}
function flushTick(transport: SocketTransport): void {
  transport.flush();
}

/** The core's settings for transport options a server shares between the connections of a route
 *  (see `transportOptions` in connection.ts): made once, not once per connection. */
const sharedSettings = new WeakMap<TransportOptions, ProtocolSettings>();

function protocolSettings(options: TransportOptions): ProtocolSettings {
  // A client's options, and a server's with permessage-deflate, belong to one connection.
  const shared = options.role === 'server' && options.deflate === undefined;
  let settings = shared ? sharedSettings.get(options) : undefined;
  if (settings === undefined) {
    settings = new ProtocolSettings({
      role: options.role,
      maxMessageBytes: options.maxMessageBytes,
      maxFragments: options.maxFragments,
      // Pongs are ours to send, so a ping flood cannot queue output without bound (onPing).
      autoPong: false,
      alloc: allocFrame,
      arena: slabArena,
      // Messages assembled from several frames or reads are Buffers, like single-read ones.
      allocMessage: options.readBudget?.allocMessage ?? Buffer.allocUnsafe,
      textCodec: nodeTextCodec,
      ...(options.streamThresholdBytes !== undefined ? { streamThresholdBytes: options.streamThresholdBytes } : {}),
    });
    if (shared) sharedSettings.set(options, settings);
  }
  return settings;
}

/**
 * Binds one protocol state machine to one socket (or HTTP/2 stream: RFC 8441 §5 runs the same
 * framing over it, END_STREAM standing for TCP's FIN and RST_STREAM for its reset): feeds it bytes, batches what it writes into as
 * few socket writes as possible (the replies produced while handling one read go out in one
 * write), arms the timers it asks for, and pauses the socket when the reader above falls behind.
 */
export class SocketTransport implements PausableTransport, ProtocolEvents, InflateSink, BudgetHolder, InputSource, HeartbeatHost {
  readonly protocol: ProtocolConnection;
  /** zlib for permessage-deflate, when negotiated. */
  declare readonly deflate: DeflateCodec | undefined;
  /** Every boolean below (`declare`d), one bit each (see packFlags). */
  protected flags = 0;
  /** The fields below that most connections never set (`declare`d; see packRare), once one is. */
  protected rare: Record<string, unknown> | undefined;
  /** Frames waiting for the next socket write, in order, except the trailing slab run below. */
  private pending: Uint8Array[] | undefined;
  /** Bytes waiting in all: the list plus the run. */
  private pendingBytes = 0;
  declare private pendingLarge: boolean;
  /** The most recent frames, when they lie end to end in one slab: written (or copied) as one
   *  range, with no per-frame bookkeeping. They come after everything in `pending`. */
  private runSlab: ArrayBuffer | undefined;
  private runStart = 0;
  private runEnd = 0;
  declare private inRead: boolean;
  declare private flushScheduled: boolean;
  declare private flushWaiters: Array<() => void> | undefined;
  declare private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: Heartbeat | undefined;
  declare private done: boolean;
  /** The most recent ping we could not answer yet because the peer is not reading. */
  declare private heldPong: Uint8Array | undefined;
  /** Paused by the reader above (backlog or user). */
  declare private readPaused: boolean;
  /** Paused because bytes kept up while messages were being decompressed (bounded input). */
  declare private inflatePaused: boolean;
  /** Bytes handed to the core while it was decompressing, since it last was not. */
  declare private heldBytes: number;
  /** Bytes read after input ended; past DISCARD_BYTES the socket stays paused for good. */
  declare private discardedBytes: number;
  /** @internal What the server's read budget counts for this connection. */
  budgetHeld = 0;
  /** whenFlushed() callers waiting for messages still being compressed. */
  declare private queueWaiters: Array<() => void> | undefined;

  constructor(
    readonly socket: ByteStream,
    private readonly options: TransportOptions,
    private readonly listener: FramingTransportListener,
  ) {
    if (options.streamThresholdBytes !== undefined && (listener.onMessageStart === undefined || listener.onMessageChunk === undefined || listener.onMessageEnd === undefined)) {
      throw new Error('streamThresholdBytes needs a listener with onMessageStart, onMessageChunk and onMessageEnd');
    }
    const deflate = options.deflate;
    this.deflate = deflate === undefined ? undefined : new DeflateCodec(directionsOf(deflate.params, options.role), deflate.config, this);
    this.protocol = new ProtocolConnection(protocolSettings(options), this, this.deflate);
    const tagged = socket as TaggedSocket;
    tagged[kTransport] = this;
    // Sockets only: an HTTP/2 stream's frames leave as its session writes them.
    if (socket.setNoDelay !== undefined) socket.setNoDelay(true);
    socket.on('data', onSocketData);
    // A socket that does not allow half-open (net and tls servers' and clients', by default) ends
    // its side by itself after the peer's FIN; only the others (http servers' sockets, HTTP/2
    // streams, whose END_STREAM is a FIN) need peerEnded. One 'end' listener
    // fewer also spares Node an array of them on every idle socket.
    if (socket.allowHalfOpen) socket.on('end', onSocketEnd);
    socket.on('close', onSocketClose);
    socket.on('drain', onSocketDrain);
    socket.on('error', onSocketError);
    if (options.heartbeat !== undefined) {
      // This transport is the heartbeat's host (sendPing, terminate): no object and closures
      // per connection for it.
      this.heartbeat = new Heartbeat(options.heartbeat, this);
    }
    if (socket.destroyed) process.nextTick(() => this.socketClosed());
  }

  /** Bytes waiting in our batch plus bytes Node has not yet handed to the kernel. */
  get bufferedAmount(): number {
    // Messages waiting for compression count too, so backpressure sees them.
    return this.pendingBytes + this.socket.writableLength + this.protocol.queuedOutputBytes;
  }

  get closed(): boolean {
    return this.done;
  }

  get state(): ProtocolState {
    return this.protocol.state;
  }

  sendText(text: string): void {
    this.protocol.sendText(text);
  }

  sendBinary(bytes: Uint8Array): void {
    this.protocol.sendBinary(bytes);
  }

  /** Starts the closing handshake; the caller flushes when it wants the frame out now. */
  close(code: number, reason: string): void {
    this.protocol.close(code, reason);
    // Paused only by the read budget or the broadcast queue: read on to find the peer's close.
    if (this.socketMayRead()) this.socket.resume();
  }

  /** Fails the connection; the caller flushes when it wants the frame out now. */
  fail(code: number, reason: string): void {
    this.protocol.fail(code, reason);
  }

  /** Feeds bytes from the socket (or bytes that arrived with the handshake) to the protocol. */
  receive(chunk: Uint8Array): void {
    if (this.protocol.inputEnded) return this.discard(chunk.length);
    this.inRead = true;
    // While a message is being decompressed the core only keeps what arrives: past
    // HELD_INPUT_BYTES, stop reading, so a peer cannot queue unbounded input behind a slow
    // decompression (and short bursts do not cost a pause and a resume each).
    if (this.protocol.inflating) {
      this.heldBytes += chunk.length;
      if (this.heldBytes > HELD_INPUT_BYTES && !this.inflatePaused) {
        this.inflatePaused = true;
        this.socket.pause();
      }
    }
    // Broadcasts made while handling this input may slow it down (zlib-backpressure.ts).
    const outer = enterInput(this);
    try {
      this.protocol.receive(chunk);
    } catch (error) {
      // Only our own bug can land here (the protocol never throws for peer input and user
      // callbacks run inside RxJS, which catches them): fail the connection rather than the process.
      this.failInternal(error);
    } finally {
      this.inRead = false;
      leaveInput(outer);
    }
    if (this.options.readBudget !== undefined) this.accountHeld();
    this.flush();
  }

  /** Input is over: reads are thrown away, and past DISCARD_BYTES no longer made. */
  private discard(bytes: number): void {
    this.discardedBytes += bytes;
    if (this.discardedBytes > DISCARD_BYTES) this.socket.pause();
  }

  /** Stops reading: the socket (TCP backpressure) and the protocol (mid-chunk). */
  pause(): void {
    this.readPaused = true;
    this.protocol.pause();
    this.socket.pause();
    // A connection the budget lets finish its message must tell it that it stopped.
    if (this.options.readBudget !== undefined) this.accountHeld();
  }

  resume(): void {
    this.readPaused = false;
    if (this.socketMayRead()) this.socket.resume();
    this.inRead = true;
    const outer = enterInput(this);
    try {
      this.protocol.resume();
    } finally {
      this.inRead = false;
      leaveInput(outer);
    }
    if (this.options.readBudget !== undefined) this.accountHeld();
    this.flush();
  }

  // BudgetHolder (the server's bound on incoming bytes) ----------------------------------------

  /** @internal Not paused by the reader above, nor closed, nor done reading for good. */
  get canRead(): boolean {
    return !this.readPaused && !this.done && this.discardedBytes <= DISCARD_BYTES;
  }

  /** @internal In the middle of a message (or holding input not parsed yet). */
  get receiving(): boolean {
    return this.protocol.heldInputBytes !== 0;
  }

  /** @internal */
  pauseForBudget(): void {
    this.socket.pause();
  }

  /** @internal */
  resumeForBudget(): void {
    if (this.socketMayRead()) this.socket.resume();
  }

  /** @internal Broadcasts this connection's messages make wait too long for zlib. */
  pauseForZlib(): void {
    this.socket.pause();
  }

  /** @internal */
  resumeForZlib(): void {
    if (this.socketMayRead()) this.socket.resume();
  }

  /**
   * @internal Tells the read budget what this connection holds now: its partly received or
   * decompressing message, input kept while paused, and its backlog. Called after reads and
   * deliveries (and by the connection when a subscriber takes its backlog).
   */
  accountHeld(): void {
    const budget = this.options.readBudget;
    if (budget === undefined || this.done) return;
    const held = this.protocol.heldInputBytes + (this.listener.heldBacklogBytes ?? 0);
    // Most reads leave a connection holding what it held (nothing, for whole messages), and
    // then there is nothing to tell unless the budget is keeping someone waiting.
    if (held !== this.budgetHeld || !budget.settled) budget.update(this, held);
  }

  /** No reason left to keep the socket paused. Once our close frame is out, data frames are
   *  dropped unread, so neither the read budget nor the broadcast queue keeps us from finding
   *  the peer's close frame. */
  private socketMayRead(): boolean {
    if (!this.canRead || this.inflatePaused) return false;
    if (this.protocol.state !== 'open') return true;
    return (this.options.readBudget === undefined || !this.options.readBudget.holds(this)) && !isPausedForZlib(this);
  }

  terminate(): void {
    this.socket.destroy();
  }

  /** @internal The heartbeat's ping (HeartbeatHost): sent only while the connection is open. */
  sendPing(payload: Uint8Array): void {
    if (this.protocol.state === 'open') this.protocol.ping(payload);
  }

  /** Resolves once everything written so far has been handed to the kernel. */
  whenFlushed(): Promise<void> {
    if (this.done) return Promise.resolve();
    if (this.protocol.hasQueuedOutput) {
      // Messages still being compressed: wait until they are written, then for the kernel.
      return new Promise<void>((resolve) => (this.queueWaiters ??= []).push(resolve)).then(() => this.whenFlushed());
    }
    if (this.pendingBytes === 0 && (this.socket.writableLength === 0 || this.socket.writableEnded)) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.pendingBytes === 0) {
        // Nothing of ours waits, but Node still holds bytes, and no flush of ours will come to
        // call us back: an empty write's callback runs once all before it reached the kernel.
        this.socket.write(EMPTY_WRITE, () => resolve());
        return;
      }
      (this.flushWaiters ??= []).push(resolve);
      this.scheduleFlush();
    });
  }

  // ProtocolEvents ---------------------------------------------------------------------------

  write(bytes: Uint8Array): void {
    if (this.done || this.socket.destroyed) return;
    if (bytes === lastFrame) {
      // A frame just cut from the slab by allocFrame: it usually follows the previous one.
      lastFrame = undefined;
      this.appendToRun(lastFrameSlab, lastFrameOffset, bytes.length);
      return;
    }
    this.endRun();
    (this.pending ??= []).push(bytes);
    if (bytes.length >= COPY_LIMIT) this.pendingLarge = true;
    this.queued(bytes.length);
  }

  writeArena(offset: number, size: number): void {
    // A frame written in place in the slab (FrameArena): it usually follows the previous one.
    if (!this.done && !this.socket.destroyed) this.appendToRun(slabArena.slab, offset, size);
  }

  onText(text: string): void {
    if (this.heartbeat !== undefined) this.heartbeat.traffic();
    this.listener.onText(text);
  }

  onBinary(data: Uint8Array): void {
    if (this.heartbeat !== undefined) this.heartbeat.traffic();
    this.listener.onBinary(data);
  }

  onMessageStart(binary: boolean): void {
    if (this.heartbeat !== undefined) this.heartbeat.traffic();
    this.listener.onMessageStart!(binary);
  }

  onMessageChunk(data: Uint8Array): void {
    if (this.heartbeat !== undefined) this.heartbeat.traffic();
    this.listener.onMessageChunk!(data);
  }

  onMessageEnd(): void {
    this.listener.onMessageEnd!();
  }

  onPing(payload: Uint8Array): void {
    // Data and pings are signs of life; pongs count only when they answer our ping.
    if (this.heartbeat !== undefined) this.heartbeat.traffic();
    if (!this.options.autoPong || this.protocol.state !== 'open') return;
    if (this.bufferedAmount > this.options.maxBufferedBytes) {
      // RFC 6455 §5.5.3 allows answering only the most recent ping: hold one until the peer
      // reads again, so a ping flood against a peer that does not read stays bounded.
      this.heldPong = payload;
      return;
    }
    this.protocol.pong(payload);
  }

  onPong(payload: Uint8Array): void {
    if (this.heartbeat !== undefined) this.heartbeat.pong(payload);
    this.listener.onPong(payload);
  }

  onCloseFrame(): void {
    // Nothing to do until the TCP connection closes: onClosed reports the final outcome.
  }

  armCloseTimer(): void {
    if (this.closeTimer !== undefined || this.done) return;
    this.closeTimer = setTimeout(() => {
      this.closeTimer = undefined;
      this.socket.destroy();
    }, this.options.closeTimeoutMs);
  }

  endTransport(): void {
    this.flush();
    this.socket.end();
  }

  onProtocolError(error: ProtocolError): void {
    this.listener.onProtocolError(error);
  }

  onClosed(info: CloseInfo): void {
    this.listener.onClosed(info);
  }

  // InflateSink (zlib output for the core) -----------------------------------------------------

  onInflated(chunk: Uint8Array): boolean {
    const more = this.protocol.inflateData(chunk);
    // Decompressed bytes count as they come: a bomb's output is memory like any other.
    if (this.options.readBudget !== undefined) this.accountHeld();
    return more;
  }

  onInflateEnd(): void {
    this.inRead = true;
    const outer = enterInput(this);
    try {
      this.protocol.inflateEnd();
    } catch (error) {
      this.failInternal(error);
    } finally {
      this.inRead = false;
      leaveInput(outer);
    }
    if (!this.protocol.inflating) {
      this.heldBytes = 0;
      if (this.inflatePaused) {
        this.inflatePaused = false;
        if (this.socketMayRead()) this.socket.resume();
      }
    }
    if (this.options.readBudget !== undefined) this.accountHeld();
    this.flush();
  }

  onInflateError(): void {
    this.protocol.inflateError();
    this.flush();
  }

  // Socket events ------------------------------------------------------------------------------

  socketClosed(): void {
    if (this.done) return;
    this.done = true;
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    if (this.heartbeat !== undefined) this.heartbeat.stop();
    this.clearPending();
    this.releaseWaiters();
    (this.socket as TaggedSocket)[kTransport] = undefined;
    this.deflate?.close();
    this.options.readBudget?.leave(this);
    forgetInput(this);
    this.protocol.transportClosed();
    this.releaseQueueWaiters();
  }

  /**
   * The peer sent FIN. Sockets from Node's http server allow half-open connections, so without
   * this a peer that vanished without a closing handshake would stay "open" (attach mode) until
   * a write failed. A WebSocket has no use for half-open: finish our side too.
   */
  peerEnded(): void {
    if (this.socket.writableEnded || this.socket.destroyed) return;
    this.flush();
    this.socket.end();
  }

  drained(): void {
    const held = this.heldPong;
    if (held !== undefined && this.protocol.state === 'open') {
      this.heldPong = undefined;
      this.protocol.pong(held);
      this.flush();
    }
    this.listener.onDrain();
  }

  /** Writes the batch: one socket write for small frames, by reference for large ones. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pendingBytes === 0) return;
    if (this.done || this.socket.destroyed) {
      this.clearPending();
      this.releaseWaiters();
      return;
    }
    const waiters = this.flushWaiters;
    this.flushWaiters = undefined;
    const callback = waiters === undefined ? undefined : () => waiters.forEach(call);
    const list = this.pending;
    if (list === undefined || list.length === 0) {
      // The common case: only frames cut from the slab, end to end (the replies to one read).
      // A run of at least MIN_VIEW_BYTES goes out as a view of the slab; a smaller one is
      // copied, so a peer that stops reading pins at most a few slabs, not one per small message.
      const slab = this.runSlab!;
      const total = this.runEnd - this.runStart;
      this.socket.write(total >= MIN_VIEW_BYTES ? Buffer.from(slab, this.runStart, total) : copyOut(slab, this.runStart, total), callback);
    } else {
      this.endRun();
      if (list.length === 1) {
        this.socket.write(detached(list[0]!), callback);
      } else if (!this.pendingLarge) {
        this.socket.write(Buffer.concat(list, this.pendingBytes), callback);
      } else {
        // Mixed sizes: gather small neighbours, pass large frames through, one writev via cork.
        const out: Uint8Array[] = [];
        let start = 0;
        let small = 0;
        for (let i = 0; i < list.length; i++) {
          const bytes = list[i]!;
          if (bytes.length < COPY_LIMIT) {
            small += bytes.length;
            continue;
          }
          if (i > start) out.push(Buffer.concat(list.slice(start, i), small));
          out.push(bytes);
          start = i + 1;
          small = 0;
        }
        if (start < list.length) out.push(Buffer.concat(list.slice(start), small));
        this.socket.cork();
        for (let i = 0; i < out.length - 1; i++) this.socket.write(out[i]!);
        this.socket.write(out[out.length - 1]!, callback);
        this.socket.uncork();
      }
    }
    this.clearPending();
  }

  /** Extends the slab run with the frame at `slab[offset..offset+size)`, or starts a new one. */
  private appendToRun(slab: ArrayBuffer, offset: number, size: number): void {
    if (this.runSlab === slab && this.runEnd === offset) {
      this.runEnd += size;
    } else {
      this.endRun();
      this.runSlab = slab;
      this.runStart = offset;
      this.runEnd = offset + size;
    }
    this.queued(size);
  }

  /** Bookkeeping after a frame was queued for the next socket write. */
  private queued(size: number): void {
    this.pendingBytes += size;
    this.scheduleFlush();
    if (this.queueWaiters !== undefined && !this.protocol.hasQueuedOutput) this.releaseQueueWaiters();
  }

  /** Moves the slab run into the list, so that what is written next comes after it. */
  private endRun(): void {
    const slab = this.runSlab;
    if (slab === undefined) return;
    this.runSlab = undefined;
    const length = this.runEnd - this.runStart;
    (this.pending ??= []).push(new Uint8Array(slab, this.runStart, length));
    if (length >= COPY_LIMIT) this.pendingLarge = true;
  }

  private clearPending(): void {
    if (this.pending !== undefined) this.pending.length = 0;
    this.pendingBytes = 0;
    this.pendingLarge = false;
    this.runSlab = undefined;
  }

  private scheduleFlush(): void {
    if (this.inRead || this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(flushTick, this);
  }

  private releaseQueueWaiters(): void {
    const waiters = this.queueWaiters;
    this.queueWaiters = undefined;
    if (waiters !== undefined) waiters.forEach(call);
  }

  private releaseWaiters(): void {
    const waiters = this.flushWaiters;
    this.flushWaiters = undefined;
    if (waiters !== undefined) waiters.forEach(call);
  }

  private failInternal(error: unknown): void {
    void error;
    if (this.protocol.state === 'open') this.protocol.fail(1011, 'internal error');
    else this.socket.destroy();
  }
}

packFlags(SocketTransport.prototype, { pendingLarge: true, inRead: true, flushScheduled: true, done: true, readPaused: true, inflatePaused: true });
packRare(SocketTransport.prototype, {
  deflate: undefined,
  flushWaiters: undefined,
  closeTimer: undefined,
  heldPong: undefined,
  heldBytes: 0,
  discardedBytes: 0,
  queueWaiters: undefined,
});

/**
 * Small frames are written into a shared slab, one after another, so the replies produced while
 * handling one read sit side by side in memory and go out as one range of the slab, without the
 * copy a `Buffer.concat` costs. A slab is freed by the garbage collector once no frame in it is
 * pending. Large frames get their own buffer. The core writes most frames in place (SlabArena);
 * the others get plain `Uint8Array` views (a third of the cost of `Buffer#subarray`). Only the
 * transport sees either, and it writes Buffers.
 */
const SLAB_BYTES = 64 * 1024;
const SLAB_MAX_FRAME = 8 * 1024;
const MIN_VIEW_BYTES = 4 * 1024;

/**
 * The slab as the core's FrameArena: data and control frames are written straight into it, with
 * no buffer object per frame (see FrameArena), and the transport is told where they lie.
 */
class SlabArena implements FrameArena {
  readonly maxFrameBytes = SLAB_MAX_FRAME;
  bytes = newSlab();
  slab = this.bytes.buffer as ArrayBuffer;
  used = 0;

  reserve(size: number): number {
    if (this.used + size > SLAB_BYTES) {
      this.bytes = newSlab();
      this.slab = this.bytes.buffer as ArrayBuffer;
      this.used = 0;
    }
    const at = this.used;
    this.used += size;
    return at;
  }
}
const slabArena = new SlabArena();

/**
 * A slab of its own (not Node's shared pool), not zero-filled: every byte that reaches a socket
 * was written as part of a frame first, and zero-filling 64 KiB per slab was 15% of the time of
 * an in-process 1 KiB echo.
 */
function newSlab(): Buffer {
  return Buffer.allocUnsafeSlow(SLAB_BYTES);
}

/** The frame allocFrame made last and where it lies: `write` recognises it by identity, which
 *  is cheaper than asking a view for its `.buffer` (a call into C++). */
let lastFrame: Uint8Array | undefined;
let lastFrameSlab: ArrayBuffer = slabArena.slab;
let lastFrameOffset = 0;

/** Buffers for the frames the core does not write in the arena (close frames, frames queued
 *  behind a compression): small ones are cut from the slab too. */
function allocFrame(size: number): Uint8Array {
  if (size > SLAB_MAX_FRAME) return Buffer.allocUnsafe(size);
  const at = slabArena.reserve(size);
  const frame = new Uint8Array(slabArena.slab, at, size);
  lastFrame = frame;
  lastFrameSlab = slabArena.slab;
  lastFrameOffset = at;
  return frame;
}

/** A copy of a slab range, from Node's small-buffer pool (sizes below MIN_VIEW_BYTES). */
function copyOut(slabBuffer: ArrayBuffer, start: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  out.set(new Uint8Array(slabBuffer, start, length));
  return out;
}

/** A lone small frame that is not a Buffer of its own (a slab frame written out of turn, behind
 *  a compression) leaves as a copy, so a stalled peer cannot pin the slab with it. */
function detached(bytes: Uint8Array): Uint8Array {
  return bytes.length < MIN_VIEW_BYTES && !Buffer.isBuffer(bytes) ? Buffer.from(bytes) : bytes;
}

function call(fn: () => void): void {
  fn();
}
