import { constants as h2constants, type ClientHttp2Stream, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';
import { HandshakeError, NetworkError, TimeoutError, type HttpHeaders, type RxwsError } from '../errors';
import { PERMESSAGE_DEFLATE, acceptDeflateResponse, type DeflateConfig } from '../extensions/permessage-deflate';
import { buildExtendedConnectRequest, validateExtendedConnectResponse, type H2Headers } from '../handshake/extended-connect';
import type { ConnectionInit } from '../rx/connection';
import type { UpgradeRequest } from '../rx/upgrade-request';
import { ClientConnection } from './client-connection';
import { MAX_ERROR_BODY_BYTES, connectionOptionsOf, type ClientOptions } from './client-options';
import { sentUpgradeRequest, type ResolvedTarget } from './connect-target';
import { h2Sessions, type PooledSession } from './h2-session-pool';

/** @internal What the HTTP/2 handshake needs of a checked `connect()` call. */
export interface H2Plan {
  target: ResolvedTarget;
  options: ClientOptions;
  deflate: { config: DeflateConfig; header: string } | undefined;
}

/**
 * @internal The extended CONNECT's header fields (RFC 8441 §4, §5). Throws UsageError for what
 * could not be sent; `connect()` calls it once up front so that happens at call time.
 */
export function extendedConnectHeaders({ target, options, deflate }: H2Plan): H2Headers {
  return buildExtendedConnectRequest({
    scheme: target.secure ? 'https' : 'http',
    authority: target.hostHeader,
    path: target.path,
    protocols: options.protocols,
    extensions: deflate?.header,
    origin: options.origin,
    headers: options.headers,
  });
}

/**
 * @internal Opens one WebSocket as a stream of the shared HTTP/2 session to the target's origin
 * (RFC 8441): waits for the session's SETTINGS to enable extended CONNECT, sends the CONNECT,
 * checks the 2xx answer like a 101 (subprotocol and extensions offered), and hands the stream to
 * a ClientConnection. Calls exactly one of `opened` and `failed` unless aborted first with the
 * function it returns. The session's lease is held while the WebSocket is open.
 */
export function startH2Handshake<TData>(
  plan: H2Plan,
  opened: (connection: ClientConnection<TData>) => void,
  failed: (error: RxwsError) => void,
): () => void {
  const { target, options, deflate } = plan;
  const headers = extendedConnectHeaders(plan);
  const where = target.hostHeader;
  const lease: PooledSession = h2Sessions.lease(target, options.tls);
  let finished = false;
  let leased = true;
  let stream: ClientHttp2Stream | undefined;

  const timer = setTimeout(() => {
    fail(new TimeoutError(`no websocket handshake response from ${where} within ${options.handshakeTimeoutMs} ms`, options.handshakeTimeoutMs));
  }, options.handshakeTimeoutMs);

  function giveBack(): void {
    if (!leased) return;
    leased = false;
    lease.release();
  }

  function fail(error: RxwsError): void {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    stopWaiting();
    // NGHTTP2_CANCEL: this side no longer wants the stream (RFC 9113 §7).
    if (stream !== undefined && !stream.destroyed) stream.close(h2constants.NGHTTP2_CANCEL);
    giveBack();
    failed(error);
  }

  function onStreamError(error: Error & { code?: string }): void {
    fail(new NetworkError(`websocket stream to ${where} failed: ${error.code ?? 'unknown error'}`, error));
  }

  function onStreamClose(): void {
    fail(new NetworkError(`${where} closed the stream before completing the websocket handshake`));
  }

  function onResponse(response: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
    if (finished || stream === undefined) return;
    const answer = response as HttpHeaders;
    const status = Number(response[':status']);
    const validation = validateExtendedConnectResponse(answer, {
      protocols: options.protocols ?? [],
      extensionNames: deflate === undefined ? [] : [PERMESSAGE_DEFLATE],
    });
    if (!validation.ok) {
      if (validation.code === 'unexpected_status') return readRefusal(stream, status, answer);
      return fail(new HandshakeError(validation.code, validation.message, status, answer, ''));
    }
    // RFC 7692 §5: a response we did not allow fails the connection.
    const agreed = deflate === undefined ? undefined : acceptDeflateResponse(validation.extensions, deflate.config);
    if (agreed !== undefined && !agreed.ok) return fail(new HandshakeError('bad_extensions', agreed.message, status, answer, ''));
    const params = agreed?.ok === true ? agreed.params : undefined;
    handOver(stream, status, answer, validation.protocol, params === undefined ? undefined : { params, config: deflate!.config });
  }

  /** A refusal's body, bounded like the HTTP/1.1 one, then the typed error. */
  function readRefusal(refused: ClientHttp2Stream, status: number, answer: HttpHeaders): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      refused.off('data', onData);
      refused.off('end', done);
      refused.off('close', done);
      const body = Buffer.concat(chunks, size).toString('utf8');
      fail(new HandshakeError('unexpected_status', `the server answered the websocket connect with status ${status}`, status, answer, body));
    };
    const onData = (chunk: Buffer) => {
      const room = MAX_ERROR_BODY_BYTES - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= MAX_ERROR_BODY_BYTES) done();
    };
    refused.off('close', onStreamClose);
    refused.on('data', onData);
    refused.once('end', done);
    refused.once('close', done);
  }

  function handOver(opening: ClientHttp2Stream, status: number, answer: HttpHeaders, protocol: string | undefined, negotiated: ConnectionInit<TData>['deflate']): void {
    finished = true;
    clearTimeout(timer);
    opening.off('close', onStreamClose);
    // The transport adds its own 'error' listener; ours would only repeat it.
    opening.off('error', onStreamError);
    const connection = new ClientConnection<TData>({
      socket: opening,
      role: 'client',
      options: connectionOptionsOf(options),
      request: sentRequest(plan, headers, lease),
      response: { status, headers: answer, protocol },
      protocol,
      data: undefined as TData,
      head: EMPTY,
      deflate: negotiated,
    });
    lease.track(connection, opening);
    opening.once('close', giveBack);
    opening.once('aborted', destroyAborted);
    opened(connection);
  }

  const stopWaiting = lease.whenReady((session) => {
    if (finished) return;
    try {
      stream = session.request(headers, { endStream: false });
    } catch (error) {
      return fail(new NetworkError(`could not open a stream to ${where}: ${(error as { code?: string }).code ?? 'unknown error'}`, error));
    }
    stream.on('error', onStreamError);
    stream.once('close', onStreamClose);
    stream.once('response', onResponse);
  }, fail);

  return () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    stopWaiting();
    if (stream !== undefined && !stream.destroyed) stream.close(h2constants.NGHTTP2_CANCEL);
    giveBack();
  };
}

const EMPTY = new Uint8Array(0);

/**
 * The server reset the stream (RST_STREAM) while we could still write. Node ends both sides but,
 * for a reset with NO_ERROR, waits for a write that can no longer finish before it destroys the
 * stream, so 'close' would never come: destroy it, and the transport reports 1006.
 */
function destroyAborted(this: ClientHttp2Stream): void {
  this.destroy();
}

/** The request we sent, in the shape the server side reports requests in. */
function sentRequest({ target, options }: H2Plan, sent: H2Headers, lease: PooledSession): UpgradeRequest {
  const headers: HttpHeaders = {};
  for (const [name, value] of Object.entries(sent)) headers[name] = Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : String(value);
  return sentUpgradeRequest('CONNECT', target, headers, { origin: undefined, protocols: options.protocols, remoteAddress: lease.remoteAddress, remotePort: lease.remotePort });
}
