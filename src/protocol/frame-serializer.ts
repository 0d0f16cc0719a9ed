import { UsageError } from '../errors';
import { applyMask } from './mask';
import { isControlOpcode } from './opcode';
import type { MaskSource } from './protocol-types';

const TWO_POW_32 = 4294967296;
/** 2^53−1: the largest length a JavaScript number counts exactly (§5.2 allows 2^63−1). */
const MAX_FRAME_LENGTH = Number.MAX_SAFE_INTEGER;

/** RFC 6455 §5.2: bytes of header for a payload of `len` bytes (minimal length encoding). */
export function frameHeaderSize(len: number, masked: boolean): number {
  return (len < 126 ? 2 : len < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes a frame header at `target[offset..]` and returns the offset just after it.
 * With `maskKey` (4 bytes at index 0) the MASK bit is set and the key written (§5.3); masking
 * the payload is the caller's job. `rsvBits` (3 bits: RSV1 = 4, RSV2 = 2, RSV3 = 1) is ORed with
 * `rsv1`; it exists for tests and future extensions.
 */
export function writeFrameHeader(
  target: Uint8Array,
  offset: number,
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  len: number,
  maskKey?: Uint8Array,
  rsvBits = 0,
): number {
  let p = writeBase(target, offset, opcode, fin, rsv1, len, maskKey !== undefined, rsvBits);
  if (maskKey !== undefined) {
    target[p] = maskKey[0]!;
    target[p + 1] = maskKey[1]!;
    target[p + 2] = maskKey[2]!;
    target[p + 3] = maskKey[3]!;
    p += 4;
  }
  return p;
}

/** Like writeFrameHeader, with a fresh key drawn from `mask` straight into the header. Returns the
 *  offset after the header; the key is at `returned - 4`. */
export function writeMaskedFrameHeader(
  target: Uint8Array,
  offset: number,
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  len: number,
  mask: MaskSource,
): number {
  const p = writeBase(target, offset, opcode, fin, rsv1, len, true, 0);
  mask(target, p);
  return p + 4;
}

function writeBase(
  target: Uint8Array,
  offset: number,
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  len: number,
  masked: boolean,
  rsvBits: number,
): number {
  target[offset] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | ((rsvBits & 7) << 4) | (opcode & 0x0f);
  const m = masked ? 0x80 : 0;
  if (len < 126) {
    target[offset + 1] = m | len;
    return offset + 2;
  }
  if (len < 65536) {
    target[offset + 1] = m | 126;
    target[offset + 2] = len >>> 8;
    target[offset + 3] = len & 0xff;
    return offset + 4;
  }
  target[offset + 1] = m | 127;
  const hi = Math.floor(len / TWO_POW_32);
  const lo = len >>> 0;
  target[offset + 2] = hi >>> 24;
  target[offset + 3] = (hi >>> 16) & 0xff;
  target[offset + 4] = (hi >>> 8) & 0xff;
  target[offset + 5] = hi & 0xff;
  target[offset + 6] = lo >>> 24;
  target[offset + 7] = (lo >>> 16) & 0xff;
  target[offset + 8] = (lo >>> 8) & 0xff;
  target[offset + 9] = lo & 0xff;
  return offset + 10;
}

export interface EncodeFrameOptions {
  /** Default true. */
  fin?: boolean;
  /** Default false (set by permessage-deflate on the first frame of a compressed message). */
  rsv1?: boolean;
  /** Raw RSV bits ORed in (tests only; RFC 6455 §5.2 forbids them without an extension). */
  rsvBits?: number;
  /** Client frames: masks a copy of the payload with a key from this source (§5.3). */
  mask?: MaskSource;
  alloc?: (size: number) => Uint8Array;
}

const defaultAlloc = (size: number): Uint8Array => new Uint8Array(size);

/**
 * Encodes one whole frame (header + payload) into a fresh buffer. The caller's payload is copied,
 * never masked in place. Control frames must be final and at most 125 bytes (§5.5).
 */
export function encodeFrame(opcode: number, payload: Uint8Array, options: EncodeFrameOptions = {}): Uint8Array {
  const fin = options.fin ?? true;
  const len = payload.length;
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) {
    throw new UsageError('invalid_opcode', 'opcode must be an integer from 0 to 15');
  }
  if (isControlOpcode(opcode) && (len > 125 || !fin)) {
    throw new UsageError('invalid_control_frame', 'control frames must be final and at most 125 bytes');
  }
  if (len > MAX_FRAME_LENGTH) throw new UsageError('frame_too_big', 'payload too large');
  const mask = options.mask;
  const size = frameHeaderSize(len, mask !== undefined) + len;
  const out = (options.alloc ?? defaultAlloc)(size);
  let p: number;
  if (mask !== undefined) {
    p = writeBase(out, 0, opcode, fin, options.rsv1 ?? false, len, true, options.rsvBits ?? 0);
    mask(out, p);
    p += 4;
    out.set(payload, p);
    applyMask(out, p, p + len, out, p - 4, 0);
  } else {
    p = writeBase(out, 0, opcode, fin, options.rsv1 ?? false, len, false, options.rsvBits ?? 0);
    out.set(payload, p);
  }
  return out;
}
