import type { MaskSource } from './protocol-types';
import { simdMask } from './simd-mask';
import { wordsOf } from './word-view';

/**
 * RFC 6455 §5.3: masking is an XOR of payload byte i with mask-key byte (i mod 4). It is the
 * hottest loop of the library (every byte a server receives goes through it), so the aligned
 * middle of the range is processed one 32-bit word at a time.
 */

/** True on little-endian hosts (every platform Node ships on today, but we do not assume it). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * From this many bytes on, the aligned middle is XORed a 32-bit word at a time. Below it, an
 * unrolled loop over the rotated key is as fast and small enough for V8 to inline into the
 * parser (in a CPU profile of 32-byte frames, masking fell from ~40% of the parse time with a
 * per-call Int32Array view to being folded into the parser loop). Re-measure with
 * bench/parser-throughput.ts before changing it.
 */
const WORD_THRESHOLD = 64;

/**
 * From this many bytes on, WebAssembly SIMD masks the range (simd-mask.ts), where available: below
 * it the copies in and out of its scratch area and the call cost more than the word loop saves.
 * Re-measure with bench/parser-throughput.ts before changing it.
 */
const SIMD_THRESHOLD = 1024;

/**
 * XORs `data[start..end)` in place with the 4-byte key at `key[keyOffset..keyOffset+4)`.
 * `keyPhase` (0-3) is the position in the key of the byte at `start`: a frame payload split
 * across chunks continues masking where the previous chunk stopped (§5.3: the index is the
 * offset within the payload, not within the chunk).
 */
export function applyMask(
  data: Uint8Array,
  start: number,
  end: number,
  key: Uint8Array,
  keyOffset: number,
  keyPhase: number,
): void {
  if (end - start >= WORD_THRESHOLD) {
    if (end - start < SIMD_THRESHOLD || !simdMask(data, start, end, keyWord(key, keyOffset, keyPhase))) {
      maskWords(data, start, end, key, keyOffset, keyPhase);
    }
    return;
  }
  // Short ranges (most frames of a chat or an echo): kept small so V8 inlines it into the
  // parser. The key is rotated so that r0 applies at `start` (§5.3: octet i uses key i MOD 4).
  const phase = keyPhase & 3;
  const r0 = key[keyOffset + phase]!;
  const r1 = key[keyOffset + ((phase + 1) & 3)]!;
  const r2 = key[keyOffset + ((phase + 2) & 3)]!;
  const r3 = key[keyOffset + ((phase + 3) & 3)]!;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    data[i] ^= r0;
    data[i + 1] ^= r1;
    data[i + 2] ^= r2;
    data[i + 3] ^= r3;
  }
  if (i < end) data[i++] ^= r0;
  if (i < end) data[i++] ^= r1;
  if (i < end) data[i] ^= r2;
}

/** The key as one little-endian 32-bit word, rotated so that its low byte applies first. */
function keyWord(key: Uint8Array, keyOffset: number, keyPhase: number): number {
  const phase = keyPhase & 3;
  return (
    key[keyOffset + phase]! |
    (key[keyOffset + ((phase + 1) & 3)]! << 8) |
    (key[keyOffset + ((phase + 2) & 3)]! << 16) |
    (key[keyOffset + ((phase + 3) & 3)]! << 24)
  );
}

/** applyMask for long ranges: the aligned middle one 32-bit word at a time. */
function maskWords(
  data: Uint8Array,
  start: number,
  end: number,
  key: Uint8Array,
  keyOffset: number,
  keyPhase: number,
): void {
  const phase = keyPhase & 3;
  let r0 = key[keyOffset + phase]!;
  let r1 = key[keyOffset + ((phase + 1) & 3)]!;
  let r2 = key[keyOffset + ((phase + 2) & 3)]!;
  let r3 = key[keyOffset + ((phase + 3) & 3)]!;
  let i = start;
  // Head: single bytes until the absolute address is 4-aligned (typed-array views must be),
  // rotating the key by one byte each time.
  while (((data.byteOffset + i) & 3) !== 0) {
    data[i++] ^= r0;
    const t = r0;
    r0 = r1;
    r1 = r2;
    r2 = r3;
    r3 = t;
  }
  // The byte at the lowest address must meet r0: on a little-endian host it is the low byte of
  // the word, on a big-endian host the high byte.
  const word = LITTLE_ENDIAN ? r0 | (r1 << 8) | (r2 << 16) | (r3 << 24) : (r0 << 24) | (r1 << 16) | (r2 << 8) | r3;
  const words = wordsOf(data);
  let w = (data.byteOffset + i) >>> 2;
  const count = (end - i) >>> 2;
  const wEnd = w + count;
  // Eight words per iteration: with the view arriving as a variable (a new one per chunk), V8
  // keeps a bounds check and a loop test per step; unrolled, the simple loop ran at ~3 GB/s and
  // this one at ~5-7 GB/s (1 KiB to 64 KiB ranges, Node 20).
  for (; w + 8 <= wEnd; w += 8) {
    words[w] ^= word;
    words[w + 1] ^= word;
    words[w + 2] ^= word;
    words[w + 3] ^= word;
    words[w + 4] ^= word;
    words[w + 5] ^= word;
    words[w + 6] ^= word;
    words[w + 7] ^= word;
  }
  for (; w < wEnd; w++) words[w] ^= word;
  // Whole words leave the key rotation unchanged; then the tail.
  i += count << 2;
  if (i < end) data[i++] ^= r0;
  if (i < end) data[i++] ^= r1;
  if (i < end) data[i] ^= r2;
}

/** Size of the pooled random buffer: one getRandomValues call serves 1024 frames. */
const POOL_BYTES = 4096;

/**
 * RFC 6455 §5.3: a client must pick a fresh, unpredictable key for every frame, from a strong
 * source. `crypto.getRandomValues` is a CSPRNG; pooling 4 KiB of it avoids a call per frame.
 */
export function createMaskSource(): MaskSource {
  const pool = new Uint8Array(POOL_BYTES);
  let used = POOL_BYTES;
  return (target: Uint8Array, offset: number): void => {
    if (used === POOL_BYTES) {
      crypto.getRandomValues(pool);
      used = 0;
    }
    target[offset] = pool[used]!;
    target[offset + 1] = pool[used + 1]!;
    target[offset + 2] = pool[used + 2]!;
    target[offset + 3] = pool[used + 3]!;
    used += 4;
  };
}

/** A deterministic mask source (tests and fixtures only: a fixed key defeats §10.3). */
export function fixedMaskSource(key: Uint8Array | readonly number[]): MaskSource {
  if (key.length !== 4) throw new RangeError('a mask key is 4 bytes');
  const k0 = key[0]!;
  const k1 = key[1]!;
  const k2 = key[2]!;
  const k3 = key[3]!;
  return (target: Uint8Array, offset: number): void => {
    target[offset] = k0;
    target[offset + 1] = k1;
    target[offset + 2] = k2;
    target[offset + 3] = k3;
  };
}
