import { UsageError, type HttpHeaders } from '../errors';
import { isValidClientKey } from './accept-key';
import { parseExtensions, type ExtensionOffer } from './extensions';
import { getOwnHeader, headerHasToken, isToken } from './header-tokens';
import { assertHeader, renderExtraHeaders, type ExtraHeaders } from './header-writer';
import { statusText } from './status-text';
import { parseSubprotocols } from './subprotocol';

/** What a valid upgrade request asked for (RFC 6455 §4.2.1). */
export interface UpgradeRequestInfo {
  /** Sec-WebSocket-Key, to be passed through `acceptKeyInput`, SHA-1 and base64. */
  key: string;
  /** Always 13. */
  version: number;
  /** Sec-WebSocket-Protocol, in the client's order of preference; [] when absent. */
  protocols: string[];
  /** Sec-WebSocket-Extensions, in the client's order; [] when absent. */
  extensions: ExtensionOffer[];
  origin: string | undefined;
  /** The Host header; for an absolute-form target, the target's authority (RFC 9112 §3.2.2). */
  host: string | undefined;
  /** The path, raw (not percent-decoded): compare it as sent. */
  path: string;
  /** The query without its '?'; '' when there is none. */
  query: string;
}

export type UpgradeValidation =
  | { ok: true; info: UpgradeRequestInfo }
  | { ok: false; status: number; headers: Record<string, string>; message: string };

function reject(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): UpgradeValidation {
  return { ok: false, status, headers, message };
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Splits a request-target into path and query. Origin-form "/p?q" (RFC 9112 §3.2.1) and
 * absolute-form "ws://host/p?q" (§3.2.2; also wss, http, https) are accepted; asterisk- and
 * authority-form, and any fragment (RFC 6455 §3: "#" is not allowed in a WebSocket URI), are not.
 */
function splitTarget(
  target: string,
): { path: string; query: string; authority: string | undefined } | null {
  if (typeof target !== 'string' || target.length === 0) return null;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    // Visible ASCII only; '#' starts a fragment.
    if (c <= 0x20 || c >= 0x7f || c === 0x23) return null;
  }
  let rest = target;
  let authority: string | undefined;
  if (target.charCodeAt(0) !== 0x2f) {
    const sep = target.indexOf('://');
    if (sep < 0) return null;
    const scheme = target.slice(0, sep).toLowerCase();
    if (scheme !== 'ws' && scheme !== 'wss' && scheme !== 'http' && scheme !== 'https') {
      return null;
    }
    const afterScheme = target.slice(sep + 3);
    let authEnd = afterScheme.length;
    for (let i = 0; i < afterScheme.length; i++) {
      const c = afterScheme.charCodeAt(i);
      if (c === 0x2f || c === 0x3f) {
        authEnd = i;
        break;
      }
    }
    authority = afterScheme.slice(0, authEnd);
    // No userinfo (RFC 9110 §4.2.4 forbids it in http(s) URIs) and a non-empty host.
    if (authority === '' || authority.includes('@')) return null;
    rest = afterScheme.slice(authEnd);
    if (rest === '' || rest.charCodeAt(0) === 0x3f) rest = `/${rest}`;
  }
  const q = rest.indexOf('?');
  return q < 0
    ? { path: rest, query: '', authority }
    : { path: rest.slice(0, q), query: rest.slice(q + 1), authority };
}

/** "1.1" or "HTTP/1.1" → [major, minor], or null. */
function parseHttpVersion(v: string): [number, number] | null {
  const m = v.startsWith('HTTP/') ? v.slice(5) : v;
  const dot = m.indexOf('.');
  if (dot <= 0 || dot === m.length - 1) return null;
  const major = m.slice(0, dot);
  const minor = m.slice(dot + 1);
  for (const part of [major, minor]) {
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return null;
    }
  }
  return [Number(major), Number(minor)];
}

/**
 * Checks an HTTP request against RFC 6455 §4.2.1 and says how to answer it. Never throws for
 * anything a peer can send. Statuses:
 *
 * - 405 (with `Allow: GET`): the method is not GET (case-sensitive, RFC 9110 §9.1).
 * - 400: HTTP/1.0 or older (an upgrade needs HTTP/1.1, RFC 6455 §4.1 item 1) or an unreadable
 *   version; 505 for a major version above 1, which cannot be HTTP/1.1 framing.
 * - 400: a target that is not origin- or absolute-form, or has a fragment.
 * - 400: Host missing, empty, or with whitespace or commas (RFC 9112 §3.2).
 * - 400: Upgrade without the token "websocket"; Connection without the token "upgrade".
 * - 426 (with `Sec-WebSocket-Version: 13`): Sec-WebSocket-Version missing or anything but "13".
 *   A missing version is what pre-RFC (hixie) clients send, so 426 tells them what we speak
 *   (RFC 6455 §4.2.2 item 4). This is checked before the key so such clients get the 426.
 * - 400: Sec-WebSocket-Key missing, repeated or not base64 of 16 bytes.
 * - 400: Sec-WebSocket-Protocol with a non-token or repeated element (RFC 6455 §4.1 item 10).
 * - 400: Sec-WebSocket-Extensions that does not parse (RFC 6455 §9.1).
 * - 400: a request body (Content-Length other than 0, or any Transfer-Encoding): the bytes after
 *   the head must be WebSocket frames, so a body would be smuggled in as frames.
 */
export function validateUpgradeRequest(
  method: string,
  target: string,
  headers: HttpHeaders,
  httpVersion?: string,
): UpgradeValidation {
  if (method !== 'GET') return reject(405, 'method not allowed', { Allow: 'GET' });

  if (httpVersion !== undefined) {
    const v = typeof httpVersion === 'string' ? parseHttpVersion(httpVersion) : null;
    if (v === null) return reject(400, 'invalid http version');
    if (v[0] > 1) return reject(505, 'http version not supported');
    if (v[0] < 1 || v[1] < 1) return reject(400, 'websocket upgrade needs http/1.1');
  }

  const parts = splitTarget(target);
  if (parts === null) return reject(400, 'invalid request target');

  const hostHeader = getOwnHeader(headers, 'host');
  if (typeof hostHeader !== 'string' || hostHeader === '') {
    return reject(400, 'missing host header');
  }
  for (let i = 0; i < hostHeader.length; i++) {
    const c = hostHeader.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2c) return reject(400, 'invalid host header');
  }

  if (!headerHasToken(getOwnHeader(headers, 'upgrade'), 'websocket')) {
    return reject(400, 'missing or invalid upgrade header');
  }
  if (!headerHasToken(getOwnHeader(headers, 'connection'), 'upgrade')) {
    return reject(400, 'missing or invalid connection header');
  }

  if (single(getOwnHeader(headers, 'sec-websocket-version')) !== '13') {
    return reject(426, 'unsupported websocket version', { 'Sec-WebSocket-Version': '13' });
  }

  const key = single(getOwnHeader(headers, 'sec-websocket-key'));
  if (key === undefined || !isValidClientKey(key)) {
    return reject(400, 'missing or invalid sec-websocket-key header');
  }

  const contentLength = getOwnHeader(headers, 'content-length');
  if (
    (contentLength !== undefined && contentLength !== '0') ||
    getOwnHeader(headers, 'transfer-encoding') !== undefined
  ) {
    return reject(400, 'upgrade request must not have a body');
  }

  const protocols = parseSubprotocols(getOwnHeader(headers, 'sec-websocket-protocol'));
  if (protocols === null) return reject(400, 'invalid sec-websocket-protocol header');

  const extensions = parseExtensions(getOwnHeader(headers, 'sec-websocket-extensions'));
  if (extensions === null) return reject(400, 'invalid sec-websocket-extensions header');

  const origin = getOwnHeader(headers, 'origin');
  return {
    ok: true,
    info: {
      key,
      version: 13,
      protocols,
      extensions,
      origin: typeof origin === 'string' ? origin : origin?.join(', '),
      host: parts.authority ?? hostHeader,
      path: parts.path,
      query: parts.query,
    },
  };
}

/** Handshake headers of the 101 that extra headers may not override. Content-Length and
 *  Transfer-Encoding are refused too: a 1xx response has no body (RFC 9110 §8.6). */
const ACCEPT_RESERVED: ReadonlySet<string> = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'content-length',
  'transfer-encoding',
]);

/**
 * The 101 response (RFC 6455 §4.2.2 item 5). `accept` is base64(SHA-1(acceptKeyInput(key))),
 * computed by the caller. `protocol` must be a token (one the client offered: the caller's
 * negotiation); `extensions` is a formatted Sec-WebSocket-Extensions value. Throws UsageError,
 * before producing anything, for a reserved, non-token or unsafe (CR, LF, NUL) header.
 * The result is ASCII.
 */
export function buildAcceptResponse(opts: {
  accept: string;
  protocol?: string;
  extensions?: string;
  headers?: ExtraHeaders;
}): string {
  if (opts === null || typeof opts !== 'object') {
    throw new UsageError('invalid_argument', 'buildAcceptResponse needs an options object');
  }
  if (typeof opts.accept !== 'string' || opts.accept === '') {
    throw new UsageError('invalid_header', 'sec-websocket-accept value is required');
  }
  assertHeader('Sec-WebSocket-Accept', opts.accept);
  let head =
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${opts.accept}\r\n`;
  if (opts.protocol !== undefined) {
    if (typeof opts.protocol !== 'string' || !isToken(opts.protocol)) {
      throw new UsageError('invalid_protocol', 'subprotocol must be an http token');
    }
    head += `Sec-WebSocket-Protocol: ${opts.protocol}\r\n`;
  }
  if (opts.extensions !== undefined && opts.extensions !== '') {
    assertHeader('Sec-WebSocket-Extensions', opts.extensions);
    head += `Sec-WebSocket-Extensions: ${opts.extensions}\r\n`;
  }
  head += renderExtraHeaders(opts.headers, ACCEPT_RESERVED);
  return `${head}\r\n`;
}

/** Headers a rejection sets itself. */
const REJECT_RESERVED: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
]);

/** UTF-8 byte length of a JS string (lone surrogates count as U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * A complete HTTP/1.1 error response that refuses the upgrade and closes the connection:
 * status line with the standard reason phrase, `Connection: close`, `Content-Type:
 * text/plain; charset=utf-8` unless given, `Content-Length` and the body (default: the reason
 * phrase). The head is ASCII; the body may be any text, so write the whole string as UTF-8
 * (Content-Length counts UTF-8 bytes). Throws UsageError for a status outside 400-599 or a bad,
 * unsafe or reserved (Connection, Content-Length, Transfer-Encoding) header.
 */
export function buildRejectResponse(
  status: number,
  headers?: ExtraHeaders,
  body?: string,
): string {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new UsageError('invalid_status', 'reject status must be an integer from 400 to 599');
  }
  if (body !== undefined && typeof body !== 'string') {
    throw new UsageError('invalid_argument', 'reject body must be a string');
  }
  const text = body ?? statusText(status);
  const extra = renderExtraHeaders(headers, REJECT_RESERVED);
  let hasContentType = false;
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'content-type') hasContentType = true;
    }
  }
  return (
    `HTTP/1.1 ${status} ${statusText(status)}\r\n` +
    'Connection: close\r\n' +
    (hasContentType ? '' : 'Content-Type: text/plain; charset=utf-8\r\n') +
    extra +
    `Content-Length: ${utf8Length(text)}\r\n` +
    '\r\n' +
    text
  );
}
