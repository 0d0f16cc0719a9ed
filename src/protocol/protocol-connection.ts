import { ProtocolError, UsageError } from '../errors';
import { CloseCode } from './close-code';
import { checkCloseToSend, parseClosePayload, writeClosePayload } from './close-payload';
import { FRAME_PAUSE, FrameParser, type FrameHandler } from './frame-parser';
import { frameHeaderSize, writeFrameHeader, writeMaskedFrameHeader } from './frame-serializer';
import { applyMask, createMaskSource } from './mask';
import { MessageAssembler } from './message-assembler';
import { Opcode } from './opcode';
import type {
  CloseInfo,
  FrameArena,
  MaskSource,
  MessageCompression,
  PreEncodedSource,
  ProtocolEvents,
  ProtocolOptions,
  ProtocolState,
  Role,
  TextCodec,
} from './protocol-types';
import { defaultTextCodec } from './text-codec';
import { packBitFields, packFlags } from './packed-flags';
import { packRare } from './rare-fields';
import { isValidUtf8 } from './utf8-validator';

/** Server-side payloads this big are written by reference after their header (no copy). */
export const LARGE_PAYLOAD_BYTES = 16 * 1024;

/** Parser verdict: stop for good (input is finished or the connection failed). */
const STOP = 1;
const EMPTY = new Uint8Array(0);
/** RFC 7692 §6: permessage-deflate's "Per-Message Compressed" bit, RSV1. */
const RSV1 = 4;

const defaultAlloc = (size: number): Uint8Array => new Uint8Array(size);
/** Shared empty lists every connection starts with, replaced by its own array on first use (an
 *  idle connection holds none). Frozen, so a push that missed the swap fails loudly. */
const NO_INPUT: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];
const NO_SLOTS: OutSlot[] = Object.freeze([]) as unknown as OutSlot[];
/** The states by `stateCode`. */
const STATES: readonly ProtocolState[] = ['open', 'closing', 'closed'];
/**
 * Where the frame begun by `beginFrame` starts in the buffer it returned. One for every
 * connection rather than a field each: `beginFrame` and `endFrame` run in one synchronous call
 * with only header writing, masking and text encoding between them (no callback, no other
 * frame), and endFrame reads it before handing the frame on.
 */
let frameAt = 0;

const OPTION_KEYS = new Set([
  'role',
  'maxMessageBytes',
  'maxFragments',
  'autoPong',
  'alloc',
  'allocMessage',
  'arena',
  'textCodec',
  'maskSource',
  'compression',
  'streamThresholdBytes',
]);

/**
 * The RFC 6455 state machine for one connection, sans I/O: bytes in through `receive()`, events
 * out through `ProtocolEvents`; commands in (`sendText`, `close`, ...), bytes out through
 * `events.write`. It never throws for anything the peer sends (a peer fault fails the connection
 * with a close code and is reported through `onProtocolError`); it throws `UsageError` when its
 * caller misuses it.
 *
 * Buffer ownership: `receive(chunk)` may unmask `chunk` in place, hands out views of it
 * (`onBinary`, `onPing`, `onPong`) and keeps a reference to its unprocessed tail while paused;
 * the caller must not reuse the chunk's memory. Bytes given to `write` belong to the transport,
 * except a large server-side binary payload, which is written by reference: the caller of
 * `sendBinary`/`sendFrame` must not modify it until the transport has written it.
 *
 * Pause: `pause()` (also from inside an event) stops parsing after the current frame, even in
 * the middle of a chunk; the rest of that chunk and any later `receive()` are kept, in order,
 * until `resume()`. The owner should pause its socket too, so that little is kept.
 *
 * permessage-deflate (RFC 7692), when `options.compression` is given: RSV1 on a message's first
 * frame marks it compressed; its payload goes out through `compression.decompress` and the
 * decompressed bytes come back through `inflateData`/`inflateEnd`, under `maxMessageBytes` and the
 * UTF-8 check, while parsing waits so messages stay in order. Outgoing messages at or above the
 * threshold are compressed asynchronously; the data frames and the close sent after them wait in
 * an ordered queue, while pings and pongs go at once. A compressed payload is read until its
 * compression completes (small ones are copied first).
 *
 * Large messages (`options.streamThresholdBytes`): a data message whose frame headers declare at
 * least that many bytes (or, compressed, that inflates to that many) is handed out as it arrives
 * instead of being assembled: `onMessageStart`, its bytes through `onMessageChunk`, `onMessageEnd`.
 * `maxMessageBytes` and `maxFragments` still apply, checked from the headers as before, and text
 * is checked piece by piece (§8.1: 1007 at the offending piece, which is not handed out). Pausing
 * then takes effect between the message's frames too, not only between messages.
 *
 * After our own close(), the peer's messages are still delivered until its close frame: it sent
 * them before it saw ours (RFC 6455 §1.4 makes only the receiver of a close discard what
 * follows). Its pings are no longer answered.
 *
 * What is called when: a peer fault → write(close), onProtocolError, armCloseTimer,
 * endTransport. The peer's close → write(reply) and armCloseTimer (unless we closed first),
 * onCloseFrame, then endTransport on the server only (§7.1.1). close() → write, armCloseTimer.
 * fail() → write (unless a close was sent), armCloseTimer, endTransport. armCloseTimer and
 * endTransport are advised at most once each, and nothing follows onClosed.
 */
export class ProtocolConnection implements FrameHandler {
  /** What the options say, checked once; shared by every connection made with the same
   *  `ProtocolSettings` (a server's connections on one route), not copied into each. */
  private readonly settings: ProtocolSettings;
  private readonly events: ProtocolEvents;
  /** Every boolean below (`declare`d), one bit each (see packFlags). */
  protected flags = 0;
  /** The fields below that most connections never set, or set only as they close (`declare`d;
   *  see packRare), once one is. */
  protected rare: Record<string, unknown> | undefined;
  /** The frame begun by `beginFrame` is in the arena. */
  declare private frameInArena: boolean;
  /** Made on the first bytes received, and the assembler on the first message that needs it:
   *  an idle connection holds neither (idle connections are the memory that adds up). */
  private parserOrNone: FrameParser | undefined;
  private assemblerOrNone: MessageAssembler | undefined;
  /** permessage-deflate, when negotiated (RFC 7692). */
  declare private readonly compression: MessageCompression | undefined;

  /** 0 open, 1 closing, 2 closed (see currentState), in bits of flags (packBitFields). */
  declare private stateCode: number;
  declare private isPaused: boolean;

  // ---- receive side ----
  /** Input is over for good: the peer closed, we failed, or the transport closed. */
  declare private inputDone: boolean;
  /** Inside parser.push: re-entrant receive()/resume() must not start a second loop. */
  declare private processing: boolean;
  /** Chunks (or the tail of one) kept while paused, in arrival order. */
  private pending: Uint8Array[] = NO_INPUT;
  // The opcodes are fields, not bits of flags (packBitFields): they are read and written on
  // every frame, and accessors there cost the echo loop some 3-5% (bench/echo-in-process.ts).
  private frameOpcode = 0;
  declare private frameFin: boolean;
  private frameLength = 0;
  /** Opcode (Text/Binary) of the message being received, 0 when none. */
  private messageOpcode = 0;
  /** A message is open across frames: only continuation (and control) frames may follow. */
  declare private fragmented: boolean;
  /** The current message goes through the assembler (fragmented, or split across chunks). */
  declare private assembling: boolean;
  /** A single-frame message's payload, whole in one chunk: delivered without a copy. */
  private wholePayload: Uint8Array = EMPTY;
  /** Control frame payload (≤ 125 bytes); copied only when it straddles chunks. */
  private controlPayload: Uint8Array = EMPTY;
  private controlReceived = 0;
  /** RFC 7692 §6.1: the message being received had RSV1 on its first frame. */
  declare private messageCompressed: boolean;
  /** The current message is being handed out as it arrives (onMessageStart ... onMessageEnd). */
  declare private streamingIn: boolean;
  /** Opcode of the compressed message being decompressed (0: none). Parsing waits meanwhile,
   *  so messages are delivered in order although decompression is asynchronous. */
  private inflatingOpcode = 0;
  /** The compressed size of that message (its bytes are held until it is decompressed). */
  declare private inflatingInputBytes: number;

  // ---- close handshake ----
  declare private closeSent: boolean;
  declare private closeReceived: boolean;
  declare private peerCode: number;
  declare private peerReason: string;
  declare private failCode: number;
  declare private failReason: string;
  declare private closeTimerArmed: boolean;
  declare private transportEndAdvised: boolean;

  // ---- send side ----
  /** An outgoing fragmented message is open (RFC 6455 §5.4: no other data frame may start). */
  declare private sendingFragments: boolean;
  /** Data frames (and our close) waiting behind a message still being compressed: output keeps
   *  send order although compression is asynchronous. Control frames do not wait (§5.4). */
  private outQueue: OutSlot[] = NO_SLOTS;
  declare private outQueuedBytes: number;
  /** Inside pump(): a slot's frames go straight out, ahead of the slots still queued. */
  declare private pumping: boolean;
  /** A shared compressed frame (broadcast) went out: the next message we compress must not
   *  refer to our own earlier output, which the peer's window no longer ends with. */
  declare private freshDeflate: boolean;

  /**
   * `options`: this connection's own, checked here; or `ProtocolSettings` made once for many
   * connections, with this connection's `compression` (if negotiated) beside it.
   */
  constructor(options: ProtocolOptions | ProtocolSettings, events: ProtocolEvents, compression?: MessageCompression) {
    let settings: ProtocolSettings;
    if (options instanceof ProtocolSettings) {
      settings = options;
      this.compression = compression;
    } else {
      settings = new ProtocolSettings(options);
      this.compression = options.compression;
    }
    this.settings = settings;
    this.events = events;
    if (settings.arena !== undefined && typeof events.writeArena !== 'function') {
      throw new UsageError('invalid_option', 'an arena needs events.writeArena');
    }
    checkCompression(this.compression);
    if (settings.streamThreshold !== Infinity && (typeof events.onMessageStart !== 'function' || typeof events.onMessageChunk !== 'function' || typeof events.onMessageEnd !== 'function')) {
      throw new UsageError('invalid_option', 'streamThresholdBytes needs events.onMessageStart, onMessageChunk and onMessageEnd');
    }
  }

  // The settings, under the names the code below has always used.
  private get isServer(): boolean {
    return this.settings.isServer;
  }
  private get alloc(): (size: number) => Uint8Array {
    return this.settings.alloc;
  }
  private get allocMessage(): (size: number, needed?: number) => Uint8Array {
    return this.settings.allocMessage;
  }
  private get arena(): FrameArena | undefined {
    return this.settings.arena;
  }
  private get codec(): TextCodec {
    return this.settings.codec;
  }
  private get maskSource(): MaskSource {
    return this.settings.maskSource;
  }
  private get autoPong(): boolean {
    return this.settings.autoPong;
  }
  private get maxMessageBytes(): number {
    return this.settings.maxMessageBytes;
  }
  private get maxFragments(): number {
    return this.settings.maxFragments;
  }
  /** Messages of at least this many bytes are handed out as they arrive; Infinity: never. */
  private get streamThreshold(): number {
    return this.settings.streamThreshold;
  }
  /** RFC 6455 §5.2: RSV bits an extension defines; any other set bit fails the connection.
   *  Permessage-deflate (RFC 7692 §6) defines RSV1 once negotiated. */
  private get extensionRsvBits(): number {
    return this.compression !== undefined ? RSV1 : 0;
  }

  private get parser(): FrameParser {
    return (this.parserOrNone ??= new FrameParser(this));
  }

  private get assembler(): MessageAssembler {
    return (this.assemblerOrNone ??= new MessageAssembler(this.maxMessageBytes, this.maxFragments, this.allocMessage));
  }

  /** True while a compressed message is being decompressed (input is held meanwhile). */
  get inflating(): boolean {
    return this.inflatingOpcode !== 0;
  }

  /** True while outgoing data waits for (or behind) a message being compressed. */
  get hasQueuedOutput(): boolean {
    return this.outQueue.length !== 0;
  }

  /** Bytes of outgoing messages waiting for their compression (or behind one). */
  get queuedOutputBytes(): number {
    return this.outQueuedBytes;
  }

  get state(): ProtocolState {
    return this.currentState;
  }

  private get currentState(): ProtocolState {
    return STATES[this.stateCode]!;
  }

  private set currentState(state: ProtocolState) {
    this.stateCode = STATES.indexOf(state);
  }

  /**
   * Bytes held for input not delivered yet: the buffer of the message being received or
   * decompressed (and its compressed form), and input kept while paused or decompressing. A
   * server adds these up across its connections to bound them (`ReadBudget`).
   */
  get heldInputBytes(): number {
    let held = this.inflatingInputBytes;
    if (this.assembling || this.inflatingOpcode !== 0) held += this.assemblerOrNone?.capacity ?? 0;
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) held += pending[i]!.length;
    return held;
  }

  /** True once input is over for good: we failed the connection, the peer's close arrived, or
   *  the transport closed. Whatever arrives later is discarded unread. */
  get inputEnded(): boolean {
    return this.inputDone;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** Re-read after an event: a handler may have closed the transport re-entrantly. */
  private isClosed(): boolean {
    return this.currentState === 'closed';
  }

  get role(): Role {
    return this.isServer ? 'server' : 'client';
  }

  // ======================================================================================
  // Input
  // ======================================================================================

  /**
   * Feeds bytes from the transport. Events fire synchronously from inside this call. While
   * paused, the bytes are kept (not parsed) until `resume()`. If an event handler throws, the
   * exception propagates, the rest of the input is abandoned (the stream position is lost) and
   * the caller is expected to `fail(1011, ...)`.
   */
  receive(chunk: Uint8Array): void {
    if (this.inputDone) return;
    if (this.processing || this.isPaused || this.inflatingOpcode !== 0 || this.pending.length !== 0) {
      if (chunk.length !== 0) this.holdInput(chunk, false);
      return;
    }
    this.processing = true;
    try {
      const end = chunk.length;
      const pos = this.parser.push(chunk, 0, end);
      if (pos < end && !this.inputDone) this.holdInput(chunk.subarray(pos), true);
      if (this.pending.length !== 0) this.drain();
    } catch (err) {
      this.processing = false;
      this.abandonInput();
      throw err;
    }
    this.processing = false;
  }

  /** Keeps input for later, behind what is kept already or (`first`) ahead of it; the first
   *  kept chunk replaces the shared empty list with the connection's own. */
  private holdInput(chunk: Uint8Array, first: boolean): void {
    if (this.pending === NO_INPUT) this.pending = [chunk];
    else if (first) this.pending.unshift(chunk);
    else this.pending.push(chunk);
  }

  /** Stop processing input after the current frame (even mid-chunk); the owner also pauses
   *  its socket. Safe to call from inside an event. */
  pause(): void {
    this.isPaused = true;
  }

  /** Process the input kept while paused, in order, then carry on normally. */
  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    // Inside an event the running loop sees the flag and carries on by itself.
    if (this.processing || this.inputDone || this.inflatingOpcode !== 0 || this.pending.length === 0) return;
    this.processing = true;
    try {
      this.drain();
    } catch (err) {
      this.processing = false;
      this.abandonInput();
      throw err;
    }
    this.processing = false;
  }

  /**
   * The TCP connection is gone (EOF, RST, timeout, or our own endTransport completed). Emits
   * `onClosed` once. RFC 6455 §7.1.4/§7.1.5: clean only if close frames went both ways; the
   * code is the peer's (1005 when its close had none), ours if we failed, 1006 otherwise.
   */
  transportClosed(): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.abandonInput();
    this.dropQueue();
    let info: CloseInfo;
    if (this.failCode !== 0) {
      info = { code: this.failCode, reason: this.failReason, wasClean: false };
    } else if (this.closeReceived) {
      info = { code: this.peerCode, reason: this.peerReason, wasClean: this.closeSent };
    } else {
      info = { code: CloseCode.Abnormal, reason: '', wasClean: false };
    }
    this.events.onClosed(info);
  }

  private drain(): void {
    const pending = this.pending;
    while (pending.length !== 0 && !this.isPaused && this.inflatingOpcode === 0 && !this.inputDone) {
      const chunk = pending[0]!;
      const end = chunk.length;
      const pos = this.parser.push(chunk, 0, end);
      if (this.inputDone) break;
      if (pos < end) {
        pending[0] = chunk.subarray(pos);
        break; // paused
      }
      pending.shift();
    }
    if (this.inputDone) pending.length = 0;
  }

  private abandonInput(): void {
    this.inputDone = true;
    if (this.pending !== NO_INPUT) this.pending.length = 0;
    this.assemblerOrNone?.discard();
    this.wholePayload = EMPTY;
    this.controlPayload = EMPTY;
    this.messageCompressed = false;
    this.inflatingOpcode = 0;
    this.inflatingInputBytes = 0;
    this.streamingIn = false;
  }

  /** What the parser should do after an event: the handler may have failed, closed or paused,
   *  or a decompression is under way. */
  private verdict(): number {
    return this.inputDone ? STOP : this.isPaused || this.inflatingOpcode !== 0 ? FRAME_PAUSE : 0;
  }

  // ---- FrameHandler (called by the parser; not for the transport) ----

  /** @internal */
  onFrameStart(fin: boolean, rsv: number, opcode: number, masked: boolean, payloadLength: number): number {
    if (this.inputDone) return STOP;
    if ((rsv & ~this.extensionRsvBits) !== 0) {
      // RFC 6455 §5.2: a nonzero RSV bit without an extension defining it fails the connection.
      return this.peerFault(CloseCode.ProtocolError, 'reserved_bits_set', 'reserved bits set without an extension');
    }
    // §5.1: a client masks every frame, a server none.
    if (masked !== this.isServer) {
      return this.isServer
        ? this.peerFault(CloseCode.ProtocolError, 'unmasked_frame', 'client frame is not masked')
        : this.peerFault(CloseCode.ProtocolError, 'masked_frame', 'server frame is masked');
    }
    if (rsv !== 0 && (opcode === Opcode.Continuation || opcode >= Opcode.Close)) {
      // RFC 7692 §6.1: RSV1 marks a compressed message on its first frame only; on a
      // continuation or a control frame it is not defined, so it fails like any RSV bit (§5.2).
      return this.peerFault(CloseCode.ProtocolError, 'reserved_bits_set', 'rsv1 set on a continuation or control frame');
    }
    this.frameOpcode = opcode;
    this.frameFin = fin;
    this.frameLength = payloadLength;
    if (opcode >= Opcode.Close) {
      if (opcode > Opcode.Pong) {
        return this.peerFault(CloseCode.ProtocolError, 'unknown_opcode', 'reserved opcode');
      }
      // §5.5: control frames are never fragmented and carry at most 125 bytes.
      if (!fin) return this.peerFault(CloseCode.ProtocolError, 'fragmented_control_frame', 'control frame is fragmented');
      if (payloadLength > 125) {
        return this.peerFault(CloseCode.ProtocolError, 'control_frame_too_big', 'control frame payload over 125 bytes');
      }
      this.controlPayload = EMPTY;
      this.controlReceived = 0;
      return 0;
    }
    if (opcode === Opcode.Continuation) {
      // §5.4: a continuation only continues an open fragmented message.
      if (!this.fragmented) {
        return this.peerFault(CloseCode.ProtocolError, 'unexpected_continuation', 'continuation frame without a message');
      }
      const limit = this.assembler.addFrame(payloadLength, fin);
      if (limit !== 0) return this.limitFault(limit);
      if (!this.streamingIn && this.assembler.declaredLength >= this.streamThreshold && !this.messageCompressed) {
        return this.startStream(this.messageOpcode);
      }
      return 0;
    }
    if (opcode > Opcode.Binary) {
      return this.peerFault(CloseCode.ProtocolError, 'unknown_opcode', 'reserved opcode');
    }
    // §5.4: the fragments of one message are not interleaved with another message.
    if (this.fragmented) {
      return this.peerFault(CloseCode.ProtocolError, 'expected_continuation', 'new message inside a fragmented message');
    }
    this.messageOpcode = opcode;
    this.messageCompressed = rsv !== 0;
    this.wholePayload = EMPTY;
    if (!fin) {
      this.fragmented = true;
      this.assembling = true;
      // Compressed bytes are not text: the UTF-8 check runs on the decompressed output.
      const limit = this.assembler.begin(opcode === Opcode.Text && rsv === 0, payloadLength, false);
      if (limit !== 0) return this.limitFault(limit);
      if (this.assembler.declaredLength >= this.streamThreshold && rsv === 0) return this.startStream(opcode);
    } else {
      this.assembling = false;
      // §10.4: refuse an oversized message from its header, before any payload arrives.
      if (payloadLength > this.maxMessageBytes) return this.limitFault(CloseCode.MessageTooBig);
      // A compressed message is judged by its decompressed bytes instead (inflateData).
      if (payloadLength >= this.streamThreshold && rsv === 0) return this.startFrameStream(opcode, payloadLength);
    }
    return 0;
  }

  /** @internal */
  onFramePayload(payload: Uint8Array): number {
    if (this.frameOpcode >= Opcode.Close) {
      if (this.controlReceived === 0 && payload.length === this.frameLength) {
        this.controlPayload = payload;
      } else {
        if (this.controlReceived === 0) this.controlPayload = this.allocMessage(this.frameLength);
        this.controlPayload.set(payload, this.controlReceived);
      }
      this.controlReceived += payload.length;
      return 0;
    }
    // After our clean close the peer's data still counts: it was sent before the peer saw our
    // close (RFC 6455 §1.4 makes only the receiver of a close discard what follows). After a
    // failure nothing more is delivered (§7.1.7).
    if (this.failCode !== 0) return 0;
    if (this.streamingIn) return this.streamPayload(payload);
    if (!this.assembling) {
      if (payload.length === this.frameLength) {
        // A single-frame message whole in this chunk: no copy (text is checked whole, §8.1).
        if (this.messageOpcode === Opcode.Text && !this.messageCompressed && !isValidUtf8(payload)) return this.invalidUtf8();
        this.wholePayload = payload;
        return 0;
      }
      // It straddles chunks: collect it (limits were checked at header time).
      this.assembling = true;
      this.assembler.begin(this.messageOpcode === Opcode.Text && !this.messageCompressed, this.frameLength, true);
    }
    // §8.1 and Autobahn 6.x: invalid UTF-8 fails as soon as its fragment arrives.
    if (!this.assembler.append(payload)) return this.invalidUtf8();
    return 0;
  }

  /** @internal */
  onFrameEnd(): number {
    if (this.frameOpcode >= Opcode.Close) return this.controlFrame();
    // A streamed message's reader may pause between its frames, not only between messages.
    if (!this.frameFin) return this.streamingIn ? this.verdict() : 0;
    this.fragmented = false;
    const opcode = this.messageOpcode;
    this.messageOpcode = 0;
    if (this.failCode !== 0) {
      // §7.1.7: nothing is delivered once we failed the connection.
      this.assemblerOrNone?.discard();
      this.assembling = false;
      this.streamingIn = false;
      this.wholePayload = EMPTY;
      this.messageCompressed = false;
      return this.verdict();
    }
    if (this.streamingIn) return this.endStream(opcode);
    if (this.messageCompressed) return this.startInflate(opcode);
    if (this.assembling) {
      this.assembling = false;
      const assembler = this.assembler;
      if (opcode === Opcode.Text) {
        // §8.1: a message that ends inside a code point is invalid.
        if (!assembler.endText()) return this.invalidUtf8();
        const text = this.codec.decode(assembler.peek());
        assembler.release();
        this.events.onText(text);
      } else {
        this.events.onBinary(assembler.take());
      }
    } else {
      const payload = this.wholePayload;
      this.wholePayload = EMPTY;
      if (opcode === Opcode.Text) {
        this.events.onText(payload.length === 0 ? '' : this.codec.decode(payload));
      } else {
        this.events.onBinary(payload);
      }
    }
    return this.verdict();
  }

  /** @internal */
  onFrameError(closeCode: number, errorCode: string, message: string): void {
    this.peerFault(closeCode, errorCode, message);
  }

  // ---- messages received as streams (options.streamThresholdBytes) ----

  /** The current message reached the stream threshold: announce it, and hand out what was
   *  assembled of it so far as its first chunk. */
  private startStream(opcode: number): number {
    this.streamingIn = true;
    this.events.onMessageStart!(opcode === Opcode.Binary);
    if (this.inputDone) return STOP;
    if (this.assembler.length !== 0) {
      this.events.onMessageChunk!(this.assembler.handOver());
      if (this.inputDone) return STOP;
    }
    return 0;
  }

  /** A single-frame message at or over the threshold: streamed from its header on. */
  private startFrameStream(opcode: number, payloadLength: number): number {
    this.assembling = true;
    this.assembler.begin(opcode === Opcode.Text, payloadLength, true);
    return this.startStream(opcode);
  }

  private streamPayload(payload: Uint8Array): number {
    // Handed on as it arrives, nothing kept; text is checked piece by piece, so invalid UTF-8
    // fails (1007) before its piece is handed out (§8.1).
    if (!this.assembler.pass(payload)) return this.invalidUtf8();
    this.events.onMessageChunk!(payload);
    return this.inputDone ? STOP : 0;
  }

  private endStream(opcode: number): number {
    this.streamingIn = false;
    this.assembling = false;
    const assembler = this.assembler;
    // §8.1: a message that ends inside a code point is invalid.
    if (opcode === Opcode.Text && !assembler.endText()) return this.invalidUtf8();
    assembler.release();
    this.events.onMessageEnd!();
    return this.verdict();
  }

  // ---- permessage-deflate, receive side (RFC 7692 §7.2.2) ----

  /** A compressed message is complete: hand its bytes out and hold the input until its
   *  decompressed bytes come back through inflateData/inflateEnd. */
  private startInflate(opcode: number): number {
    this.messageCompressed = false;
    let payload: Uint8Array;
    if (this.assembling) {
      this.assembling = false;
      payload = this.assembler.take();
    } else {
      payload = this.wholePayload;
      this.wholePayload = EMPTY;
    }
    // The output is collected like a fragmented message: same limit, same UTF-8 check.
    this.assembler.begin(opcode === Opcode.Text, 0, false);
    this.inflatingOpcode = opcode;
    this.inflatingInputBytes = payload.length;
    this.compression!.decompress(payload);
    return this.verdict();
  }

  /**
   * Decompressed bytes of the current message, in order. Returns false when decompression must
   * stop: the message crossed `maxMessageBytes` (1009, checked chunk by chunk, so a small
   * "bomb" never inflates much past the limit), its text is not UTF-8 (1007),
   * or the connection is no longer reading.
   */
  inflateData(chunk: Uint8Array): boolean {
    if (this.inflatingOpcode === 0 || this.inputDone) return false;
    if (chunk.length > this.maxMessageBytes - this.assembler.length) {
      this.limitFault(CloseCode.MessageTooBig);
      return false;
    }
    if (!this.streamingIn && this.assembler.length + chunk.length >= this.streamThreshold) {
      // zlib's output chunks are fresh buffers, so they are handed on as they are. zlib is not
      // paused for a slow reader (it holds a process-wide slot meanwhile): what it inflates
      // waits in the reader's queue, bounded by maxMessageBytes.
      this.startStream(this.inflatingOpcode);
      if (this.inputDone) return false;
    }
    if (this.streamingIn) {
      if (!this.assembler.pass(chunk)) {
        this.invalidUtf8();
        return false;
      }
      this.events.onMessageChunk!(chunk);
      return !this.inputDone;
    }
    if (!this.assembler.append(chunk)) {
      this.invalidUtf8();
      return false;
    }
    return true;
  }

  /** The current message is fully decompressed: deliver it, then parse the input held since. */
  inflateEnd(): void {
    const opcode = this.inflatingOpcode;
    if (opcode === 0 || this.inputDone) return;
    this.inflatingOpcode = 0;
    this.inflatingInputBytes = 0;
    if (this.processing) {
      // Decompressed synchronously, from inside startInflate: the running parse carries on.
      this.deliverInflated(opcode);
      return;
    }
    this.processing = true;
    try {
      this.deliverInflated(opcode);
      if (!this.isPaused && this.inflatingOpcode === 0 && !this.inputDone && this.pending.length !== 0) this.drain();
    } catch (err) {
      this.processing = false;
      this.abandonInput();
      throw err;
    }
    this.processing = false;
  }

  /** The payload is not valid DEFLATE data: the message is invalid, like bad UTF-8 (1007). */
  inflateError(): void {
    if (this.inflatingOpcode === 0 || this.inputDone) return;
    this.inflatingOpcode = 0;
    this.inflatingInputBytes = 0;
    this.peerFault(CloseCode.InvalidPayload, 'invalid_compressed_data', 'compressed data is invalid');
  }

  private deliverInflated(opcode: number): void {
    const assembler = this.assembler;
    if (this.failCode !== 0) {
      // §7.1.7: nothing is delivered once we failed the connection.
      assembler.discard();
      this.streamingIn = false;
      return;
    }
    if (!this.streamingIn && assembler.length >= this.streamThreshold) {
      this.startStream(opcode);
      if (this.inputDone) return;
    }
    if (this.streamingIn) {
      this.endStream(opcode);
      return;
    }
    if (opcode === Opcode.Text) {
      if (!assembler.endText()) {
        this.invalidUtf8();
        return;
      }
      const text = this.codec.decode(assembler.peek());
      assembler.release();
      this.events.onText(text);
    } else {
      this.events.onBinary(assembler.take());
    }
  }

  private controlFrame(): number {
    const payload = this.controlPayload;
    this.controlPayload = EMPTY;
    const opcode = this.frameOpcode;
    if (opcode === Opcode.Ping) {
      // §5.5.2/§5.5.3: answer with a pong carrying the same payload. Not after our own close:
      // the connection is going away and the peer has been told.
      if (this.autoPong && !this.closeSent) this.writeControl(Opcode.Pong, payload);
      this.events.onPing(payload);
      return this.verdict();
    }
    if (opcode === Opcode.Pong) {
      this.events.onPong(payload);
      return this.verdict();
    }
    // Close (§5.5.1).
    const parsed = parseClosePayload(payload, this.codec);
    if (!parsed.ok) return this.peerFault(parsed.closeCode, parsed.errorCode, parsed.message);
    this.closeReceived = true;
    this.peerCode = parsed.code;
    this.peerReason = parsed.reason;
    // Nothing the peer sends after its close counts (§5.5.1: it "MUST NOT send any more data
    // frames"); a partial message is dropped.
    this.abandonInput();
    this.currentState = 'closing';
    // Messages still being compressed are dropped: the reply (or our queued close) goes now.
    this.releaseQueuedClose();
    if (!this.closeSent) {
      // §5.5.1: reply with a close frame, "typically echoing the status code it received".
      this.writeClose(parsed.code === CloseCode.NoStatus ? 0 : parsed.code, '', 0);
      this.armCloseTimer();
    }
    if (this.isClosed()) return STOP; // the write closed the transport: onClosed was final
    this.events.onCloseFrame(parsed.code, parsed.reason);
    // §7.1.1: the server closes TCP first once both closes are exchanged; the client waits for
    // it (under the close timer).
    if (this.isServer) this.adviseEndTransport();
    return STOP;
  }

  private invalidUtf8(): number {
    return this.peerFault(CloseCode.InvalidPayload, 'invalid_utf8', 'text is not valid utf-8');
  }

  private limitFault(closeCode: number): number {
    return closeCode === CloseCode.PolicyViolation
      ? this.peerFault(closeCode, 'too_many_fragments', 'message has too many fragments')
      : this.peerFault(closeCode, 'message_too_big', 'message exceeds the size limit');
  }

  /**
   * RFC 6455 §7.1.7 "Fail the WebSocket Connection": send a close frame with the code (unless
   * one was sent), report, and drop the TCP connection; ignore all further input. The reason is
   * our own short text, never the peer's bytes.
   */
  private peerFault(closeCode: number, errorCode: string, message: string): number {
    if (this.currentState === 'closed') return STOP;
    this.abandonInput();
    this.fragmented = false;
    this.assembling = false;
    // State first: `write` may close the transport re-entrantly, and onClosed must then
    // already report our code.
    if (this.failCode === 0) {
      this.failCode = closeCode;
      this.failReason = message;
    }
    this.currentState = 'closing';
    this.releaseQueuedClose();
    if (!this.closeSent) this.writeClose(closeCode, message, this.codec.byteLength(message));
    if (this.isClosed()) return closeCode; // onClosed was the final event
    this.events.onProtocolError(new ProtocolError(errorCode, message, closeCode));
    this.armCloseTimer();
    // §7.1.7 → §7.1.1: the server closes the TCP connection first; a client that failed the
    // connection still waits for the server's close, under the close timer.
    if (this.isServer) this.adviseEndTransport();
    return closeCode;
  }

  // ======================================================================================
  // Output
  // ======================================================================================

  /** Sends a whole text message (one frame). */
  sendText(text: string): void {
    this.checkCanSendMessage();
    if (typeof text !== 'string') throw new UsageError('invalid_payload', 'text must be a string');
    const compression = this.compression;
    if (compression !== undefined) {
      const len = this.codec.byteLength(text);
      if (compression.shouldCompress(len)) {
        const bytes = this.alloc(len);
        if (this.codec.encodeInto(text, bytes, 0) !== len) throw new Error('text codec byteLength and encodeInto disagree');
        return this.sendCompressed(Opcode.Text, bytes, 0);
      }
    }
    this.writeTextFrame(Opcode.Text, text, true);
  }

  /** Sends a whole binary message (one frame). */
  sendBinary(data: Uint8Array): void {
    this.checkCanSendMessage();
    checkBytes(data);
    if (this.compression !== undefined && this.compression.shouldCompress(data.length)) {
      return this.sendCompressed(Opcode.Binary, compressionInput(data), 0);
    }
    this.writeDataFrame(Opcode.Binary, data, true);
  }

  /**
   * Sends a whole message as frames of at most `fragmentBytes` payload bytes each (§5.4). With
   * permessage-deflate the message is compressed first and the compressed bytes are split (RFC
   * 7692 §6.1: RSV1 on the first frame only).
   */
  sendFragmented(opcode: number, data: Uint8Array, fragmentBytes: number): void {
    this.checkCanSendMessage();
    checkBytes(data);
    if (opcode !== Opcode.Text && opcode !== Opcode.Binary) {
      throw new UsageError('invalid_opcode', 'sendFragmented takes text or binary');
    }
    if (!Number.isSafeInteger(fragmentBytes) || fragmentBytes < 1) {
      throw new UsageError('bad_option', 'fragmentBytes must be a positive integer');
    }
    if (this.compression !== undefined && this.compression.shouldCompress(data.length)) {
      return this.sendCompressed(opcode, compressionInput(data), fragmentBytes);
    }
    this.writeFragments(opcode, data, fragmentBytes, false);
  }

  /**
   * Sends one frame of a possibly fragmented message (RFC 6455 §5.4): Text or Binary first,
   * then Continuation frames, `fin` on the last. Ping and Pong may be interleaved (fin = true).
   * Close goes through `close()`. A text payload must be valid UTF-8 once the message is whole.
   */
  sendFrame(opcode: number, payload: Uint8Array, fin: boolean): void {
    this.checkOpen();
    checkBytes(payload);
    if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      if (this.sendingFragments) {
        throw new UsageError('fragmented_send_in_progress', 'a fragmented message is still being sent');
      }
      this.sendingFragments = !fin;
    } else if (opcode === Opcode.Continuation) {
      if (!this.sendingFragments) {
        throw new UsageError('no_fragmented_send', 'continuation frame without a fragmented message');
      }
      if (fin) this.sendingFragments = false;
    } else if (opcode === Opcode.Ping || opcode === Opcode.Pong) {
      if (!fin) throw new UsageError('invalid_control_frame', 'control frames cannot be fragmented');
      checkControlPayload(payload);
      this.writeControl(opcode, payload);
      return;
    } else {
      throw new UsageError('invalid_opcode', 'sendFrame takes text, binary, continuation, ping or pong');
    }
    this.writeDataFrame(opcode, payload, fin);
  }

  /**
   * Writes a frame encoded once for many connections (a broadcast). Server side only: a client
   * frame needs its own mask key (§5.3). The bytes are written by reference.
   */
  sendPreEncoded(frame: Uint8Array, compressed = false): void {
    if (!this.isServer) {
      throw new UsageError('pre_encoded_on_client', 'pre-encoded frames are unmasked: server side only');
    }
    this.checkCanSendMessage();
    checkBytes(frame);
    // A shared compressed frame was compressed from an empty window (RFC 7692 §7.2.1); after it,
    // our own compressor must start afresh too (see freshDeflate).
    if (compressed) this.freshDeflate = true;
    this.writeOrdered(frame);
  }

  /**
   * Reserves this connection's place in the output order for a pre-encoded frame that is still
   * being produced (a broadcast being compressed once for many connections). Until it comes, the
   * place counts `estimateBytes` in `queuedOutputBytes`, so backpressure sees it; `source` is
   * told if the place is dropped first (the connection closed or failed). Call the returned
   * function once with the frame (null drops the place). Server side only.
   */
  reservePreEncoded(compressed: boolean, estimateBytes = 0, source?: PreEncodedSource): (frame: Uint8Array | null) => void {
    if (!this.isServer) {
      throw new UsageError('pre_encoded_on_client', 'pre-encoded frames are unmasked: server side only');
    }
    this.checkCanSendMessage();
    if (compressed) this.freshDeflate = true;
    const slot = this.reserveSlot(estimateBytes);
    slot.source = source;
    return (frame) => {
      if (slot.dropped || slot.ready) return;
      const size = frame === null ? 0 : frame.length;
      this.outQueuedBytes += size - slot.size;
      slot.size = size;
      if (frame !== null) slot.bytes = frame;
      slot.ready = true;
      this.pump();
    };
  }

  /** Sends a ping (§5.5.2); payload ≤ 125 bytes. */
  ping(payload: Uint8Array | string = EMPTY): void {
    this.checkOpen();
    const bytes = this.controlBytes(payload);
    this.writeControl(Opcode.Ping, bytes);
  }

  /** Sends an unsolicited pong (§5.5.3: a unidirectional heartbeat); payload ≤ 125 bytes. */
  pong(payload: Uint8Array | string = EMPTY): void {
    this.checkOpen();
    const bytes = this.controlBytes(payload);
    this.writeControl(Opcode.Pong, bytes);
  }

  /**
   * Starts the closing handshake (§7.1.2): writes a close frame and waits for the peer's. A
   * second call, or a call once closing, does nothing. Throws UsageError for a code that may not
   * be sent or a reason over 123 UTF-8 bytes, whatever the state.
   */
  close(code: number = CloseCode.Normal, reason = ''): void {
    const reasonBytes = checkCloseToSend(code, reason, this.codec);
    if (this.currentState !== 'open') return;
    this.currentState = 'closing';
    // After the messages sent before it, even those still being compressed.
    this.writeClose(code, reason, reasonBytes, true);
    this.armCloseTimer();
  }

  /**
   * Fails the connection locally (§7.1.7), e.g. 1011 when a user handler threw or 1008 for
   * backpressure: writes a close frame if none was sent, advises the close timer and the end of
   * the transport, and ignores further input. onClosed will report `code`.
   */
  fail(code: number, reason = ''): void {
    const reasonBytes = checkCloseToSend(code, reason, this.codec);
    if (this.currentState === 'closed') return;
    this.abandonInput();
    if (this.failCode === 0) {
      this.failCode = code;
      this.failReason = reason;
    }
    this.currentState = 'closing';
    this.releaseQueuedClose();
    if (!this.closeSent) this.writeClose(code, reason, reasonBytes);
    this.armCloseTimer();
    // §7.1.1: as in peerFault, only the server closes TCP first.
    if (this.isServer) this.adviseEndTransport();
  }

  private checkOpen(): void {
    if (this.currentState !== 'open') {
      throw new UsageError('send_after_close', `cannot send: the connection is ${this.currentState}`);
    }
  }

  private checkCanSendMessage(): void {
    this.checkOpen();
    if (this.sendingFragments) {
      throw new UsageError('fragmented_send_in_progress', 'a fragmented message is still being sent');
    }
  }

  private controlBytes(payload: Uint8Array | string): Uint8Array {
    let bytes: Uint8Array;
    if (typeof payload === 'string') {
      bytes = new Uint8Array(this.codec.byteLength(payload));
      this.codec.encodeInto(payload, bytes, 0);
    } else {
      checkBytes(payload);
      bytes = payload;
    }
    checkControlPayload(bytes);
    return bytes;
  }

  private writeTextFrame(opcode: number, text: string, fin: boolean): void {
    const codec = this.codec;
    const len = codec.byteLength(text);
    const masked = !this.isServer;
    // One buffer for header + payload; the text is encoded straight into it.
    const size = frameHeaderSize(len, masked) + len;
    const out = this.beginFrame(size, true);
    const at = frameAt;
    const p = masked
      ? writeMaskedFrameHeader(out, at, opcode, fin, false, len, this.maskSource)
      : writeFrameHeader(out, at, opcode, fin, false, len);
    // A codec whose byteLength and encodeInto disagree would leave uninitialised bytes of a
    // pooled buffer on the wire: an information leak to the peer.
    if (codec.encodeInto(text, out, p) !== len) throw new Error('text codec byteLength and encodeInto disagree');
    if (masked) applyMask(out, p, p + len, out, p - 4, 0);
    this.endFrame(out, size, true);
  }

  private writeDataFrame(opcode: number, data: Uint8Array, fin: boolean, rsv1 = false): void {
    const len = data.length;
    if (this.isServer) {
      if (len >= LARGE_PAYLOAD_BYTES) {
        // Large server payloads: header alone, then the caller's bytes by reference.
        const headerSize = frameHeaderSize(len, false);
        const header = this.beginFrame(headerSize, true);
        writeFrameHeader(header, frameAt, opcode, fin, rsv1, len);
        this.endFrame(header, headerSize, true);
        this.writeOrdered(data);
        return;
      }
      const size = frameHeaderSize(len, false) + len;
      const out = this.beginFrame(size, true);
      out.set(data, writeFrameHeader(out, frameAt, opcode, fin, rsv1, len));
      this.endFrame(out, size, true);
      return;
    }
    // Clients mask a copy, never the caller's buffer (§5.3).
    const size = frameHeaderSize(len, true) + len;
    const out = this.beginFrame(size, true);
    const p = writeMaskedFrameHeader(out, frameAt, opcode, fin, rsv1, len, this.maskSource);
    out.set(data, p);
    applyMask(out, p, p + len, out, p - 4, 0);
    this.endFrame(out, size, true);
  }

  /**
   * Starts an outgoing frame of `size` bytes: returns the buffer to write it into, at
   * `frameAt`. That is the arena when there is one, the frame is small, and (for data
   * frames, `ordered`) nothing waits in the ordered queue; otherwise a buffer of its own.
   * `endFrame` must follow, with no other frame in between.
   */
  private beginFrame(size: number, ordered: boolean): Uint8Array {
    const arena = this.arena;
    if (arena !== undefined && size <= arena.maxFrameBytes && (!ordered || this.outQueue.length === 0 || this.pumping)) {
      frameAt = arena.reserve(size);
      this.frameInArena = true;
      return arena.bytes;
    }
    frameAt = 0;
    this.frameInArena = false;
    return this.alloc(size);
  }

  /** Hands the frame begun by `beginFrame` to the transport (through the ordered queue if
   *  `ordered` and it is not in the arena). */
  private endFrame(out: Uint8Array, size: number, ordered: boolean): void {
    if (this.frameInArena) this.events.writeArena!(frameAt, size);
    else if (ordered) this.writeOrdered(out);
    else this.events.write(out);
  }

  /** One message as frames of at most `size` payload bytes; RSV1 only on the first (RFC 7692). */
  private writeFragments(opcode: number, data: Uint8Array, size: number, rsv1: boolean): void {
    const len = data.length;
    if (len <= size) return this.writeDataFrame(opcode, data, true, rsv1);
    for (let offset = 0; offset < len; offset += size) {
      const end = offset + size < len ? offset + size : len;
      this.writeDataFrame(offset === 0 ? opcode : Opcode.Continuation, data.subarray(offset, end), end === len, offset === 0 && rsv1);
    }
  }

  // ---- permessage-deflate, send side (RFC 7692 §7.2.1), and the ordered output ----

  private sendCompressed(opcode: number, data: Uint8Array, fragmentBytes: number): void {
    const slot = this.reserveSlot(data.length);
    const fresh = this.freshDeflate;
    this.freshDeflate = false;
    this.compression!.compress(data, fresh, (compressed) => {
      if (slot.dropped) return;
      if (compressed === null) {
        // Our own compressor failed: nothing the peer did (1011).
        if (this.currentState !== 'closed') this.fail(CloseCode.InternalError, 'internal error');
        return;
      }
      // Counted at its compressed size until it is written (it may wait behind another slot).
      this.outQueuedBytes += compressed.length - slot.size;
      slot.size = compressed.length;
      slot.run = () =>
        fragmentBytes === 0
          ? this.writeDataFrame(opcode, compressed, true, true)
          : this.writeFragments(opcode, compressed, fragmentBytes, true);
      slot.ready = true;
      this.pump();
    });
  }

  /** Writes data-frame bytes now, or behind the messages still being compressed. */
  private writeOrdered(bytes: Uint8Array): void {
    if (this.outQueue.length === 0 || this.pumping) {
      this.events.write(bytes);
      return;
    }
    const slot = this.reserveSlot(bytes.length);
    slot.bytes = bytes;
    slot.ready = true;
  }

  private reserveSlot(size: number): OutSlot {
    const slot: OutSlot = { ready: false, dropped: false, isClose: false, bytes: undefined, run: undefined, size, source: undefined };
    if (this.outQueue === NO_SLOTS) this.outQueue = [slot];
    else this.outQueue.push(slot);
    this.outQueuedBytes += size;
    return slot;
  }

  /** Writes the ready slots at the head of the queue, in order. */
  private pump(): void {
    const queue = this.outQueue;
    while (queue.length !== 0 && queue[0]!.ready) {
      const slot = queue.shift()!;
      this.outQueuedBytes -= slot.size;
      this.pumping = true;
      try {
        if (slot.bytes !== undefined) this.events.write(slot.bytes);
        else if (slot.run !== undefined) slot.run();
      } finally {
        this.pumping = false;
      }
      if (this.currentState === 'closed') {
        this.dropQueue();
        return;
      }
    }
  }

  /** Forgets everything queued (the transport is gone); returns our queued close frame, if any. */
  private dropQueue(): Uint8Array | undefined {
    let close: Uint8Array | undefined;
    for (const slot of this.outQueue) {
      slot.dropped = true;
      if (slot.isClose) close = slot.bytes;
      else if (slot.source !== undefined && !slot.ready) slot.source.placeDropped();
    }
    // Emptied in place (not replaced): a pump() running below holds this array.
    if (this.outQueue !== NO_SLOTS) this.outQueue.length = 0;
    this.outQueuedBytes = 0;
    return close;
  }

  /** The connection is ending now: drop the queued messages, but a close frame we queued still
   *  goes out, at once (RFC 6455 §5.5.1 lets the close wait for a message, not the reverse). */
  private releaseQueuedClose(): void {
    if (this.outQueue.length === 0) return;
    const close = this.dropQueue();
    if (close !== undefined) this.events.write(close);
  }

  private writeControl(opcode: number, payload: Uint8Array): void {
    const len = payload.length;
    const masked = !this.isServer;
    const size = frameHeaderSize(len, masked) + len;
    const out = this.beginFrame(size, false);
    const at = frameAt;
    if (masked) {
      const p = writeMaskedFrameHeader(out, at, opcode, true, false, len, this.maskSource);
      out.set(payload, p);
      applyMask(out, p, p + len, out, p - 4, 0);
    } else {
      out.set(payload, writeFrameHeader(out, at, opcode, true, false, len));
    }
    this.endFrame(out, size, false);
  }

  /** Writes a close frame; `code` 0 means an empty payload (§5.5.1: the body is optional).
   *  `ordered`: after any message still being compressed, else at once. */
  private writeClose(code: number, reason: string, reasonBytes: number, ordered = false): void {
    this.closeSent = true;
    const len = code === 0 ? 0 : 2 + reasonBytes;
    const masked = !this.isServer;
    const out = this.alloc(frameHeaderSize(len, masked) + len);
    const p = masked
      ? writeMaskedFrameHeader(out, 0, Opcode.Close, true, false, len, this.maskSource)
      : writeFrameHeader(out, 0, Opcode.Close, true, false, len);
    if (len !== 0) {
      writeClosePayload(out, p, code, reason, reasonBytes, this.codec);
      if (masked) applyMask(out, p, p + len, out, p - 4, 0);
    }
    if (ordered && this.outQueue.length !== 0) {
      const slot = this.reserveSlot(out.length);
      slot.bytes = out;
      slot.isClose = true;
      slot.ready = true;
      return;
    }
    this.events.write(out);
  }

  /** At most once per connection, and never once closed (a write may close re-entrantly). */
  private armCloseTimer(): void {
    if (this.closeTimerArmed || this.currentState === 'closed') return;
    this.closeTimerArmed = true;
    this.events.armCloseTimer();
  }

  /** At most once per connection, and never once closed. */
  private adviseEndTransport(): void {
    if (this.transportEndAdvised || this.currentState === 'closed') return;
    this.transportEndAdvised = true;
    this.events.endTransport();
  }
}

const FLAGS_END = packFlags(ProtocolConnection.prototype, {
  frameInArena: true,
  isPaused: true,
  inputDone: true,
  processing: true,
  frameFin: true,
  fragmented: true,
  assembling: true,
  messageCompressed: true,
  streamingIn: true,
  closeSent: true,
  closeReceived: true,
  closeTimerArmed: true,
  transportEndAdvised: true,
  sendingFragments: true,
  pumping: true,
  freshDeflate: true,
});
packBitFields(ProtocolConnection.prototype, { stateCode: 2 }, FLAGS_END);
packRare(ProtocolConnection.prototype, {
  compression: undefined,
  inflatingInputBytes: 0,
  peerCode: CloseCode.NoStatus,
  peerReason: '',
  failCode: 0,
  failReason: '',
  outQueuedBytes: 0,
});

/**
 * Options checked once and kept for many connections: a server makes one per route and its
 * connections refer to it, instead of each holding ten fields of the same values (an idle
 * connection's size is what limits how many a server holds). Everything but `compression`,
 * which belongs to one connection (`new ProtocolConnection(settings, events, compression)`).
 */
export class ProtocolSettings {
  readonly isServer: boolean;
  readonly alloc: (size: number) => Uint8Array;
  readonly allocMessage: (size: number, needed?: number) => Uint8Array;
  readonly arena: FrameArena | undefined;
  readonly codec: TextCodec;
  readonly maskSource: MaskSource;
  readonly autoPong: boolean;
  readonly maxMessageBytes: number;
  readonly maxFragments: number;
  readonly streamThreshold: number;

  /** Throws a UsageError for an unknown option or a bad value. */
  constructor(options: ProtocolOptions) {
    validateOptions(options);
    this.isServer = options.role === 'server';
    this.alloc = options.alloc ?? defaultAlloc;
    this.allocMessage = options.allocMessage ?? defaultAlloc;
    this.arena = options.arena;
    this.codec = options.textCodec ?? defaultTextCodec;
    this.autoPong = options.autoPong ?? true;
    this.maxMessageBytes = options.maxMessageBytes;
    // RFC 6455 §5.3: only clients mask, with a fresh strong-random key per frame.
    this.maskSource = this.isServer ? noMask : (options.maskSource ?? createMaskSource());
    this.maxFragments = options.maxFragments;
    this.streamThreshold = options.streamThresholdBytes ?? Infinity;
    Object.freeze(this);
  }
}

/** A place in the output order: frames ready to write, or a message still being compressed. */
interface OutSlot {
  ready: boolean;
  dropped: boolean;
  isClose: boolean;
  bytes: Uint8Array | undefined;
  run: (() => void) | undefined;
  /** Bytes it stands for, counted in queuedOutputBytes. */
  size: number;
  /** A shared frame still being made, told if this place is dropped before it is filled. */
  source: PreEncodedSource | undefined;
}

/** Compression reads its input later: small payloads are copied (a caller may reuse them at
 *  once), large ones are read in place, like large server payloads (see the class comment). */
function compressionInput(data: Uint8Array): Uint8Array {
  return data.length < LARGE_PAYLOAD_BYTES ? data.slice() : data;
}

function noMask(): void {
  throw new Error('a server does not mask');
}

function checkBytes(data: unknown): void {
  if (!(data instanceof Uint8Array)) throw new UsageError('invalid_payload', 'payload must be a Uint8Array');
}

function checkControlPayload(payload: Uint8Array): void {
  // RFC 6455 §5.5: all control frames have a payload length of 125 bytes or less.
  if (payload.length > 125) {
    throw new UsageError('control_payload_too_large', 'ping and pong payloads are at most 125 bytes');
  }
}

function checkCompression(compression: MessageCompression | undefined): void {
  if (
    compression !== undefined &&
    (compression === null ||
      typeof compression.shouldCompress !== 'function' ||
      typeof compression.compress !== 'function' ||
      typeof compression.decompress !== 'function')
  ) {
    throw new UsageError('invalid_option', 'compression must have shouldCompress, compress and decompress');
  }
}

function validateOptions(options: ProtocolOptions): void {
  if (options === null || typeof options !== 'object') throw new UsageError('invalid_option', 'options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new UsageError('invalid_option', `unknown option ${JSON.stringify(key)}`);
  }
  if (options.role !== 'server' && options.role !== 'client') {
    throw new UsageError('invalid_option', 'role must be "server" or "client"');
  }
  const { maxMessageBytes, maxFragments } = options;
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 0) {
    throw new UsageError('invalid_option', 'maxMessageBytes must be a non-negative safe integer');
  }
  if (!Number.isSafeInteger(maxFragments) || maxFragments < 1) {
    throw new UsageError('invalid_option', 'maxFragments must be a positive safe integer');
  }
  if (options.autoPong !== undefined && typeof options.autoPong !== 'boolean') {
    throw new UsageError('invalid_option', 'autoPong must be a boolean');
  }
  const arena = options.arena;
  if (arena !== undefined && (arena === null || typeof arena.reserve !== 'function' || !(arena.bytes instanceof Uint8Array) || !Number.isSafeInteger(arena.maxFrameBytes))) {
    throw new UsageError('invalid_option', 'arena must have reserve(), bytes and maxFrameBytes');
  }
  if (options.alloc !== undefined && typeof options.alloc !== 'function') {
    throw new UsageError('invalid_option', 'alloc must be a function');
  }
  if (options.allocMessage !== undefined && typeof options.allocMessage !== 'function') {
    throw new UsageError('invalid_option', 'allocMessage must be a function');
  }
  const threshold = options.streamThresholdBytes;
  if (threshold !== undefined && (!Number.isSafeInteger(threshold) || threshold < 0)) {
    throw new UsageError('invalid_option', 'streamThresholdBytes must be a non-negative safe integer');
  }
  if (options.maskSource !== undefined && typeof options.maskSource !== 'function') {
    throw new UsageError('invalid_option', 'maskSource must be a function');
  }
  checkCompression(options.compression);
  const codec = options.textCodec;
  if (
    codec !== undefined &&
    (codec === null ||
      typeof codec.byteLength !== 'function' ||
      typeof codec.encodeInto !== 'function' ||
      typeof codec.decode !== 'function')
  ) {
    throw new UsageError('invalid_option', 'textCodec must have byteLength, encodeInto and decode');
  }
}
