import { UsageError } from '../errors';
import { CloseCode, isValidWireCloseCode } from './close-code';
import type { TextCodec } from './protocol-types';
import { isValidUtf8 } from './utf8-validator';

/** RFC 6455 §5.5: a control payload is ≤ 125 bytes; 2 go to the code, leaving 123 for a reason. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** A close frame's payload, decoded. `ok: false` says how to fail the connection. */
export type ParsedClose =
  | { ok: true; code: number; reason: string }
  | { ok: false; closeCode: number; errorCode: string; message: string };

/**
 * RFC 6455 §5.5.1 / §7.1.5 / §7.4: parse a received close payload.
 * - empty: no status; the application sees 1005 (§7.1.5), which is never sent on the wire;
 * - 1 byte: cannot hold a code → 1002;
 * - a code that may not appear on the wire (§7.4.1/§7.4.2, e.g. 1005, 1006, 999) → 1002;
 * - a reason that is not valid UTF-8 (§5.5.1) → 1007.
 */
export function parseClosePayload(payload: Uint8Array, codec: TextCodec): ParsedClose {
  const len = payload.length;
  if (len === 0) return { ok: true, code: CloseCode.NoStatus, reason: '' };
  if (len === 1) {
    return { ok: false, closeCode: CloseCode.ProtocolError, errorCode: 'invalid_close_payload', message: 'close payload of 1 byte' };
  }
  const code = (payload[0]! << 8) | payload[1]!;
  if (!isValidWireCloseCode(code)) {
    return { ok: false, closeCode: CloseCode.ProtocolError, errorCode: 'invalid_close_code', message: 'invalid close code' };
  }
  if (len === 2) return { ok: true, code, reason: '' };
  if (!isValidUtf8(payload, 2, len)) {
    return { ok: false, closeCode: CloseCode.InvalidPayload, errorCode: 'invalid_utf8', message: 'close reason is not valid utf-8' };
  }
  return { ok: true, code, reason: codec.decode(payload.subarray(2)) };
}

/**
 * Checks a close code and reason the application wants to send and returns the reason's UTF-8
 * byte length. Misuse throws `UsageError` synchronously (docs/design.md): codes must be valid
 * on the wire (1000-1003, 1007-1014, 3000-4999: §7.4), reasons at most 123 bytes (§5.5).
 */
export function checkCloseToSend(code: number, reason: string, codec: Pick<TextCodec, 'byteLength'>): number {
  if (!Number.isInteger(code) || !isValidWireCloseCode(code)) {
    throw new UsageError('invalid_close_code', `close code ${String(code)} may not be sent`);
  }
  if (typeof reason !== 'string') throw new UsageError('invalid_close_reason', 'close reason must be a string');
  const bytes = codec.byteLength(reason);
  if (bytes > MAX_CLOSE_REASON_BYTES) {
    throw new UsageError('close_reason_too_long', `close reason is ${bytes} bytes; the limit is ${MAX_CLOSE_REASON_BYTES}`);
  }
  return bytes;
}

/**
 * Encodes a close payload (code + UTF-8 reason) into `target[offset..]`, returning the end
 * offset. Call `checkCloseToSend` first; `reasonBytes` is its result.
 */
export function writeClosePayload(
  target: Uint8Array,
  offset: number,
  code: number,
  reason: string,
  reasonBytes: number,
  codec: TextCodec,
): number {
  target[offset] = code >>> 8;
  target[offset + 1] = code & 0xff;
  if (reasonBytes === 0) return offset + 2;
  return offset + 2 + codec.encodeInto(reason, target, offset + 2);
}

/** Allocating convenience: a validated close payload for `code` and `reason`. */
export function encodeClosePayload(code: number, reason: string, codec: TextCodec): Uint8Array {
  const reasonBytes = checkCloseToSend(code, reason, codec);
  const out = new Uint8Array(2 + reasonBytes);
  writeClosePayload(out, 0, code, reason, reasonBytes, codec);
  return out;
}
