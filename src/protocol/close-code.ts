/** RFC 6455 §7.4.1 and the IANA registry (§11.7): close status codes. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  /** Reserved: never on the wire; reported when a close frame carried no code. */
  NoStatus: 1005,
  /** Reserved: never on the wire; reported when the TCP connection dropped without a close. */
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  /** Reserved: never on the wire. */
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
