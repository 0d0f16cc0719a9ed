import { CLOSE_INTERNAL_ERROR, isValidWireCloseCode } from '../protocol/close-code';

/**
 * The close code for an error passed to `sink.error()`: its `closeCode` when that may be sent
 * on the wire (RFC 6455 §7.4: a whole number in an allowed range), else 1011 (internal error).
 * Called from RxJS, so it never throws.
 */
export function sinkErrorCode(error: unknown): number {
  const code = (error as { closeCode?: unknown } | null)?.closeCode;
  return typeof code === 'number' && Number.isInteger(code) && isValidWireCloseCode(code) ? code : CLOSE_INTERNAL_ERROR;
}
