import { UsageError } from '../errors';
import { isValidClientKey } from './accept-key';
import { parseExtensions, type ParsedExtensionOffer } from './extensions';
import {
  getOwnHeader,
  headerHasToken,
  isToken,
  parseTokenList,
  sanitizeExcerpt,
} from './header-tokens';
import { assertHeader, renderExtraHeaders, type ExtraHeaders } from './header-writer';
import type { HttpResponseHead } from './http-head-parser';

/** Headers of the upgrade request that extra headers may not override. A GET upgrade carries
 *  no body, so Content-Length and Transfer-Encoding are refused as well. */
const REQUEST_RESERVED: ReadonlySet<string> = new Set([
  'host',
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'content-length',
  'transfer-encoding',
]);

/**
 * The client's opening handshake (RFC 6455 §4.1): "GET path HTTP/1.1", Host, Upgrade, Connection,
 * Sec-WebSocket-Key, Sec-WebSocket-Version: 13, then the optional Sec-WebSocket-Protocol,
 * Sec-WebSocket-Extensions and Origin, then the extra headers. The result is ASCII.
 *
 * Throws UsageError, before producing anything, when: `path` does not start with '/' or holds
 * anything but visible ASCII (no spaces, CR, LF; no '#', RFC 6455 §3); `host` is empty or has
 * whitespace; `key` is not base64 of 16 bytes; `protocols` are not distinct tokens (§4.1 item
 * 10); `extensions` does not parse; a header name is not a token or a value is unsafe
 * (CR, LF, NUL); an extra header overrides a handshake header (Origin may come from either
 * `origin` or `headers`, not both).
 */
export function buildUpgradeRequest(opts: {
  host: string;
  path: string;
  key: string;
  protocols?: readonly string[];
  extensions?: string;
  origin?: string;
  headers?: ExtraHeaders;
}): string {
  if (opts === null || typeof opts !== 'object') {
    throw new UsageError('invalid_argument', 'buildUpgradeRequest needs an options object');
  }
  const { host, path, key, protocols, extensions, origin } = opts;
  if (typeof path !== 'string' || path.charCodeAt(0) !== 0x2f) {
    throw new UsageError('invalid_path', "request path must start with '/'");
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x23) {
      throw new UsageError(
        'invalid_path',
        'request path must be visible ascii without spaces or a fragment (percent-encode it)',
      );
    }
  }
  if (typeof host !== 'string' || host === '') {
    throw new UsageError('invalid_host', 'host is required');
  }
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2c) {
      throw new UsageError('invalid_host', 'host must be visible ascii without spaces or commas');
    }
  }
  if (typeof key !== 'string' || !isValidClientKey(key)) {
    throw new UsageError('invalid_key', 'key must be base64 of 16 bytes');
  }
  let optional = '';
  if (protocols !== undefined) {
    if (!Array.isArray(protocols)) {
      throw new UsageError('invalid_protocol', 'protocols must be an array of tokens');
    }
    const seen = new Set<string>();
    for (const p of protocols as unknown[]) {
      if (typeof p !== 'string' || !isToken(p)) {
        throw new UsageError('invalid_protocol', 'each subprotocol must be an http token');
      }
      if (seen.has(p)) throw new UsageError('invalid_protocol', 'subprotocols must be distinct');
      seen.add(p);
    }
    if (protocols.length > 0) optional += `Sec-WebSocket-Protocol: ${protocols.join(', ')}\r\n`;
  }
  if (extensions !== undefined && extensions !== '') {
    if (typeof extensions !== 'string' || parseExtensions(extensions) === null) {
      throw new UsageError('invalid_extension', 'extensions must be a valid extension list');
    }
    assertHeader('Sec-WebSocket-Extensions', extensions);
    optional += `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  }
  let reserved = REQUEST_RESERVED;
  if (origin !== undefined) {
    assertHeader('Origin', origin);
    optional += `Origin: ${origin}\r\n`;
    reserved = new Set([...REQUEST_RESERVED, 'origin']);
  }
  const extra = renderExtraHeaders(opts.headers, reserved);
  return (
    `GET ${path} HTTP/1.1\r\n` +
    `Host: ${host}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${key}\r\n` +
    'Sec-WebSocket-Version: 13\r\n' +
    optional +
    extra +
    '\r\n'
  );
}

export type UpgradeResponseValidation =
  | { ok: true; protocol: string | undefined; extensions: ParsedExtensionOffer[] }
  | { ok: false; code: string; message: string };

function fail(code: string, message: string): UpgradeResponseValidation {
  return { ok: false, code, message };
}

/**
 * Checks the server's answer against RFC 6455 §4.1 (the client's checks, items 1-6 after
 * "the client MUST validate the server's response"). Codes:
 *
 * - `unexpected_status`: not 101 (the caller turns this into a HandshakeError with the body).
 * - `bad_upgrade`: Upgrade is not exactly "websocket" (ASCII case-insensitive).
 * - `bad_connection`: Connection has no "upgrade" token.
 * - `bad_accept`: Sec-WebSocket-Accept missing or not equal to `expect.accept`.
 * - `bad_protocol`: Sec-WebSocket-Protocol is not a single token.
 * - `unoffered_protocol`: a subprotocol the client did not offer (or none was offered).
 * - `bad_extensions`: Sec-WebSocket-Extensions does not parse, or names an extension twice.
 * - `unoffered_extension`: an extension the client did not offer.
 *
 * Names are compared exactly (RFC 6455 gives them no case folding). Messages are lowercase and
 * quote at most a short sanitized excerpt of what the server sent.
 */
export function validateUpgradeResponse(
  head: HttpResponseHead,
  expect: { accept: string; protocols: readonly string[]; extensionNames: readonly string[] },
): UpgradeResponseValidation {
  if (head.status !== 101) return fail('unexpected_status', `unexpected status ${head.status}`);
  const headers = head.headers;

  // §4.1 item 2: "an ASCII case-insensitive match for the value 'websocket'".
  const upgrade = getOwnHeader(headers, 'upgrade');
  const upgradeList = typeof upgrade === 'string' ? parseTokenList(upgrade) : null;
  if (upgradeList === null || upgradeList.length !== 1 || upgradeList[0]!.toLowerCase() !== 'websocket') {
    return fail('bad_upgrade', 'upgrade header is not websocket');
  }
  // §4.1 item 3: Connection must contain the token "Upgrade".
  if (!headerHasToken(getOwnHeader(headers, 'connection'), 'upgrade')) {
    return fail('bad_connection', 'connection header has no upgrade token');
  }
  // §4.1 item 4.
  const accept = getOwnHeader(headers, 'sec-websocket-accept');
  if (typeof accept !== 'string' || accept !== expect.accept) {
    return fail('bad_accept', 'sec-websocket-accept does not match the key sent');
  }

  // §4.1 item 6: a subprotocol not requested fails the connection.
  let protocol: string | undefined;
  const protocolHeader = getOwnHeader(headers, 'sec-websocket-protocol');
  if (protocolHeader !== undefined) {
    if (typeof protocolHeader !== 'string' || !isToken(protocolHeader)) {
      return fail('bad_protocol', 'sec-websocket-protocol must name exactly one subprotocol');
    }
    if (!expect.protocols.includes(protocolHeader)) {
      return fail(
        'unoffered_protocol',
        `server selected subprotocol "${sanitizeExcerpt(protocolHeader)}" that was not offered`,
      );
    }
    protocol = protocolHeader;
  }

  // §4.1 item 5 and §9.1: only extensions the client offered, each at most once.
  const extensionsHeader = getOwnHeader(headers, 'sec-websocket-extensions');
  const extensions = parseExtensions(extensionsHeader);
  if (extensions === null) {
    return fail('bad_extensions', 'sec-websocket-extensions header is malformed');
  }
  const seen = new Set<string>();
  for (const ext of extensions) {
    if (!expect.extensionNames.includes(ext.name)) {
      return fail(
        'unoffered_extension',
        `server accepted extension "${sanitizeExcerpt(ext.name)}" that was not offered`,
      );
    }
    if (seen.has(ext.name)) {
      return fail('bad_extensions', `server accepted extension "${sanitizeExcerpt(ext.name)}" twice`);
    }
    seen.add(ext.name);
  }
  return { ok: true, protocol, extensions };
}
