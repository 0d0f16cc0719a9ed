/**
 * Every error rxws raises. Two families, never mixed up (docs/design.md):
 * - misuse of the API throws synchronously (`UsageError`);
 * - a peer or network fault never throws into user code: it closes the connection and is
 *   reported in-stream (`ProtocolError`, `ConnectionClosedError`, `HandshakeError`, ...).
 * Every error carries a stable string `code`; those that end a connection carry the close code.
 */
export class RxwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The caller misused the API (sending after close, an over-long close reason, a bad option). */
export class UsageError extends RxwsError {}

/** The peer broke RFC 6455; the connection was failed with `closeCode`. */
export class ProtocolError extends RxwsError {
  constructor(
    code: string,
    message: string,
    readonly closeCode: number,
  ) {
    super(code, message);
  }
}

/** The connection ended before the operation could finish (EOF, RST, close handshake). */
export class ConnectionClosedError extends RxwsError {
  constructor(
    message: string,
    readonly closeCode: number,
    readonly reason: string,
    readonly wasClean: boolean,
  ) {
    super('connection_closed', message);
  }
}

/** Something did not happen within its time limit (handshake, waitForMessage, ping). */
export class TimeoutError extends RxwsError {
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super('timeout', message);
  }
}

/** HTTP headers as Node presents them: lower-case names; `set-cookie` as a list, others joined. */
export type HttpHeaders = Record<string, string | string[] | undefined>;

/** The server refused the upgrade, or answered something that is not a valid upgrade. */
export class HandshakeError extends RxwsError {
  constructor(
    code: string,
    message: string,
    /** HTTP status the server sent (0 when none was received). */
    readonly status: number,
    readonly headers: HttpHeaders,
    /** The response body, decoded as UTF-8 (bounded). */
    readonly body: string,
  ) {
    super(code, message);
  }
}

/** A network-level failure (DNS, refused, reset, TLS) before the connection opened. */
export class NetworkError extends RxwsError {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super('network', message);
  }
}

/**
 * The server cannot carry WebSockets over HTTP/2 (RFC 8441): it did not choose `h2` in the TLS
 * handshake's ALPN (`reason: 'alpn'`), or its SETTINGS did not enable extended CONNECT
 * (`reason: 'setting'`). Raised by `connect(url, { http2: true })`; with `http2: 'auto'` the
 * client uses HTTP/1.1 instead.
 */
export class Http2UnsupportedError extends RxwsError {
  constructor(
    message: string,
    readonly reason: 'alpn' | 'setting',
  ) {
    super('http2_unsupported', message);
  }
}
