import { UsageError, type HttpHeaders } from '../errors';
import { parseExtensions, type ParsedExtensionOffer } from './extensions';
import { getOwnHeader, isToken, sanitizeExcerpt } from './header-tokens';
import { assertHeader, type ExtraHeaders } from './header-writer';
import type { UpgradeRequestInfo } from './server-handshake';
import { parseSubprotocols } from './subprotocol';

/**
 * What a valid RFC 8441 extended CONNECT asked for: the same as an HTTP/1.1 upgrade, less the
 * key (RFC 8441 §5: Sec-WebSocket-Key and Sec-WebSocket-Accept are not used over HTTP/2).
 */
export type ExtendedConnectInfo = Omit<UpgradeRequestInfo, 'key'>;

export type ExtendedConnectValidation =
  | { ok: true; info: ExtendedConnectInfo }
  | { ok: false; status: number; headers: Record<string, string>; message: string };

function refuse(status: number, message: string, headers: Record<string, string> = {}): ExtendedConnectValidation {
  return { ok: false, status, headers, message };
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** True for a request an RFC 8441 WebSocket endpoint serves: CONNECT with `:protocol: websocket`.
 *  Other CONNECT requests (plain tunnels, other protocols) belong to the application. */
export function isWebSocketConnect(headers: HttpHeaders): boolean {
  return single(getOwnHeader(headers, ':method')) === 'CONNECT' && single(getOwnHeader(headers, ':protocol')) === 'websocket';
}

/**
 * Checks an HTTP/2 extended CONNECT (RFC 8441 §4, §5) as a WebSocket opening handshake, on the
 * pseudo-header and header fields as Node's http2 delivers them (lower-case names). Never throws
 * for anything a peer can send. Statuses, as close as HTTP/2 allows to the HTTP/1.1 ones:
 *
 * - 405 (`Allow: CONNECT`): not CONNECT with `:protocol: websocket` (callers pass only those);
 * - 400: `:scheme` other than http/https, `:path` missing, not origin-form or with a fragment
 *   (RFC 6455 §3), `:authority` (or Host) missing or malformed;
 * - 426 (with `sec-websocket-version: 13`): a version other than 13;
 * - 400: a Sec-WebSocket-Protocol or Sec-WebSocket-Extensions that does not parse, a repeated
 *   subprotocol, or a declared body (content-length other than 0): the stream's data must be
 *   WebSocket frames only.
 */
export function validateExtendedConnect(headers: HttpHeaders): ExtendedConnectValidation {
  if (!isWebSocketConnect(headers)) return refuse(405, 'method not allowed', { allow: 'CONNECT' });
  const scheme = single(getOwnHeader(headers, ':scheme'));
  if (scheme !== 'https' && scheme !== 'http') return refuse(400, 'invalid :scheme');
  const target = single(getOwnHeader(headers, ':path'));
  const parts = target === undefined ? null : splitPath(target);
  if (parts === null) return refuse(400, 'invalid :path');
  // RFC 9113 §8.3.1: :authority, or a Host header field when there is none.
  const authority = single(getOwnHeader(headers, ':authority')) ?? single(getOwnHeader(headers, 'host'));
  if (authority === undefined || authority === '') return refuse(400, 'missing :authority');
  for (let i = 0; i < authority.length; i++) {
    const c = authority.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2c || c === 0x40) return refuse(400, 'invalid :authority');
  }
  if (single(getOwnHeader(headers, 'sec-websocket-version')) !== '13') {
    return refuse(426, 'unsupported websocket version', { 'sec-websocket-version': '13' });
  }
  const contentLength = getOwnHeader(headers, 'content-length');
  if (contentLength !== undefined && contentLength !== '0') return refuse(400, 'websocket request must not declare a body');
  const protocols = parseSubprotocols(getOwnHeader(headers, 'sec-websocket-protocol'));
  if (protocols === null) return refuse(400, 'invalid sec-websocket-protocol header');
  const extensions = parseExtensions(getOwnHeader(headers, 'sec-websocket-extensions'));
  if (extensions === null) return refuse(400, 'invalid sec-websocket-extensions header');
  const origin = getOwnHeader(headers, 'origin');
  return {
    ok: true,
    info: {
      version: 13,
      protocols,
      extensions,
      origin: typeof origin === 'string' ? origin : origin?.join(', '),
      host: authority,
      path: parts.path,
      query: parts.query,
    },
  };
}

/** Origin-form only ("/p?q"): visible ASCII, no fragment (RFC 6455 §3). */
function splitPath(target: string): { path: string; query: string } | null {
  if (target.length === 0 || target.charCodeAt(0) !== 0x2f) return null;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x23) return null;
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** Fields neither side's extra headers may set over HTTP/2: message framing, and the
 *  connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2). */
const FRAMING_AND_CONNECTION = ['content-length', 'transfer-encoding', 'connection', 'upgrade', 'keep-alive', 'proxy-connection'];

/** Response header fields a caller's extra headers may not set: the handshake's own, and the
 *  framing and connection-specific ones. */
const RESERVED: ReadonlySet<string> = new Set(['sec-websocket-accept', 'sec-websocket-protocol', 'sec-websocket-extensions', ...FRAMING_AND_CONNECTION]);

/** HTTP/2 header fields as `node:http2` takes them: pseudo-headers plus lower-case names. */
export type H2Headers = Record<string, string | number | string[]>;

/**
 * The 2xx that accepts an extended CONNECT (RFC 8441 §5: "a 200 response"), with the chosen
 * subprotocol, the Sec-WebSocket-Extensions value and the caller's extra headers, as a header
 * object for `Http2Stream.respond`. Throws UsageError, before anything is sent, for an extra
 * header that is reserved, not a token, or has a value with CR, LF, NUL or non-ASCII
 * (RELIABILITY 28), or for a subprotocol that is not a token.
 */
export function buildExtendedConnectResponse(opts: { protocol?: string | undefined; extensions?: string | undefined; headers?: ExtraHeaders | undefined }): H2Headers {
  const out: H2Headers = { ':status': 200 };
  if (opts.protocol !== undefined) {
    if (typeof opts.protocol !== 'string' || !isToken(opts.protocol)) throw new UsageError('invalid_protocol', 'subprotocol must be an http token');
    out['sec-websocket-protocol'] = opts.protocol;
  }
  if (opts.extensions !== undefined && opts.extensions !== '') {
    assertHeader('sec-websocket-extensions', opts.extensions);
    out['sec-websocket-extensions'] = opts.extensions;
  }
  addExtraHeaders(out, opts.headers, RESERVED);
  return out;
}

/**
 * A refusal of an extended CONNECT: the status (400-599), extra headers and a text body, as the
 * HTTP/2 response head (the caller writes the body and ends the stream). Throws UsageError for
 * a status outside 400-599 or a bad extra header, like the HTTP/1.1 refusal.
 */
export function buildExtendedConnectRefusal(status: number, headers: ExtraHeaders | undefined, hasContentType: boolean): H2Headers {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new UsageError('invalid_status', 'reject status must be an integer from 400 to 599');
  }
  const out: H2Headers = { ':status': status };
  if (!hasContentType) out['content-type'] = 'text/plain; charset=utf-8';
  addExtraHeaders(out, headers, RESERVED);
  return out;
}

function addExtraHeaders(out: H2Headers, headers: ExtraHeaders | undefined, reserved: ReadonlySet<string>): void {
  if (headers === undefined || headers === null) return;
  if (typeof headers !== 'object') throw new UsageError('invalid_header', 'headers must be an object');
  for (const name of Object.keys(headers)) {
    if (!isToken(name)) throw new UsageError('invalid_header', 'header name must be an http token');
    // RFC 9113 §8.2.1: field names are lower case on the wire.
    const lower = name.toLowerCase();
    if (reserved.has(lower)) throw new UsageError('reserved_header', `header ${lower} is set by the handshake and cannot be overridden`);
    const raw = headers[name] as unknown;
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    const texts: string[] = [];
    for (const v of values) {
      let text: string;
      if (typeof v === 'string') text = v;
      else if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
      else throw new UsageError('invalid_header', `header ${lower} must be a string, a finite number or a list of strings`);
      assertHeader(name, text);
      texts.push(text);
    }
    const previous = out[lower];
    const merged = previous === undefined ? texts : [...(Array.isArray(previous) ? previous : [String(previous)]), ...texts];
    out[lower] = merged.length === 1 ? merged[0]! : merged;
  }
}

/** Request header fields a client's extra headers may not set: the request's own, those RFC 8441
 *  §5 drops (the key), the framing and connection-specific ones, and `te`. */
const REQUEST_RESERVED: ReadonlySet<string> = new Set(['host', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', ...FRAMING_AND_CONNECTION, 'te']);

/**
 * The header fields of a client's extended CONNECT (RFC 8441 §4, §5): `:method: CONNECT`,
 * `:protocol: websocket`, `:scheme`, `:authority`, `:path`, `sec-websocket-version: 13`, then
 * the offered subprotocols and extensions, the origin and the extra headers (lower-cased).
 * Throws UsageError, before anything is sent, for a path that is not origin-form visible ASCII,
 * a subprotocol that is not a token or is repeated, an unsafe or reserved header (RELIABILITY 28).
 */
export function buildExtendedConnectRequest(opts: {
  scheme: 'https' | 'http';
  authority: string;
  path: string;
  protocols?: readonly string[] | undefined;
  extensions?: string | undefined;
  origin?: string | undefined;
  headers?: ExtraHeaders | undefined;
}): H2Headers {
  if (splitPath(opts.path) === null) throw new UsageError('invalid_path', 'request path must be visible ascii starting with / and without a fragment');
  assertHeader('host', opts.authority);
  const out: H2Headers = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': opts.scheme,
    ':authority': opts.authority,
    ':path': opts.path,
    'sec-websocket-version': '13',
  };
  const protocols = opts.protocols ?? [];
  if (protocols.length > 0) {
    if (new Set(protocols).size !== protocols.length || !protocols.every((p) => typeof p === 'string' && isToken(p))) {
      throw new UsageError('invalid_protocol', 'subprotocols must be distinct http tokens');
    }
    out['sec-websocket-protocol'] = protocols.join(', ');
  }
  if (opts.extensions !== undefined && opts.extensions !== '') {
    assertHeader('sec-websocket-extensions', opts.extensions);
    out['sec-websocket-extensions'] = opts.extensions;
  }
  if (opts.origin !== undefined) {
    assertHeader('origin', opts.origin);
    out['origin'] = opts.origin;
  }
  addExtraHeaders(out, opts.headers, opts.origin === undefined ? REQUEST_RESERVED : new Set([...REQUEST_RESERVED, 'origin']));
  return out;
}

export type ExtendedConnectResponseValidation =
  | { ok: true; protocol: string | undefined; extensions: ParsedExtensionOffer[] }
  | { ok: false; code: string; message: string };

/**
 * The client's checks of the server's answer to an extended CONNECT (RFC 8441 §5, with RFC 6455
 * §4.1's rules for what may come back). Codes, as for HTTP/1.1:
 * - `unexpected_status`: not 2xx (the caller reads the body into a HandshakeError);
 * - `bad_protocol` / `unoffered_protocol`: Sec-WebSocket-Protocol is not one token, or was not offered;
 * - `bad_extensions` / `unoffered_extension`: Sec-WebSocket-Extensions does not parse, repeats an
 *   extension, or names one not offered.
 */
export function validateExtendedConnectResponse(
  headers: HttpHeaders,
  expect: { protocols: readonly string[]; extensionNames: readonly string[] },
): ExtendedConnectResponseValidation {
  // Node gives `:status` as a number; other callers may pass the text.
  const raw = getOwnHeader(headers as Record<string, string | string[] | undefined>, ':status') as unknown;
  const status = typeof raw === 'number' ? raw : Number(single(raw as string | string[] | undefined));
  if (!(status >= 200 && status <= 299)) return { ok: false, code: 'unexpected_status', message: `unexpected status ${status}` };
  let protocol: string | undefined;
  const protocolHeader = getOwnHeader(headers, 'sec-websocket-protocol');
  if (protocolHeader !== undefined) {
    if (typeof protocolHeader !== 'string' || !isToken(protocolHeader)) {
      return { ok: false, code: 'bad_protocol', message: 'sec-websocket-protocol must name exactly one subprotocol' };
    }
    if (!expect.protocols.includes(protocolHeader)) {
      return { ok: false, code: 'unoffered_protocol', message: `server selected subprotocol "${sanitizeExcerpt(protocolHeader)}" that was not offered` };
    }
    protocol = protocolHeader;
  }
  const extensions = parseExtensions(getOwnHeader(headers, 'sec-websocket-extensions'));
  if (extensions === null) return { ok: false, code: 'bad_extensions', message: 'sec-websocket-extensions header is malformed' };
  const seen = new Set<string>();
  for (const ext of extensions) {
    if (!expect.extensionNames.includes(ext.name)) {
      return { ok: false, code: 'unoffered_extension', message: `server accepted extension "${sanitizeExcerpt(ext.name)}" that was not offered` };
    }
    if (seen.has(ext.name)) return { ok: false, code: 'bad_extensions', message: `server accepted extension "${sanitizeExcerpt(ext.name)}" twice` };
    seen.add(ext.name);
  }
  return { ok: true, protocol, extensions };
}
