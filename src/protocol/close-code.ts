/** @internal The codes the connection layers send or report themselves, as constants: a bundler
 *  inlines a constant, but one property read of `CloseCode` keeps the whole object (the browser
 *  bundle of `connect()` alone would pay for it). `CloseCode` is made from them. */
export const CLOSE_NORMAL = 1000;
/** @internal See CLOSE_NORMAL. */
export const CLOSE_ABNORMAL = 1006;
/** @internal See CLOSE_NORMAL. */
export const CLOSE_POLICY_VIOLATION = 1008;
/** @internal See CLOSE_NORMAL. */
export const CLOSE_INTERNAL_ERROR = 1011;

/** RFC 6455 §7.4.1 and the IANA registry (§11.7): close status codes, by name, for `close()`,
 *  `fail()` and reading a `close` message's `code` (docs/security.md lists when rxws sends each). */
export const CloseCode = {
  /** The purpose of the connection was fulfilled: `close()` with no code. */
  Normal: CLOSE_NORMAL,
  /** The endpoint is going away: a server shutting down, a page navigating. */
  GoingAway: 1001,
  /** The peer broke the protocol (RFC 6455). */
  ProtocolError: 1002,
  /** A data type the endpoint cannot accept (e.g. binary where only text is). */
  UnsupportedData: 1003,
  /** Reserved: never on the wire; reported when a close frame carried no code. */
  NoStatus: 1005,
  /** Reserved: never on the wire; reported when the TCP connection dropped without a close. */
  Abnormal: CLOSE_ABNORMAL,
  /** A message's data did not match its type: invalid UTF-8 in a text message or close reason. */
  InvalidPayload: 1007,
  /** A message broke the endpoint's policy (rxws: too many fragments, send buffer full). */
  PolicyViolation: CLOSE_POLICY_VIOLATION,
  /** A message larger than the endpoint accepts (`maxMessageBytes`). */
  MessageTooBig: 1009,
  /** Client only: the server did not agree to an extension the client requires. */
  MandatoryExtension: 1010,
  /** The endpoint hit an unexpected condition (a handler threw). */
  InternalError: CLOSE_INTERNAL_ERROR,
  /** The server is restarting: reconnect after a short while. */
  ServiceRestart: 1012,
  /** The server is overloaded: reconnect later. */
  TryAgainLater: 1013,
  /** A gateway or proxy got an invalid answer from the server behind it. */
  BadGateway: 1014,
  /** Reserved: never on the wire; a TLS handshake failure. */
  TlsHandshake: 1015,
} as const;

/**
 * RFC 6455 §7.4: may this code appear in a close frame? 1000-1003 and 1007-1014 are defined
 * (1012-1014 by the IANA registry), 3000-4999 belong to libraries and applications; 1004-1006,
 * 1015, the rest of 1000-2999 and everything outside 1000-4999 are invalid on the wire.
 */
export function isValidWireCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}
