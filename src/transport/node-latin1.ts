import type { Latin1Decoder } from '../handshake/http-head-parser';

/**
 * The request head parser's latin1 decoding done by Node's Buffer: one native call per name or
 * value, without the view and the argument list that the portable decoder builds for each.
 * Lines that came in several chunks sit in the parser's own Uint8Array, which gets a Buffer view.
 */
export const nodeLatin1: Latin1Decoder = (bytes, start, end) =>
  (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('latin1', start, end);
