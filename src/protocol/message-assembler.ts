import { CloseCode } from './close-code';
import { Utf8Validator } from './utf8-validator';

/** Text buffers up to this size are kept for the next message instead of reallocated. */
const KEEP_BUFFER_BYTES = 64 * 1024;
const MIN_CAPACITY = 256;
/**
 * Once the exact size is known, a buffer may run this far ahead of the bytes that arrived (besides
 * 4× them): a 1 MiB message read in 64 KiB pieces then gets its one buffer at its first read,
 * instead of three (64 KiB, 256 KiB, 1 MiB) and 320 KiB of copying between them. Fresh large
 * buffers are what a large-message echo spends its time on (allocation, page faults, the copy).
 */
const AHEAD_BYTES = 1024 * 1024;

/**
 * Reassembles a message that spans frames or chunks (RFC 6455 §5.4) into ONE growing buffer.
 *
 * Why not a list of views: a peer sending a million 1-byte fragments would cost a million
 * objects. Capacity doubles (4× once the exact size is known; amortised O(n)
 * copying), never beyond what the peer declared for a final frame nor beyond `maxMessageBytes`,
 * and grows only as bytes actually arrive: a known size is taken whole once it is within 4× of
 * what arrived or at most 1 MiB ahead of it, so a declared-but-unsent length costs at most that.
 *
 * Limits are checked from frame headers, before any payload arrives: the cumulative declared
 * length against `maxMessageBytes` (1009) and the frame count against `maxFragments` (1008).
 * Text is validated as each fragment arrives, so invalid UTF-8 fails at the offending fragment.
 */
export class MessageAssembler {
  private buffer: Uint8Array | null = null;
  /** Bytes received so far. */
  private received = 0;
  /** Sum of the lengths declared by the frame headers so far. */
  private declared = 0;
  private fragments = 0;
  /** True once the final frame's header arrived: `declared` is then the exact message size. */
  private sizeKnown = false;
  private text = false;
  /** Made by the first text message that needs it: most connections never assemble one. */
  private validator: Utf8Validator | null = null;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly maxFragments: number,
    /** Makes the message buffer. Only bytes written by `append` are ever exposed (through a view
     *  of the received length), so it need not be zero-filled; the transport passes
     *  `Buffer.allocUnsafe`, which also makes assembled messages Buffers like the others. It may
     *  return less than `size`, down to `needed`: the capacity is the buffer's length. */
    private readonly alloc: (size: number, needed: number) => Uint8Array = zeroed,
  ) {}

  /** Bytes received so far for the current message. */
  get length(): number {
    return this.received;
  }

  /** Bytes of the buffer it holds (the current message's, or one kept for the next). */
  get capacity(): number {
    return this.buffer === null ? 0 : this.buffer.length;
  }

  /** The sum of the lengths the current message's frame headers have declared so far. */
  get declaredLength(): number {
    return this.declared;
  }

  /** Starts a message with its first frame's header. Returns 0 or the close code to fail with. */
  begin(text: boolean, frameLength: number, fin: boolean): number {
    this.text = text;
    this.received = 0;
    this.declared = 0;
    this.fragments = 0;
    if (text) (this.validator ??= new Utf8Validator()).reset();
    return this.addFrame(frameLength, fin);
  }

  /** A further frame (continuation) header. Returns 0 or the close code to fail with. */
  addFrame(frameLength: number, fin: boolean): number {
    // RFC 6455 §10.4: an implementation must protect itself against excessive message sizes
    // and fragment counts; checked here, at header time, so nothing is allocated for them.
    if (++this.fragments > this.maxFragments) return CloseCode.PolicyViolation;
    if (frameLength > this.maxMessageBytes - this.declared) return CloseCode.MessageTooBig;
    this.declared += frameLength;
    this.sizeKnown = fin;
    return 0;
  }

  /** Appends payload bytes. Returns false when they make the text invalid UTF-8 (§8.1: 1007). */
  append(bytes: Uint8Array): boolean {
    const n = bytes.length;
    const at = this.received;
    const need = at + n;
    let buf = this.buffer;
    if (buf === null || need > buf.length) buf = this.grow(need);
    buf.set(bytes, at);
    this.received = need;
    return !this.text || this.validator!.push(buf, at, need);
  }

  /**
   * Counts payload bytes that are handed on rather than kept (a message received as a stream):
   * text is still checked, from where the bytes before left off. Returns false when they make
   * the text invalid UTF-8 (§8.1: 1007), before anyone has seen them.
   */
  pass(bytes: Uint8Array): boolean {
    this.received += bytes.length;
    return !this.text || this.validator!.push(bytes, 0, bytes.length);
  }

  /**
   * The bytes assembled so far, handed over (the assembler lets go of its buffer), while the
   * message goes on: its limits and its UTF-8 state carry over to `pass`.
   */
  handOver(): Uint8Array {
    const buf = this.buffer;
    const out = buf === null ? new Uint8Array(0) : buf.subarray(0, this.received);
    this.buffer = null;
    return out;
  }

  /** At FIN: false if the text stops inside a code point (§8.1: 1007). */
  endText(): boolean {
    return this.validator === null || this.validator.end();
  }

  /**
   * The assembled bytes, handed over: the assembler lets go of the buffer so the receiver may
   * keep the view. Use `peek()` + `release()` instead when the bytes are consumed at once.
   */
  take(): Uint8Array {
    const buf = this.buffer;
    const out = buf === null ? new Uint8Array(0) : buf.subarray(0, this.received);
    this.buffer = null;
    this.clear();
    return out;
  }

  /** A view of the assembled bytes that is valid only until `release()`. */
  peek(): Uint8Array {
    const buf = this.buffer;
    return buf === null ? new Uint8Array(0) : buf.subarray(0, this.received);
  }

  /** Ends the message; keeps a modest buffer for the next one (text is decoded, not kept). */
  release(): void {
    if (this.buffer !== null && this.buffer.length > KEEP_BUFFER_BYTES) this.buffer = null;
    this.clear();
  }

  /** Drops a partial message (transport closed, or the connection failed). */
  discard(): void {
    this.buffer = null;
    this.clear();
  }

  private clear(): void {
    this.received = 0;
    this.declared = 0;
    this.fragments = 0;
    this.sizeKnown = false;
    this.validator?.reset();
  }

  private grow(need: number): Uint8Array {
    const old = this.buffer;
    // Once the final frame's header told the exact size, grow 4× at a time: a 1 MiB message read
    // in 64 KiB pieces then takes 3 buffers instead of 5, and fresh large buffers are costly
    // (page faults, the copy). Either way capacity stays within 4× the bytes that arrived.
    let cap = old === null ? MIN_CAPACITY : old.length * (this.sizeKnown ? 4 : 2);
    if (cap < need) cap = need;
    // A known size within 4× of what arrived, or at most AHEAD_BYTES past it, is taken whole: a
    // 64 KiB message split across two reads, or a 1 MiB one across sixteen, needs one buffer.
    if (this.sizeKnown && cap < this.declared && (this.declared <= need * 4 || this.declared - need <= AHEAD_BYTES)) cap = this.declared;
    // Never past the message's exact size once known, nor past the limit (declared ≤ limit).
    const ceiling = this.sizeKnown ? this.declared : this.maxMessageBytes;
    if (cap > ceiling) cap = ceiling > need ? ceiling : need;
    const buf = this.alloc(cap, need);
    if (old !== null && this.received > 0) buf.set(old.subarray(0, this.received));
    this.buffer = buf;
    return buf;
  }
}

function zeroed(size: number): Uint8Array {
  return new Uint8Array(size);
}
