/**
 * An Int32Array over the whole ArrayBuffer behind `data`, cached for the last buffer seen.
 *
 * Why: word-at-a-time loops (masking, the UTF-8 ASCII scan) need a 32-bit view, and creating a
 * typed-array view costs about as much as processing ~50 bytes. All the frames of one chunk
 * share the chunk's buffer, so one view serves them all. The cache keeps that one buffer
 * reachable until another is used. Indexes are `(data.byteOffset + i) >>> 2` for 4-aligned
 * absolute offsets only.
 */
let cachedBuffer: ArrayBufferLike | null = null;
let cachedWords: Int32Array<ArrayBufferLike> = new Int32Array(0);

export function wordsOf(data: Uint8Array): Int32Array<ArrayBufferLike> {
  const buffer = data.buffer;
  // The length check also covers a resizable ArrayBuffer that grew since the view was made.
  if (buffer !== cachedBuffer || cachedWords.length < (data.byteOffset + data.length) >>> 2) {
    cachedBuffer = buffer;
    cachedWords = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  return cachedWords;
}
