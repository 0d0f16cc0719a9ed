import { DEFAULT_BACKPRESSURE, DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_MAX_BUFFERED_BYTES } from '../rx/connection-options';
import { integer, MAX_SAFE_INTEGER, oneOf, type OptionRules } from '../rx/validate-options';
import { isToken } from '../handshake/header-tokens';
import type { WebSocketClass } from '../transport/browser-transport';

/**
 * Settings for the browser entry's `connect()`. Units are in the names; every one is checked
 * when `connect()` is called. What a browser cannot do has no option here: custom handshake
 * headers (use cookies or a token in the URL), the Origin header (the browser sets it),
 * TLS settings, header limits, incoming message limits, heartbeats (pings), permessage-deflate
 * settings (the browser negotiates compression itself) and pausing the socket.
 */
export interface ClientOptions {
  /** Subprotocols to offer, in order of preference (RFC 6455 §4.1 item 10); distinct tokens. */
  protocols: readonly string[] | undefined;
  /** Time from `new WebSocket()` to the open event; past it the attempt is abandoned and fails
   *  with TimeoutError. Default 10,000. */
  handshakeTimeoutMs: number;
  /** After this side sends its close frame, how long to wait for the server's before reporting
   *  the connection closed with 1006. Default 5,000. */
  closeTimeoutMs: number;
  /** Outgoing bytes (`WebSocket.bufferedAmount`) past which `backpressure` applies. Default 16 MiB. */
  maxBufferedBytes: number;
  /** What happens past `maxBufferedBytes`: 'close' the connection (reported as 1008), or 'drop'
   *  the message (reported on `errors$`). Default 'close'. */
  backpressure: 'close' | 'drop';
  /** The WebSocket class to use. Default: the global `WebSocket` (browsers, Node 22 and later);
   *  pass one where there is none (the `ws` package's class on Node 20). */
  webSocketClass: WebSocketClass | undefined;
}

/** The defaults of every browser client option. */
export const DEFAULT_CLIENT_OPTIONS: Readonly<ClientOptions> = /* @__PURE__ */ Object.freeze({
  protocols: undefined,
  handshakeTimeoutMs: 10_000,
  closeTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  backpressure: DEFAULT_BACKPRESSURE,
  webSocketClass: undefined,
});

/** A setTimeout delay: at least 1 ms, and within what a timer can hold (2^31 - 1). */
const TIMER_MS = /* @__PURE__ */ integer(1, 2_147_483_647);

/** @internal How each browser client option is checked by `validateOptions`. */
export const CLIENT_OPTION_RULES: OptionRules<ClientOptions> = {
  // RFC 6455 §4.1 item 10: distinct tokens (the WebSocket constructor would throw a SyntaxError).
  protocols: (v) =>
    Array.isArray(v) && v.every((p, i) => typeof p === 'string' && isToken(p) && v.indexOf(p) === i) ? undefined : 'must be an array of distinct tokens',
  handshakeTimeoutMs: TIMER_MS,
  closeTimeoutMs: TIMER_MS,
  maxBufferedBytes: integer(1, MAX_SAFE_INTEGER),
  backpressure: oneOf(['close', 'drop']),
  webSocketClass: (v) => (typeof v === 'function' ? undefined : 'must be a WebSocket class'),
};
