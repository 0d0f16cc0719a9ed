/**
 * The base class of every error rxws raises, so `error instanceof RxwsError` tells them from
 * others. Two families, never mixed up:
 * - misuse of the API throws synchronously (`UsageError`);
 * - a peer or network fault never throws into user code: it closes the connection and is
 *   reported in-stream (`ProtocolError`, `ConnectionClosedError`, `HandshakeError`, ...).
 * Every error carries a stable string `code`; those that end a connection carry the close code.
 * `name` is the class name; messages are lowercase and never echo the peer's raw bytes.
 */
export class RxwsError extends Error {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static readonly errorName: string = 'RxwsError';
  /** A stable, machine-readable identifier of what happened, e.g. `'send_after_close'` or
   *  `'timeout'`: test this rather than the message, which may be reworded. */
  declare readonly code: string;
  /**
   * Makes an error with a `code`; rxws's own errors are its subclasses. Subclass it for your own
   * errors if you like: one with a `closeCode` given to `sink.error()` closes with that code.
   * @param code - the stable, machine-readable `code`
   * @param message - the human-readable message
   */
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    // rxws's classes state their name as text (errorName), so bundled and minified apps still
    // see 'HandshakeError'; a subclass of yours is named after its class.
    this.name = Object.hasOwn(new.target, 'errorName') ? (new.target as unknown as { errorName: string }).errorName : new.target.name;
  }
}

/**
 * The caller misused the API: sending after close, an invalid close code or a reason over 123
 * bytes, an unknown or out-of-range option, a bad URL. Always thrown synchronously by the call
 * that was wrong, never reported later; `code` says which rule was broken (`'unknown_option'`,
 * `'invalid_option'`, `'send_after_close'`, `'close_reason_too_long'`, ...).
 */
export class UsageError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'UsageError';
}

/**
 * The peer broke RFC 6455 (an unmasked client frame, invalid UTF-8, a message over the size
 * limit...): the connection was failed with `closeCode`. Reported on the connection's `errors$`,
 * and the connection's last message is a `close` with that code; never thrown into user code.
 */
export class ProtocolError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'ProtocolError';
  /** The close code the connection was failed with: 1002 (protocol error), 1007 (invalid
   *  UTF-8), 1008 (policy), 1009 (too big)... (RFC 6455 §7.4.1). */
  declare readonly closeCode: number;
  /**
   * Made by rxws when the peer breaks the protocol; exported for `instanceof` and for tests.
   * @param code - the stable `code`, e.g. `'invalid_utf8'`
   * @param message - the human-readable message
   * @param closeCode - the close code the connection was failed with
   */
  constructor(code: string, message: string, closeCode: number) {
    super(code, message);
    this.closeCode = closeCode;
  }
}

/**
 * The connection ended before the operation could finish: what `waitForMessage()`, `ping()` or
 * `sendStream()` reject with when the connection closes first (a close handshake, EOF, a reset),
 * and what `failOnAbnormalClose()` errors with. `code` is `'connection_closed'`.
 */
export class ConnectionClosedError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'ConnectionClosedError';
  /** The connection's close code: the peer's, ours, or 1006 when the socket dropped. */
  declare readonly closeCode: number;
  /** The close reason that came with the code ('' when none). */
  declare readonly reason: string;
  /** True when both close frames were exchanged before the socket closed (RFC 6455 §7.1.5). */
  declare readonly wasClean: boolean;
  /**
   * Made by rxws when a connection ends under a pending operation; exported for `instanceof`.
   * @param message - the human-readable message
   * @param closeCode - the connection's close code
   * @param reason - the close reason
   * @param wasClean - whether the closing handshake completed
   */
  constructor(message: string, closeCode: number, reason: string, wasClean: boolean) {
    super('connection_closed', message);
    this.closeCode = closeCode;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}

/**
 * Something did not happen within its time limit: a client handshake (`handshakeTimeoutMs`), a
 * `waitForMessage()` or `ping()` with `timeoutMs`. `code` is `'timeout'`.
 */
export class TimeoutError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'TimeoutError';
  /** The limit that was reached, in milliseconds. */
  declare readonly timeoutMs: number;
  /**
   * Made by rxws when a time limit is reached; exported for `instanceof`.
   * @param message - the human-readable message
   * @param timeoutMs - the limit that was reached
   */
  constructor(message: string, timeoutMs: number) {
    super('timeout', message);
    this.timeoutMs = timeoutMs;
  }
}

/** HTTP headers as Node presents them: lower-case names; `set-cookie` as a list, others joined. */
export type HttpHeaders = Record<string, string | string[] | undefined>;

/**
 * The server refused the upgrade (any status but 101), or answered a 101 that is not a valid
 * upgrade (wrong accept key, a subprotocol or extension the client did not offer). What
 * `connect()` errors with and `openConnection()` rejects with; `reconnect()` retries it only for
 * 5xx, 408 and 429.
 */
export class HandshakeError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'HandshakeError';
  /** HTTP status the server sent (0 when none was received). */
  declare readonly status: number;
  /** The response headers, lower-case names (`retry-after`, `www-authenticate`...). */
  declare readonly headers: HttpHeaders;
  /** The response body, decoded as UTF-8 (bounded). */
  declare readonly body: string;
  /**
   * Made by the client when a handshake fails; exported for `instanceof` and for tests.
   * @param code - the stable `code`, e.g. `'bad_response'`
   * @param message - the human-readable message
   * @param status - the HTTP status received, 0 for none
   * @param headers - the response headers
   * @param body - the response body
   */
  constructor(code: string, message: string, status: number, headers: HttpHeaders, body: string) {
    super(code, message);
    this.status = status;
    this.headers = headers;
    this.body = body;
  }
}

/**
 * A network-level failure before the connection opened: DNS, connection refused or reset, a TLS
 * error. What `connect()` errors with and `openConnection()` rejects with; `reconnect()` retries
 * it. `code` is `'network'`.
 */
export class NetworkError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'NetworkError';
  /** The underlying Node error (its `code` is e.g. `'ECONNREFUSED'` or `'ENOTFOUND'`). */
  declare readonly cause?: unknown;
  /**
   * Made by the client when the network fails; exported for `instanceof`.
   * @param message - the human-readable message
   * @param cause - the underlying Node error
   */
  constructor(message: string, cause?: unknown) {
    super('network', message);
    this.cause = cause;
  }
}

/**
 * The server cannot carry WebSockets over HTTP/2 (RFC 8441): it did not choose `h2` in the TLS
 * handshake's ALPN (`reason: 'alpn'`), or its SETTINGS did not enable extended CONNECT
 * (`reason: 'setting'`). Raised by `connect(url, { http2: true })`; with `http2: 'auto'` the
 * client uses HTTP/1.1 instead.
 */
export class Http2UnsupportedError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'Http2UnsupportedError';
  /** `'alpn'`: TLS chose no `h2`; `'setting'`: SETTINGS_ENABLE_CONNECT_PROTOCOL was not sent. */
  declare readonly reason: 'alpn' | 'setting';
  /**
   * Made by the client when a server does not offer WebSockets over HTTP/2; exported for `instanceof`.
   * @param message - the human-readable message
   * @param reason - what the server lacked
   */
  constructor(message: string, reason: 'alpn' | 'setting') {
    super('http2_unsupported', message);
    this.reason = reason;
  }
}
