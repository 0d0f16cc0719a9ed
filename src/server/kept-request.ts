import type { HttpHeaders } from '../errors';
import { HttpHeadParser } from '../handshake/http-head-parser';
import type { ExtendedConnectInfo } from '../handshake/extended-connect';
import { validateUpgradeRequest } from '../handshake/server-handshake';
import { nodeLatin1 } from '../transport/node-latin1';
import { headOf, type HeadTemplate } from './head-templates';
import { KeptUpgradeRequest, NO_PARAMS, type UpgradeRequest } from '../rx/upgrade-request';

/**
 * A request that passed the handshake, kept as the text of its head (latin1, one char per byte)
 * until someone reads `conn.request`, then parsed and validated again into the same request.
 *
 * Why: the parsed request (a null-prototype headers dictionary, a string per header value, the
 * request object itself) costs about twice the head's own size and lives as long as the
 * connection, while many applications never look at it. The same bytes through the same
 * deterministic parser and validator give an equal request, so nothing a user can see changes.
 * A head that other connections sent too but for its key is kept as their shared template and
 * this connection's key (HeadTemplates), not as a copy of its own.
 */
export class KeptRequest extends KeptUpgradeRequest {
  constructor(
    /** The request head, from the request line to its blank line included, or its template. */
    private readonly head: string | HeadTemplate,
    /** The `Sec-WebSocket-Key` value that goes into a template; undefined with a head. */
    private readonly key: string | undefined,
    readonly remoteAddress: string | undefined,
    private readonly remotePort: number | undefined,
    private readonly secure: boolean,
  ) {
    super();
  }

  restore(): UpgradeRequest {
    const head = typeof this.head === 'string' ? this.head : headOf(this.head, this.key!);
    const bytes = Buffer.from(head, 'latin1');
    // These bytes were accepted under the server's limits, so any limits at least their size do.
    const parsed = HttpHeadParser.request({ maxHeaderBytes: bytes.length, maxHeaderCount: bytes.length }, nodeLatin1).push(bytes);
    if (parsed.kind !== 'done') throw new Error(`rxws bug: a kept request head no longer parses (${parsed.kind})`);
    const { method, target, httpVersion, headers } = parsed.head;
    const validation = validateUpgradeRequest(method, target, headers, httpVersion);
    if (!validation.ok) throw new Error(`rxws bug: a kept request head no longer validates (${validation.status})`);
    return upgradeRequestOf(target, headers, validation.info, this.remoteAddress, this.remotePort, this.secure, this.params());
  }

  /** The route path's parameters; a subclass keeps them for the routes that have some, so the
   *  requests of the others do not carry the field. */
  protected params(): Readonly<Record<string, string>> {
    return NO_PARAMS;
  }
}

/** A kept request whose route path has parameters (`/room/:name`): their decoded values. */
export class KeptRequestWithParams extends KeptRequest {
  constructor(
    head: string | HeadTemplate,
    key: string | undefined,
    remoteAddress: string | undefined,
    remotePort: number | undefined,
    secure: boolean,
    private readonly routeParams: Readonly<Record<string, string>>,
  ) {
    super(head, key, remoteAddress, remotePort, secure);
  }

  protected override params(): Readonly<Record<string, string>> {
    return this.routeParams;
  }
}

/** The offered-subprotocols list of every request that offers none. */
const NO_PROTOCOLS: readonly string[] = Object.freeze([]);

/** The request as the accept hook and `conn.request` show it. It lives as long as the
 *  connection, so what can be shared is (the method, the empty list; the headers, as sent, cannot be).
 *  `method` is 'GET' for an HTTP/1.1 upgrade (RFC 6455 §4.1) and 'CONNECT' for an HTTP/2
 *  extended CONNECT (RFC 8441 §4), the only ones the validators let through: constants, not
 *  parsed copies. */
export function upgradeRequestOf(
  url: string,
  headers: HttpHeaders,
  info: ExtendedConnectInfo,
  remoteAddress: string | undefined,
  remotePort: number | undefined,
  secure: boolean,
  params: Readonly<Record<string, string>> = NO_PARAMS,
  method: 'GET' | 'CONNECT' = 'GET',
): UpgradeRequest {
  return {
    method,
    url,
    path: info.path,
    query: info.query,
    params,
    host: info.host,
    headers,
    origin: info.origin,
    protocols: info.protocols.length === 0 ? NO_PROTOCOLS : info.protocols,
    remoteAddress,
    remotePort,
    secure,
  };
}
