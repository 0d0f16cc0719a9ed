import type { HttpHeaders } from '../errors';

/** The opening handshake as one side saw it: what the accept hook and `conn.request` show. */
export interface UpgradeRequest {
  /** The HTTP method: always `'GET'` for a request that got this far. */
  readonly method: string;
  /** The raw request target, e.g. `/chat?room=1`. */
  readonly url: string;
  /** The path without the query string; routes match on it exactly. */
  readonly path: string;
  /** The query string without the `?` (empty when there is none). */
  readonly query: string;
  /**
   * The values of the route path's parameters, percent-decoded: `{ name: 'lobby' }` for a route
   * `/room/:name` and a request to `/room/lobby`. Empty for routes without parameters, and on
   * the client.
   */
  readonly params: Readonly<Record<string, string>>;
  /** The Host header as sent (lower-cased), if any. */
  readonly host: string | undefined;
  /** Every request header, lower-case names, as Node presents them (cookies, authorization...). */
  readonly headers: HttpHeaders;
  /** The Origin header a browser sends (the page's origin), if any; non-browser clients usually
   *  send none. */
  readonly origin: string | undefined;
  /** Subprotocols the client offered, in its order of preference. */
  readonly protocols: readonly string[];
  /** The peer's IP address (on the server, the client's; behind a proxy, the proxy's). */
  readonly remoteAddress: string | undefined;
  /** The peer's TCP port. */
  readonly remotePort: number | undefined;
  /** True over TLS. */
  readonly secure: boolean;
}

/** @internal The `params` of every request whose route has no parameters: one shared object. */
export const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

/** The server's answer to a client's upgrade, as the client saw it. */
export interface UpgradeResponse {
  /** The HTTP status: 101 for a response that opened a connection. */
  readonly status: number;
  /** Every response header, lower-case names (e.g. `set-cookie` from the accept hook). */
  readonly headers: HttpHeaders;
  /** The subprotocol the server chose, if any. */
  readonly protocol: string | undefined;
}

/**
 * @internal A request in a compact form, restored into an `UpgradeRequest` the first time
 * `conn.request` is read. The server keeps the requests nobody has seen yet (routes without an
 * accept hook) this way, because the parsed object lives as long as the connection.
 */
export abstract class KeptUpgradeRequest {
  abstract readonly remoteAddress: string | undefined;
  /** A new object equal to the request the server parsed and validated. */
  abstract restore(): UpgradeRequest;
}
