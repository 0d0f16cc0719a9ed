import { CloseCode } from './close-code';
import { applyMask } from './mask';

/**
 * What the parser calls, frame by frame. One object with methods (not per-frame closures) so
 * the receive loop allocates nothing but the payload views and stays monomorphic.
 *
 * Return values: 0 continues. A positive number (by convention the close code the handler failed
 * the connection with) stops the parser for good: it ignores all later input. From `onFrameEnd`
 * only, `FRAME_PAUSE` stops after this frame: `push` returns the offset of the next frame and the
 * owner feeds the rest later.
 */
export interface FrameHandler {
  /** The header is complete. `rsv` is the 3 RSV bits (RSV1 = 4, RSV2 = 2, RSV3 = 1).
   *  `payloadLength` is at most 2^53−1 (checked before this call). */
  onFrameStart(fin: boolean, rsv: number, opcode: number, masked: boolean, payloadLength: number): number;
  /** Payload bytes, already unmasked in place in the caller's chunk. Called once with the whole
   *  payload when it is in one chunk, otherwise once per chunk it spans; never with 0 bytes. */
  onFramePayload(payload: Uint8Array): number;
  onFrameEnd(): number;
  /** The header itself is invalid (RFC 6455 §5.2 length rules); the parser has stopped. */
  onFrameError(closeCode: number, errorCode: string, message: string): void;
}

export const FRAME_CONTINUE = 0;
export const FRAME_PAUSE = -1;

/** 2 bytes of base header + 8 of extended length + 4 of mask key (RFC 6455 §5.2). */
const MAX_HEADER_BYTES = 14;
/** Where the mask key sits in the scratch array, after the longest header. */
const KEY_OFFSET = MAX_HEADER_BYTES;
const SCRATCH_BYTES = MAX_HEADER_BYTES + 4;
const TWO_POW_32 = 4294967296;
/** Payloads shorter than this are unmasked inline in `push` (see there). */
const SHORT_MASK_BYTES = 64;

/**
 * Incremental RFC 6455 §5.2 frame parser. Sans-I/O: fed chunks of any size, it never buffers
 * payload (only up to 14 header bytes that straddle chunks) and unmasks payload in place.
 *
 * `push(chunk, start, end)` returns the offset where it stopped: `end` when the chunk was used
 * up, less when the handler paused (FRAME_PAUSE) or stopped it. The parser does NOT keep the
 * unconsumed bytes: the owner re-feeds `chunk[returned..end)` when it resumes.
 */
export class FrameParser {
  /**
   * Header bytes that straddle chunks (0-13) and the current mask key (14-17), in one array made
   * on first need: an idle connection holds no typed array at all, and a busy one holds one.
   */
  private scratch: Uint8Array | null = null;
  private headerBytes = 0;
  private inPayload = false;
  private masked = false;
  private remaining = 0;
  private phase = 0;
  private done = false;

  constructor(private readonly handler: FrameHandler) {}

  /** True once a handler verdict or a header error stopped the parser for good. */
  get stopped(): boolean {
    return this.done;
  }

  push(chunk: Uint8Array, start: number, end: number): number {
    let pos = start;
    const handler = this.handler;
    while (!this.done) {
      if (!this.inPayload) {
        if (pos >= end) return pos;
        let verdict: number;
        const avail = end - pos;
        if (this.headerBytes === 0 && avail >= 2 && avail >= headerSize(chunk[pos + 1]!)) {
          // Fast path: the whole header is in this chunk; read it where it lies.
          const size = headerSize(chunk[pos + 1]!);
          verdict = this.startFrame(chunk, pos);
          pos += size;
        } else {
          // Slow path: gather the header across chunks in the 14-byte scratch.
          const h = (this.scratch ??= new Uint8Array(SCRATCH_BYTES));
          while (this.headerBytes < 2 && pos < end) h[this.headerBytes++] = chunk[pos++]!;
          if (this.headerBytes < 2) return pos;
          const size = headerSize(h[1]!);
          while (this.headerBytes < size && pos < end) h[this.headerBytes++] = chunk[pos++]!;
          if (this.headerBytes < size) return pos;
          this.headerBytes = 0;
          verdict = this.startFrame(h, 0);
        }
        if (this.done) return pos; // header error
        if (verdict > 0) {
          this.done = true;
          return pos;
        }
        if (this.remaining === 0) {
          this.inPayload = false;
          verdict = handler.onFrameEnd();
          if (verdict !== 0) {
            if (verdict > 0) this.done = true;
            return pos;
          }
        }
        continue;
      }
      // Payload: hand over what this chunk holds of it, unmasked in place.
      const avail = end - pos;
      if (avail <= 0) return pos;
      const n = this.remaining < avail ? this.remaining : avail;
      if (this.masked) {
        if (n < SHORT_MASK_BYTES) {
          // Short payloads (most chat and echo frames) are unmasked right here rather than in a
          // call: whether V8 inlines applyMask into this loop varied from run to run with the
          // size of the handler chain inlined below it, and a 32-byte echo ran ~1.7x slower
          // when it did not. §5.3: payload byte i is XORed with key byte (i mod 4).
          const key = this.scratch!;
          let phase = this.phase;
          for (let i = pos, stop = pos + n; i < stop; i++) {
            chunk[i] ^= key[KEY_OFFSET + phase]!;
            phase = (phase + 1) & 3;
          }
          this.phase = phase;
        } else {
          applyMask(chunk, pos, pos + n, this.scratch!, KEY_OFFSET, this.phase);
          this.phase = (this.phase + n) & 3;
        }
      }
      this.remaining -= n;
      let verdict = handler.onFramePayload(chunk.subarray(pos, pos + n));
      pos += n;
      if (verdict > 0) {
        this.done = true;
        return pos;
      }
      if (this.remaining === 0) {
        this.inPayload = false;
        verdict = handler.onFrameEnd();
        if (verdict !== 0) {
          if (verdict > 0) this.done = true;
          return pos;
        }
      }
    }
    return pos;
  }

  /** Forget any partial frame (not needed by ProtocolConnection; useful to reuse a parser). */
  reset(): void {
    this.headerBytes = 0;
    this.inPayload = false;
    this.remaining = 0;
    this.phase = 0;
    this.done = false;
  }

  /** Decodes a complete header at `buf[off..]` and tells the handler. */
  private startFrame(buf: Uint8Array, off: number): number {
    const b0 = buf[off]!;
    const b1 = buf[off + 1]!;
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let p = off + 2;
    if (len === 126) {
      // §5.2: 16-bit length. A value < 126 here is a non-minimal encoding; the RFC's "minimal
      // number of bytes MUST be used" binds the sender, and we accept it (as Autobahn expects).
      len = (buf[p]! << 8) | buf[p + 1]!;
      p += 2;
    } else if (len === 127) {
      const hi = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      const lo = ((buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!) >>> 0;
      p += 8;
      if (hi >= 0x80000000) {
        // §5.2: "the most significant bit MUST be 0".
        this.fail(CloseCode.ProtocolError, 'frame_length_msb', 'frame length has the most significant bit set');
        return 0;
      }
      if (hi > 0x1fffff) {
        // Beyond 2^53−1 a JavaScript number cannot count the bytes; no message can be that big.
        this.fail(CloseCode.MessageTooBig, 'frame_too_big', 'frame length exceeds 2^53-1');
        return 0;
      }
      len = hi * TWO_POW_32 + lo;
    }
    if (masked) {
      const k = (this.scratch ??= new Uint8Array(SCRATCH_BYTES));
      k[KEY_OFFSET] = buf[p]!;
      k[KEY_OFFSET + 1] = buf[p + 1]!;
      k[KEY_OFFSET + 2] = buf[p + 2]!;
      k[KEY_OFFSET + 3] = buf[p + 3]!;
    }
    // State first, so that the handler may stop us and a later push resumes in the payload.
    this.masked = masked;
    this.remaining = len;
    this.phase = 0;
    this.inPayload = len > 0;
    return this.handler.onFrameStart((b0 & 0x80) !== 0, (b0 >> 4) & 7, b0 & 0x0f, masked, len);
  }

  private fail(closeCode: number, errorCode: string, message: string): void {
    this.done = true;
    this.inPayload = false;
    this.handler.onFrameError(closeCode, errorCode, message);
  }
}

/** Header size implied by the second header byte (§5.2). */
function headerSize(b1: number): number {
  const len7 = b1 & 0x7f;
  return (len7 < 126 ? 2 : len7 === 126 ? 4 : 10) + ((b1 & 0x80) !== 0 ? 4 : 0);
}
