/** RFC 6455 §1.3 / §4.2.2: the GUID appended to the client's key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * RFC 6455 §4.2.2 step 5.4: the string whose SHA-1, base64-encoded, is Sec-WebSocket-Accept.
 * Hashing is left to the caller so this layer stays free of Node's crypto.
 */
export function acceptKeyInput(key: string): string {
  return key + WEBSOCKET_GUID;
}

/** RFC 4648 §4 base64 alphabet value of a char code, or -1. */
function base64Value(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41; // A-Z
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26; // a-z
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52; // 0-9
  if (c === 0x2b) return 62; // +
  if (c === 0x2f) return 63; // /
  return -1;
}

/**
 * RFC 6455 §4.1 / §4.2.1 item 5: Sec-WebSocket-Key is "a base64-encoded value that, when decoded,
 * is 16 bytes in length". 16 bytes encode to 22 characters plus "==". We also require the
 * canonical encoding (RFC 4648 §3.5: the 4 pad bits of the 22nd character are zero), since a
 * key produced by base64-encoding 16 random bytes is always canonical; the URL-safe alphabet,
 * whitespace and missing padding are rejected.
 */
export function isValidClientKey(key: string): boolean {
  if (typeof key !== 'string' || key.length !== 24) return false;
  if (key.charCodeAt(22) !== 0x3d || key.charCodeAt(23) !== 0x3d) return false;
  for (let i = 0; i < 21; i++) {
    if (base64Value(key.charCodeAt(i)) < 0) return false;
  }
  const last = base64Value(key.charCodeAt(21));
  return last >= 0 && (last & 0x0f) === 0;
}
