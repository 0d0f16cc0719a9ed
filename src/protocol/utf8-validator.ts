import { wordsOf } from './word-view';

/**
 * A streaming, fail-fast UTF-8 validator (RFC 3629 §4, Unicode 15 table 3-7).
 *
 * RFC 6455 §8.1: a text message must be valid UTF-8 and an endpoint that receives invalid data
 * must fail the connection (1007) — and Autobahn 6.x checks that it happens *as soon as* the
 * offending byte arrives, even in the middle of a fragmented message. So the state (how many
 * continuation bytes are still due and the legal range of the next one) survives across `push`
 * calls: a code point split across fragments or TCP chunks is accepted.
 *
 * Table 3-7 restricts the *second* byte of some sequences; that single rule rejects overlongs
 * (E0 80..9F, F0 80..8F), UTF-16 surrogates (ED A0..BF = U+D800..DFFF) and code points above
 * U+10FFFF (F4 90..BF). C0, C1 and F5..FF never start a sequence. Noncharacters such as U+FFFE
 * and U+FFFF are valid UTF-8 and are accepted.
 */
export class Utf8Validator {
  /** Continuation bytes still expected for the current code point; -1 once invalid. */
  private need = 0;
  /** Inclusive range of the next continuation byte (narrowed only right after a lead byte). */
  private lower = 0x80;
  private upper = 0xbf;

  /** Validates `bytes[start..end)`. Returns false as soon as the stream is invalid (and stays so
   *  until `reset()`). */
  push(bytes: Uint8Array, start: number, end: number): boolean {
    let need = this.need;
    if (need < 0) return false;
    let lower = this.lower;
    let upper = this.upper;
    let i = start;
    while (i < end) {
      if (need === 0) {
        // ASCII fast path. Long runs: 8 aligned bytes per branch through a 32-bit view.
        if (end - i >= WORD_SCAN_MIN) i = skipAsciiWords(bytes, i, end);
        // Then four bytes per branch while no high bit is set.
        while (i + 4 <= end && ((bytes[i]! | bytes[i + 1]! | bytes[i + 2]! | bytes[i + 3]!) & 0x80) === 0) {
          i += 4;
        }
        if (i >= end) break;
        const c = bytes[i]!;
        i++;
        if (c < 0x80) continue;
        if (c < 0xc2) {
          // 80..BF: a continuation byte with no lead; C0, C1: always overlong.
          this.need = -1;
          return false;
        }
        if (c < 0xe0) {
          need = 1;
          lower = 0x80;
          upper = 0xbf;
        } else if (c < 0xf0) {
          need = 2;
          lower = c === 0xe0 ? 0xa0 : 0x80; // E0 80..9F would be overlong
          upper = c === 0xed ? 0x9f : 0xbf; // ED A0..BF would be a surrogate
        } else if (c < 0xf5) {
          need = 3;
          lower = c === 0xf0 ? 0x90 : 0x80; // F0 80..8F would be overlong
          upper = c === 0xf4 ? 0x8f : 0xbf; // F4 90.. would exceed U+10FFFF
        } else {
          this.need = -1;
          return false;
        }
      } else {
        const c = bytes[i]!;
        if (c < lower || c > upper) {
          this.need = -1;
          return false;
        }
        i++;
        need--;
        lower = 0x80;
        upper = 0xbf;
      }
    }
    this.need = need;
    this.lower = lower;
    this.upper = upper;
    return true;
  }

  /** At the end of a message (FIN): false if the stream is invalid or stops inside a code point. */
  end(): boolean {
    return this.need === 0;
  }

  /** True while no invalid byte has been seen (a truncated code point is not yet invalid). */
  get valid(): boolean {
    return this.need >= 0;
  }

  reset(): void {
    this.need = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }
}

/** Below this many bytes the 4-byte loop alone is as fast as setting up the word scan. */
const WORD_SCAN_MIN = 64;

/** Returns the first index in [i, end) not covered by whole ASCII word pairs (high bits clear). */
function skipAsciiWords(bytes: Uint8Array, i: number, end: number): number {
  // Align to 4 with single bytes; stop early at a non-ASCII byte.
  while (((bytes.byteOffset + i) & 3) !== 0) {
    if (bytes[i]! >= 0x80) return i;
    i++;
  }
  const words = wordsOf(bytes);
  let w = (bytes.byteOffset + i) >>> 2;
  const wEnd = w + ((end - i) >>> 3) * 2;
  const w0 = w;
  // Eight words a step while they last (as in mask.ts, fewer bounds checks and loop tests per
  // word), then pairs.
  while (w + 8 <= wEnd && ((words[w]! | words[w + 1]! | words[w + 2]! | words[w + 3]! | words[w + 4]! | words[w + 5]! | words[w + 6]! | words[w + 7]!) & 0x80808080) === 0) w += 8;
  while (w < wEnd && ((words[w]! | words[w + 1]!) & 0x80808080) === 0) w += 2;
  return i + ((w - w0) << 2);
}

/** One-shot check of a whole buffer (close reasons, single-frame text messages). */
export function isValidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  const v = scratch;
  v.reset();
  const ok = v.push(bytes, start, end) && v.end();
  v.reset();
  return ok;
}

const scratch = new Utf8Validator();
