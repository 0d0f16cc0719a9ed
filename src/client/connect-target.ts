import { isIP } from 'node:net';
import { UsageError, type HttpHeaders } from '../errors';
import { NO_PARAMS, type UpgradeRequest } from '../rx/upgrade-request';

/** Where to connect: a ws:/wss: URL (http:/https: are mapped to them), or its parts (`secure`
 *  for TLS; `port` defaults to 80 or 443, `path` to '/'). A URL with a fragment or user info, an
 *  unknown scheme or a bad port makes `connect()` throw a UsageError. */
export type ConnectTarget = string | URL | { host: string; port?: number; path?: string; secure?: boolean };

/** A target resolved to what the socket and the request line need. */
export interface ResolvedTarget {
  /** The host to dial: a name or an IP literal without brackets. */
  host: string;
  port: number;
  secure: boolean;
  /** The request target: path plus `?query`, as sent on the request line. */
  path: string;
  /** The Host header (RFC 6455 §4.1 item 4; RFC 9110 §7.2): brackets around IPv6, the port
   *  only when it is not the scheme's default. */
  hostHeader: string;
}

const SCHEMES: Readonly<Record<string, boolean>> = { 'ws:': false, 'wss:': true, 'http:': false, 'https:': true };

/**
 * Resolves a connect target, throwing a UsageError at once for anything we could not dial:
 * an unparsable URL, a scheme other than ws/wss/http/https, a fragment (RFC 6455 §3: "fragment
 * identifiers are meaningless in the context of WebSocket URIs and MUST NOT be used"), user
 * info, a bad port, or a path that does not start with '/'.
 */
export function resolveTarget(target: ConnectTarget): ResolvedTarget {
  if (typeof target === 'string' || target instanceof URL) return fromUrl(target);
  if (target === null || typeof target !== 'object') {
    throw new UsageError('bad_target', 'connect() needs a url or { host, port?, path?, secure? }');
  }
  const { host: rawHost, port, path = '/', secure = false, ...rest } = target;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new UsageError('bad_target', `unknown target key '${unknown}'`);
  if (typeof rawHost !== 'string' || rawHost === '') throw new UsageError('bad_target', 'target host must be a non-empty string');
  if (typeof secure !== 'boolean') throw new UsageError('bad_target', 'target secure must be true or false');
  // Accept an IPv6 literal with or without brackets.
  const host = rawHost.startsWith('[') && rawHost.endsWith(']') ? rawHost.slice(1, -1) : rawHost;
  const defaultPort = secure ? 443 : 80;
  const resolvedPort = port ?? defaultPort;
  if (!Number.isInteger(resolvedPort) || resolvedPort < 1 || resolvedPort > 65535) {
    throw new UsageError('bad_target', 'target port must be an integer between 1 and 65535');
  }
  if (typeof path !== 'string' || !path.startsWith('/')) throw new UsageError('bad_target', "target path must start with '/'");
  if (path.includes('#')) throw new UsageError('bad_target', 'a websocket url must not have a fragment');
  return { host, port: resolvedPort, secure, path, hostHeader: hostHeader(host, resolvedPort, defaultPort) };
}

function fromUrl(target: string | URL): ResolvedTarget {
  let url: URL;
  try {
    url = target instanceof URL ? target : new URL(target);
  } catch {
    throw new UsageError('bad_url', 'not a valid url');
  }
  const secure = SCHEMES[url.protocol];
  if (secure === undefined) throw new UsageError('bad_url', 'the url scheme must be ws:, wss:, http: or https:');
  // `url.hash` is '' for a bare '#', so look at the text as well.
  if (url.hash !== '' || url.href.includes('#')) throw new UsageError('bad_url', 'a websocket url must not have a fragment');
  if (url.username !== '' || url.password !== '') {
    throw new UsageError('bad_url', 'user info in a websocket url is not supported: send an authorization header');
  }
  if (url.hostname === '') throw new UsageError('bad_url', 'the url has no host');
  const defaultPort = secure ? 443 : 80;
  // WHATWG URLs drop the port when it is the scheme's default: 80 for ws/http, 443 for wss/https.
  const port = url.port === '' ? defaultPort : Number(url.port);
  if (port < 1) throw new UsageError('bad_url', 'the url port must be between 1 and 65535');
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const path = `${url.pathname === '' ? '/' : url.pathname}${url.search}`;
  return { host: hostname, port, secure, path, hostHeader: hostHeader(hostname, port, defaultPort) };
}

function hostHeader(host: string, port: number, defaultPort: number): string {
  const name = isIP(host) === 6 ? `[${host}]` : host;
  return port === defaultPort ? name : `${name}:${port}`;
}

/**
 * @internal The request a client sent to `target`, in the shape the server side reports
 * requests in (`conn.request`): the path and query split out of the request target, no route
 * parameters, the Host header lower-cased. HTTP/1.1 and HTTP/2 (RFC 8441) handshakes both use it.
 */
export function sentUpgradeRequest(
  method: 'GET' | 'CONNECT',
  target: ResolvedTarget,
  headers: HttpHeaders,
  sent: { origin: string | undefined; protocols: readonly string[] | undefined; remoteAddress: string | undefined; remotePort: number | undefined },
): UpgradeRequest {
  const query = target.path.indexOf('?');
  return {
    method,
    url: target.path,
    path: query < 0 ? target.path : target.path.slice(0, query),
    query: query < 0 ? '' : target.path.slice(query + 1),
    params: NO_PARAMS,
    host: target.hostHeader.toLowerCase(),
    headers,
    origin: sent.origin ?? (typeof headers['origin'] === 'string' ? headers['origin'] : undefined),
    protocols: sent.protocols ?? [],
    remoteAddress: sent.remoteAddress,
    remotePort: sent.remotePort,
    secure: target.secure,
  };
}
