import type { ProtocolError } from '../errors';
import type { ProtocolLimits } from './limits';

/** Which end of the connection this state machine plays (RFC 6455 §5.1: who masks). */
export type Role = 'server' | 'client';

/**
 * UTF-8 encoding and decoding, injected so the core stays free of Node: the transport passes a
 * Buffer-based codec (faster on small strings); the default uses TextEncoder/TextDecoder.
 */
export interface TextCodec {
  byteLength(text: string): number;
  /** Writes `text` as UTF-8 at `offset`; returns the number of bytes written. */
  encodeInto(text: string, target: Uint8Array, offset: number): number;
  /** Decodes bytes already known to be valid UTF-8. */
  decode(bytes: Uint8Array): string;
}

/**
 * A buffer shared by many connections that the core writes small frames straight into, instead of
 * asking `alloc` for a buffer per frame: on a busy connection that is a typed-array view and its
 * garbage per message. The transport owns it and is told of each frame by `events.writeArena`.
 */
export interface FrameArena {
  /** Frames up to this many bytes may go to the arena; larger ones use `alloc`. */
  readonly maxFrameBytes: number;
  /** Makes room for `size` contiguous bytes and returns where they start in `bytes`. */
  reserve(size: number): number;
  /** The current buffer. Read it after `reserve`, which may have replaced it. */
  readonly bytes: Uint8Array;
}

/** Writes 4 mask-key bytes at `offset` (RFC 6455 §5.3: unpredictable, from a strong source). */
export type MaskSource = (target: Uint8Array, offset: number) => void;

export interface ProtocolOptions extends ProtocolLimits {
  role: Role;
  /** Answer pings with pongs automatically (RFC 6455 §5.5.2). Default true. */
  autoPong?: boolean;
  /** Allocates output buffers; the transport passes Buffer.allocUnsafe (pooled). */
  alloc?: (size: number) => Uint8Array;
  /** Where small frames are written in place; requires `events.writeArena`. Default: none, every
   *  frame gets a buffer from `alloc`. */
  arena?: FrameArena;
  /** Allocates the buffer a message (or a control frame's payload) spanning frames or chunks is
   *  assembled in, which is handed to the application. Need not be zero-filled (only received bytes are ever exposed). Default:
   *  `new Uint8Array(size)`; the transport passes `Buffer.allocUnsafe`. When growing a message
   *  buffer, `needed` is the least that will do: any length from `needed` to `size` may be
   *  returned (a server short of memory grows buffers less eagerly). */
  allocMessage?: (size: number, needed?: number) => Uint8Array;
  textCodec?: TextCodec;
  /** Client side only; default: crypto-random keys from a pooled buffer. */
  maskSource?: MaskSource;
  /** A negotiated permessage-deflate (RFC 7692): RSV1 then marks compressed messages. */
  compression?: MessageCompression;
  /**
   * Data messages of at least this many bytes are handed out as they arrive (`onMessageStart`,
   * `onMessageChunk`..., `onMessageEnd`) instead of whole (`onText`/`onBinary`). The size is
   * judged from frame headers as they arrive (a fragmented message switches once they have
   * declared this much, its first bytes handed out as one chunk), or, for a compressed message,
   * from its decompressed bytes. Requires the three events. Default: never (every message whole).
   */
  streamThresholdBytes?: number;
}

/**
 * How the core hands compressed bytes out and takes them back in (RFC 7692 §6), without knowing
 * zlib: the transport implements it. The core keeps every limit, the UTF-8 check and the order of
 * messages in both directions; the implementation only moves bytes through the compressor.
 */
export interface MessageCompression {
  /** Whether an outgoing message of this many bytes is worth compressing (threshold; never
   *  when our negotiated window is one zlib cannot honour). */
  shouldCompress(byteLength: number): boolean;
  /**
   * Compresses one whole message (RFC 7692 §7.2.1: DEFLATE, sync flush, the trailing
   * 0x00 0x00 0xff 0xff removed) and calls `done` once, usually later, with the payload or null
   * when it failed. Calls complete in call order. `freshContext`: start from an empty window
   * (a shared broadcast frame was sent since the previous message). `data` is read until `done`.
   */
  compress(data: Uint8Array, freshContext: boolean, done: (compressed: Uint8Array | null) => void): void;
  /**
   * Decompresses one whole message's payload (RFC 7692 §7.2.2: with 0x00 0x00 0xff 0xff
   * appended), feeding the output, in chunks as it is produced, to the core's `inflateData`,
   * then `inflateEnd` (or `inflateError`). Stops as soon as `inflateData` returns false. The
   * core parses nothing more until then.
   */
  decompress(data: Uint8Array): void;
}

/**
 * What makes a frame shared by many connections (a broadcast being compressed once): told when a
 * connection gives up its place for the frame before it was ready (it closed or failed), so that
 * work nobody waits for any more can be dropped.
 */
export interface PreEncodedSource {
  placeDropped(): void;
}

export type ProtocolState = 'open' | 'closing' | 'closed';

/** How a connection ended, as reported to the application. */
export interface CloseInfo {
  /** The peer's close code; 1005 if its close frame had none; 1006 if the TCP connection dropped
   *  without a closing handshake; our own code when we failed the connection. */
  code: number;
  reason: string;
  /** True only when both close frames were exchanged and then the transport closed. */
  wasClean: boolean;
}

/**
 * What the protocol core tells its transport. Events may be called re-entrantly from inside
 * `receive()`; the core re-checks its state after each one.
 */
export interface ProtocolEvents {
  /** Bytes to put on the wire, in order. Ownership passes: the core never touches them again. */
  write(bytes: Uint8Array): void;
  /** With `options.arena`: the `size` bytes at `offset` of `arena.bytes` (just reserved) are the
   *  next bytes to put on the wire, in order with `write`. */
  writeArena?(offset: number, size: number): void;
  onText(text: string): void;
  /** A view the receiver may keep (it is not reused by the core). */
  onBinary(data: Uint8Array): void;
  /** With `options.streamThresholdBytes`: a message at or over the threshold begins; its bytes
   *  follow through `onMessageChunk`, then `onMessageEnd`. The connection failing instead
   *  (`onProtocolError`, `onClosed`) ends it unfinished. */
  onMessageStart?(binary: boolean): void;
  /** The streamed message's next bytes (never empty), a view the receiver may keep. Text is
   *  checked UTF-8 up to here, but a chunk may end inside a code point. */
  onMessageChunk?(data: Uint8Array): void;
  /** The streamed message is complete (text: valid UTF-8 as a whole, RFC 6455 §8.1). */
  onMessageEnd?(): void;
  /** After the automatic pong (when enabled) has been written. */
  onPing(payload: Uint8Array): void;
  onPong(payload: Uint8Array): void;
  /** A valid close frame arrived (code 1005 if it carried none); no more messages follow. */
  onCloseFrame(code: number, reason: string): void;
  /** Advice: we sent a close frame; arm the close timer that destroys the transport if it is
   *  still open when the timer fires (RFC 6455 §7.1.1 leaves the wait to us). */
  armCloseTimer(): void;
  /** Advice: flush what was written and close the TCP connection. Only ever given to a server
   *  (RFC 6455 §7.1.1: the server closes first, after the closing handshake or a failure); a
   *  client waits for the server's close under its close timer. */
  endTransport(): void;
  /** The peer broke the protocol. The core has already written a close frame carrying
   *  `error.closeCode` (when the state allowed it); a server is then advised `endTransport`. */
  onProtocolError(error: ProtocolError): void;
  /** Final event, exactly once, after `transportClosed()`. */
  onClosed(info: CloseInfo): void;
}
