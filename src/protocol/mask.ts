import type { MaskSource } from './protocol-types';

/**
 * RFC 6455 §5.3: masking is an XOR of payload byte i with mask-key byte (i mod 4). It is the
 * hottest loop of the library (every byte a server receives goes through it), so the aligned
 * middle of the range is processed one 32-bit word at a time.
 */

/** True on little-endian hosts (every platform Node ships on today, but we do not assume it). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Below this many bytes the byte loop beats creating an Int32Array view (measured with
 * bench/mask-threshold in development: the view costs about as much as ~24 byte XORs).
 */
const WORD_THRESHOLD = 32;

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
  const k0 = key[keyOffset]!;
  const k1 = key[keyOffset + 1]!;
  const k2 = key[keyOffset + 2]!;
  const k3 = key[keyOffset + 3]!;
  let i = start;
  let phase = keyPhase & 3;
  if (end - start >= WORD_THRESHOLD) {
    // Head: bytes until the absolute address is 4-aligned, so an Int32Array view is legal.
    while (((data.byteOffset + i) & 3) !== 0) {
      data[i] ^= phase === 0 ? k0 : phase === 1 ? k1 : phase === 2 ? k2 : k3;
      phase = (phase + 1) & 3;
      i++;
    }
    const words = (end - i) >>> 2;
    // The key rotated so that its first byte is the one that applies at `i`.
    const r0 = phase === 0 ? k0 : phase === 1 ? k1 : phase === 2 ? k2 : k3;
    const r1 = phase === 0 ? k1 : phase === 1 ? k2 : phase === 2 ? k3 : k0;
    const r2 = phase === 0 ? k2 : phase === 1 ? k3 : phase === 2 ? k0 : k1;
    const r3 = phase === 0 ? k3 : phase === 1 ? k0 : phase === 2 ? k1 : k2;
    // The byte at the lowest address must meet r0: on a little-endian host it is the low byte
    // of the word, on a big-endian host the high byte.
    const word = LITTLE_ENDIAN
      ? r0 | (r1 << 8) | (r2 << 16) | (r3 << 24)
      : (r0 << 24) | (r1 << 16) | (r2 << 8) | r3;
    const view = new Int32Array(data.buffer, data.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] ^= word;
    // Whole words leave the phase unchanged.
    i += words << 2;
  }
  // Tail (or the whole of a short range).
  for (; i < end; i++) {
    data[i] ^= phase === 0 ? k0 : phase === 1 ? k1 : phase === 2 ? k2 : k3;
    phase = (phase + 1) & 3;
  }
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
