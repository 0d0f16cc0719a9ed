import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { DEFAULT_CONNECTION_OPTIONS, type ConnectionOptions } from '../rx/connection-options';
import { CONNECTION_OPTION_RULES, aString, integer, type OptionRules } from '../rx/validate-options';

/** Custom handshake headers (Authorization, Cookie, ...). Arrays become repeated lines. */
export type ClientHeaders = Readonly<Record<string, string | number | readonly string[]>>;

/** Settings for `connect()` and `openConnection()`. Units are in the names; every one is
 *  checked when `connect()` is called: an unknown key or a value out of range throws a
 *  UsageError at once. */
export interface ClientOptions extends ConnectionOptions {
  /** Extra request headers, e.g. `{ authorization: 'Bearer …', cookie: 'id=1' }`. The handshake's
   *  own headers (Host, Upgrade, Connection, Sec-WebSocket-*) cannot be overridden. */
  headers: ClientHeaders | undefined;
  /** Subprotocols to offer, in order of preference (RFC 6455 §4.1 item 10); distinct tokens. */
  protocols: readonly string[] | undefined;
  /** The Origin header to send (browsers always send one; Node clients usually need not). */
  origin: string | undefined;
  /** Node `tls.connect` options for wss:// (ca, cert, key, servername, rejectUnauthorized, ...).
   *  `servername` defaults to the host unless the host is an IP literal (RFC 6066 §3 forbids
   *  IP addresses in SNI). Node checks the certificate against `servername` when one is given,
   *  else against the host. */
  tls: TlsConnectionOptions | undefined;
  /** Time from dialing to a complete 101 (or to the end of a refusal's body); past it the
   *  socket is destroyed and the attempt fails with TimeoutError, so a server that accepts TCP
   *  but never answers (or answers a byte at a time) cannot hold the client. Default 10,000. */
  handshakeTimeoutMs: number;
  /** Largest response head accepted, in bytes; a larger one fails with HandshakeError.
   *  Default 16,384. */
  maxHeaderBytes: number;
  /** Most response header lines accepted; more fails with HandshakeError. Default 100. */
  maxHeaderCount: number;
  /**
   * WebSockets over HTTP/2 (RFC 8441). `true`: open the WebSocket as a stream of one HTTP/2
   * session per origin, shared by every such connection and closed when its last WebSocket
   * closes (TLS with ALPN `h2` for wss://, prior-knowledge h2c for ws://); a server that does
   * not offer it fails the attempt with Http2UnsupportedError. `'auto'`: the same over wss://,
   * but such a server is dialed again over HTTP/1.1 (ws:// always uses HTTP/1.1).
   * `false`: HTTP/1.1 upgrade. Default false.
   */
  http2: boolean | 'auto';
}

/** The defaults of every client option (the connection defaults, plus a 10 s handshake timeout). */
export const DEFAULT_CLIENT_OPTIONS: Readonly<ClientOptions> = Object.freeze({
  ...DEFAULT_CONNECTION_OPTIONS,
  // Browsers offer permessage-deflate by default; so does our client (the server decides).
  perMessageDeflate: true,
  headers: undefined,
  protocols: undefined,
  origin: undefined,
  tls: undefined,
  handshakeTimeoutMs: 10_000,
  maxHeaderBytes: 16_384,
  maxHeaderCount: 100,
  http2: false,
});

/** The most bytes of a refusal's body kept for `HandshakeError.body`; the rest is not read. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** How each client option is checked by `validateOptions`. */
export const CLIENT_OPTION_RULES: OptionRules<ClientOptions> = {
  ...CONNECTION_OPTION_RULES,
  headers: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be an object of header names to values'),
  protocols: (v) => (Array.isArray(v) && v.every((p) => typeof p === 'string') ? undefined : 'must be an array of strings'),
  origin: aString,
  tls: (v) => (typeof v === 'object' && v !== null ? undefined : 'must be an object of tls options'),
  handshakeTimeoutMs: integer(1, 2_147_483_647),
  maxHeaderBytes: integer(256, 1024 * 1024),
  maxHeaderCount: integer(1, 10_000),
  http2: (v) => (v === true || v === false || v === 'auto' ? undefined : "must be true, false or 'auto'"),
};

/** The per-connection subset of the client options, as `Connection` takes it. */
export function connectionOptionsOf(options: ClientOptions): ConnectionOptions {
  return {
    maxMessageBytes: options.maxMessageBytes,
    maxFragments: options.maxFragments,
    closeTimeoutMs: options.closeTimeoutMs,
    maxBufferedBytes: options.maxBufferedBytes,
    backpressure: options.backpressure,
    backlogBytes: options.backlogBytes,
    autoPong: options.autoPong,
    heartbeat: options.heartbeat,
    perMessageDeflate: options.perMessageDeflate,
    streamThresholdBytes: options.streamThresholdBytes,
  };
}
