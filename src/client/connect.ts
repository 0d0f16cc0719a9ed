import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Observable } from 'rxjs';
import { HandshakeError, Http2UnsupportedError, NetworkError, RxwsError, TimeoutError, UsageError, type HttpHeaders } from '../errors';
import { buildUpgradeRequest, validateUpgradeResponse as validateUpgrade } from '../handshake/client-handshake';
import { formatExtensions } from '../handshake/extensions';
import { PERMESSAGE_DEFLATE, acceptDeflateResponse, deflateOffer, resolveDeflateConfig, type DeflateConfig } from '../extensions/permessage-deflate';
import { HttpHeadParser, type HttpResponseHead } from '../handshake/http-head-parser';
import type { UpgradeRequest } from '../rx/upgrade-request';
import { validateOptions } from '../rx/validate-options';
import { computeAcceptKey, generateClientKey } from '../transport/accept-key';
import { ClientConnection } from './client-connection';
import type { ConnectionInit } from '../rx/connection';
import { CLIENT_OPTION_RULES, DEFAULT_CLIENT_OPTIONS, MAX_ERROR_BODY_BYTES, connectionOptionsOf, type ClientOptions } from './client-options';
import { resolveTarget, sentUpgradeRequest, type ConnectTarget, type ResolvedTarget } from './connect-target';
import { readErrorBody, type ErrorBody } from './error-body';
import { extendedConnectHeaders, startH2Handshake } from './h2-handshake';
import { openingAsObservable, openingAsPromise } from './opening';

/**
 * Opens WebSocket connections as a cold Observable: each subscription dials once (TCP, or TLS
 * for wss://), sends the upgrade request with a fresh key, reads and validates the server's
 * answer, emits one `ClientConnection` and completes when that connection has closed, so
 * `repeat`, `retry` and `reconnect` compose.
 *
 * - Unsubscribing before the connection opened aborts the attempt (socket destroyed, timer
 *   cleared); unsubscribing after it opened closes it with 1000.
 * - Failures are typed: HandshakeError (status, headers, body) for a refusal or an invalid 101,
 *   NetworkError (with `cause`) for DNS, refused, reset and TLS errors, TimeoutError when no
 *   complete answer came within `handshakeTimeoutMs`. The socket is always destroyed.
 * - The target and the options are checked when `connect()` is called: a bad URL, an unknown
 *   option or a header that could not be sent throws a UsageError at once, not on subscribe.
 *
 * Note that `firstValueFrom(connect(url))` unsubscribes as soon as the connection is emitted,
 * which closes it; use `openConnection()` to get a connection you close yourself.
 */
export function connect<TData = unknown>(target: ConnectTarget, options?: Partial<ClientOptions>): Observable<ClientConnection<TData>> {
  const plan = planConnection(target, options);
  return openingAsObservable<ClientConnection<TData>>((opened, failed) => startHandshake<TData>(plan, opened, failed));
}

/**
 * One connection as a Promise: resolves with the open connection, which the caller then owns
 * (close it with `close()`), or rejects with the same typed errors as `connect()` (handshake,
 * network, timeout). A bad URL or option is a usage error and throws at once, before any
 * socket is opened.
 */
export function openConnection<TData = unknown>(target: ConnectTarget, options?: Partial<ClientOptions>): Promise<ClientConnection<TData>> {
  const plan = planConnection(target, options);
  return openingAsPromise<ClientConnection<TData>>((opened, failed) => startHandshake<TData>(plan, opened, failed));
}

/** Everything checked up front, so that subscribing can only fail for network reasons. */
interface ConnectionPlan {
  target: ResolvedTarget;
  options: ClientOptions;
  /** permessage-deflate to offer (RFC 7692), with the Sec-WebSocket-Extensions value. */
  deflate: { config: DeflateConfig; header: string } | undefined;
}

/** A valid key for building a trial request at call time (RFC 6455 §4.1's sample nonce). */
const TRIAL_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function planConnection(target: ConnectTarget, given: Partial<ClientOptions> | undefined): ConnectionPlan {
  const options = validateOptions<ClientOptions>('client', given, DEFAULT_CLIENT_OPTIONS, CLIENT_OPTION_RULES);
  const resolved = resolveTarget(target);
  if (options.tls !== undefined && !resolved.secure) {
    throw new UsageError('tls_without_wss', 'the tls option was given for a ws:// url: use wss:// to connect with tls');
  }
  // Build the request once now, so a header with CR, LF or NUL (header injection), a non-token
  // subprotocol or a reserved header name throws here, before anything is dialed or written.
  const config = resolveDeflateConfig(options.perMessageDeflate);
  const deflate = config === undefined ? undefined : { config, header: formatExtensions([deflateOffer(config)]) };
  const plan = { target: resolved, options, deflate };
  buildRequestText(plan, TRIAL_KEY);
  if (options.http2 !== false) extendedConnectHeaders(plan);
  return plan;
}

function buildRequestText({ target, options, deflate }: ConnectionPlan, key: string): string {
  return buildUpgradeRequest({
    host: target.hostHeader,
    path: target.path,
    key,
    ...(deflate !== undefined ? { extensions: deflate.header } : {}),
    ...(options.protocols !== undefined ? { protocols: options.protocols } : {}),
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
    ...(options.headers !== undefined ? { headers: options.headers } : {}),
  });
}

function dial(target: ResolvedTarget, options: ClientOptions): net.Socket {
  if (!target.secure) return net.connect({ host: target.host, port: target.port, noDelay: true });
  const given = options.tls ?? {};
  // RFC 6066 §3: SNI carries host names only, never IP literals. Node still checks the
  // certificate against `host` (IP SANs included).
  const servername = given.servername ?? (net.isIP(target.host) === 0 ? target.host : undefined);
  return tls.connect({ ...given, host: target.host, port: target.port, ...(servername !== undefined ? { servername } : {}) });
}

/**
 * Opens one connection: over HTTP/2 when asked (RFC 8441, `http2` option), falling back to an
 * HTTP/1.1 upgrade with `http2: 'auto'` when the server does not offer it. Calls exactly one of
 * `opened` and `failed`, unless aborted first with the function it returns.
 */
function startHandshake<TData>(
  plan: ConnectionPlan,
  opened: (connection: ClientConnection<TData>) => void,
  failed: (error: RxwsError) => void,
): () => void {
  const mode = plan.options.http2;
  if (mode === false || (mode === 'auto' && !plan.target.secure)) return startHttp1Handshake(plan, opened, failed);
  let abort = startH2Handshake(plan, opened, (error) => {
    if (mode === 'auto' && error instanceof Http2UnsupportedError) abort = startHttp1Handshake(plan, opened, failed);
    else failed(error);
  });
  return () => abort();
}

/**
 * Runs one opening handshake (RFC 6455 §4.1). Calls exactly one of `opened` and `failed`, unless
 * aborted first with the function it returns.
 */
function startHttp1Handshake<TData>(
  plan: ConnectionPlan,
  opened: (connection: ClientConnection<TData>) => void,
  failed: (error: RxwsError) => void,
): () => void {
  const { target, options, deflate } = plan;
  const key = generateClientKey(); // RFC 6455 §4.1 item 7: a fresh nonce per attempt
  const expectedAccept = computeAcceptKey(key);
  const requestText = buildRequestText(plan, key);
  const parser = HttpHeadParser.response({ maxHeaderBytes: options.maxHeaderBytes, maxHeaderCount: options.maxHeaderCount });
  const where = `${target.hostHeader}`;
  let finished = false;
  let tcpConnected = false;
  let tlsConnected = false;
  let refusal: { head: HttpResponseHead; body: ErrorBody } | undefined;

  const socket = dial(target, options);
  const timer = setTimeout(() => {
    // A server that accepts TCP but never answers (or answers byte by byte) must not hold us.
    if (refusal !== undefined) return refuse();
    fail(new TimeoutError(`no websocket handshake response from ${where} within ${options.handshakeTimeoutMs} ms`, options.handshakeTimeoutMs));
  }, options.handshakeTimeoutMs);

  function fail(error: RxwsError): void {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.destroy();
    failed(error);
  }

  function refuse(): void {
    const { head, body } = refusal!;
    fail(
      new HandshakeError(
        'unexpected_status',
        `the server answered the upgrade with status ${head.status} instead of 101`,
        head.status,
        head.headers,
        body.text(),
      ),
    );
  }

  function onData(chunk: Buffer): void {
    if (finished) return;
    if (refusal !== undefined) {
      if (refusal.body.push(chunk)) refuse();
      return;
    }
    const result = parser.push(chunk);
    if (result.kind === 'incomplete') return;
    if (result.kind === 'error') {
      return fail(new HandshakeError('bad_response', `invalid http response from ${where}: ${result.message}`, 0, {}, ''));
    }
    const head = result.head;
    if (head.status !== 101) {
      // Read the refusal's body (per Content-Length or chunked framing, else until close), bounded,
      // with the handshake timer still running.
      refusal = { head, body: readErrorBody(head, MAX_ERROR_BODY_BYTES) };
      if (refusal.body.push(result.rest)) refuse();
      return;
    }
    const validation = validateUpgradeResponse(head);
    if (!validation.ok) return fail(new HandshakeError(validation.code, validation.message, 101, head.headers, ''));
    // RFC 7692 §5: a response we did not allow fails the connection.
    const agreed = deflate === undefined ? undefined : acceptDeflateResponse(validation.extensions, deflate.config);
    if (agreed !== undefined && !agreed.ok) return fail(new HandshakeError('bad_extensions', agreed.message, 101, head.headers, ''));
    const params = agreed?.ok === true ? agreed.params : undefined;
    handOver(head, validation.protocol, result.rest, params === undefined ? undefined : { params, config: deflate!.config });
  }

  function validateUpgradeResponse(head: HttpResponseHead) {
    // Only what we offered may come back (§4.1 item 5): permessage-deflate, when enabled.
    const extensionNames = deflate === undefined ? [] : [PERMESSAGE_DEFLATE];
    return validateUpgrade(head, { accept: expectedAccept, protocols: options.protocols ?? [], extensionNames });
  }

  function onError(error: Error & { code?: string }): void {
    if (finished) return;
    const code = typeof error.code === 'string' ? error.code : 'unknown error';
    const what = target.secure && tcpConnected && !tlsConnected ? 'tls handshake with' : 'connection to';
    fail(new NetworkError(`${what} ${where} failed: ${code}`, error));
  }

  function onClose(): void {
    if (finished) return;
    if (refusal !== undefined) return refuse();
    fail(new NetworkError(`${where} closed the connection before completing the websocket handshake`));
  }

  function handOver(head: HttpResponseHead, protocol: string | undefined, rest: Uint8Array, negotiated: ConnectionInit<TData>['deflate']): void {
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    // The transport adds its own 'error' listener below; ours would only repeat it.
    socket.off('error', onError);
    const connection = new ClientConnection<TData>({
      socket,
      role: 'client',
      options: connectionOptionsOf(options),
      request: sentRequest(plan, key, socket),
      response: { status: head.status, headers: head.headers, protocol },
      protocol,
      data: undefined as TData,
      head: rest,
      deflate: negotiated,
    });
    opened(connection);
  }

  socket.once('connect', () => (tcpConnected = true));
  socket.once('secureConnect', () => (tlsConnected = true));
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('close', onClose);
  socket.write(requestText);

  return () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.destroy();
  };
}

/** The request we sent, in the shape the server side reports requests in. */
function sentRequest({ target, options, deflate }: ConnectionPlan, key: string, socket: net.Socket): UpgradeRequest {
  const headers: HttpHeaders = {
    host: target.hostHeader,
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': key,
    'sec-websocket-version': '13',
  };
  if (options.protocols !== undefined && options.protocols.length > 0) headers['sec-websocket-protocol'] = options.protocols.join(', ');
  if (deflate !== undefined) headers['sec-websocket-extensions'] = deflate.header;
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    const lower = name.toLowerCase();
    const text = Array.isArray(value) ? value.join(lower === 'cookie' ? '; ' : ', ') : String(value);
    const previous = headers[lower];
    headers[lower] = previous === undefined ? text : `${previous}, ${text}`;
  }
  if (options.origin !== undefined) headers['origin'] = options.origin;
  return sentUpgradeRequest('GET', target, headers, { origin: options.origin, protocols: options.protocols, remoteAddress: socket.remoteAddress, remotePort: socket.remotePort });
}
