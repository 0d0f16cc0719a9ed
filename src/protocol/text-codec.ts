import type { TextCodec } from './protocol-types';

const encoder = /* @__PURE__ */ new TextEncoder();
// ignoreBOM: a leading U+FEFF is message content in WebSocket, not a byte-order mark to strip.
// Not fatal: the core decodes only bytes its own validator already accepted.
const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * UTF-8 byte length of a JavaScript string as TextEncoder would encode it: a lone surrogate
 * becomes U+FFFD (3 bytes), a surrogate pair one 4-byte sequence.
 */
export function utf8ByteLength(text: string): number {
  const n = text.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // 4 bytes for 2 UTF-16 units
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** TextEncoder/TextDecoder codec; the transport substitutes a Buffer-based one on Node. */
export const defaultTextCodec: TextCodec = {
  byteLength: utf8ByteLength,
  encodeInto(text: string, target: Uint8Array, offset: number): number {
    return encoder.encodeInto(text, offset === 0 ? target : target.subarray(offset)).written;
  },
  decode(bytes: Uint8Array): string {
    return decoder.decode(bytes);
  },
};
