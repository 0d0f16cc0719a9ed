import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse, Http2Session, Http2Stream, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { HttpHeaders } from '../errors';
import { buildExtendedConnectRefusal, isWebSocketConnect, type H2Headers } from '../handshake/extended-connect';
import type { ExtraHeaders } from '../handshake/header-writer';
import type { Connection } from '../rx/connection';

/** A `node:http2` server: secure (h2, usually with `allowHTTP1`) or cleartext (h2c). */
export type H2Server = Http2SecureServer | Http2Server;

/** @internal Where the streams of RFC 8441 WebSocket requests go: the WebSocketServer. */
export interface ExtendedConnectHandler {
  handleExtendedConnect(stream: ServerHttp2Stream, headers: HttpHeaders): void;
}

/** @internal True for a `node:http2` server (http and https servers have no `updateSettings`). */
export function isHttp2Server(server: unknown): server is H2Server {
  return typeof (server as Partial<Http2Server> | null)?.updateSettings === 'function';
}

/** The WebSocket connections opened on each HTTP/2 session, for its GOAWAY. */
const bySession = new WeakMap<Http2Session, Set<Connection<any>>>();

/**
 * @internal The RFC 8441 side of a WebSocketServer attached to a `node:http2` server: turns on
 * SETTINGS_ENABLE_CONNECT_PROTOCOL (§3) for the sessions that open from now on, hands extended
 * CONNECT streams with `:protocol: websocket` to the server's handshake, and ends the WebSockets
 * of a session that goes away.
 *
 * Why a 'connect' listener: Node's compatibility layer (servers with a 'request' handler) answers
 * every CONNECT with 405 and ends the stream unless the server has one, and a browser then
 * cancels the WebSocket. The listener leaves WebSocket requests to the 'stream' listener and
 * keeps Node's 405 for other CONNECTs unless the application listens for them itself.
 */
export class H2Attachment {
  private readonly onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    if (isWebSocketConnect(headers as HttpHeaders)) this.handler.handleExtendedConnect(stream, headers as HttpHeaders);
  };

  private readonly onConnect = (request: Http2ServerRequest, response: Http2ServerResponse): void => {
    if (isWebSocketConnect(request.headers as HttpHeaders)) return;
    if (this.server.listenerCount('connect') === 1) {
      response.statusCode = 405;
      response.end();
    }
  };

  constructor(
    private readonly server: H2Server,
    private readonly handler: ExtendedConnectHandler,
  ) {
    server.on('stream', this.onStream);
    server.on('connect', this.onConnect);
    // RFC 8441 §3: without this setting a client must not send extended CONNECT. Sessions that
    // are already open keep the settings they were given.
    server.updateSettings({ enableConnectProtocol: true });
  }

  /** Remembers which session a new WebSocket lives on, so the session's GOAWAY reaches it. */
  track(stream: ServerHttp2Stream, connection: Connection<any>): void {
    const session = stream.session;
    if (session === undefined) return;
    let open = bySession.get(session);
    if (open === undefined) {
      open = new Set();
      bySession.set(session, open);
      session.once('goaway', onGoaway);
    }
    open.add(connection);
    stream.once('close', () => open.delete(connection));
    // The server ends a WebSocket's stream only when the connection is over (closing handshake
    // done, or failed). Over TCP the server's close ends it for both sides; over HTTP/2 a peer may
    // keep its half open, waiting for the stream to close (Firefox does, until our close timer
    // fires). So once our END_STREAM is out, the stream is reset with NO_ERROR (RFC 9113 §8.1).
    stream.once('finish', closeStream);
    stream.once('aborted', destroyAborted);
  }

  /** Stops serving (server shutdown): no new session is offered WebSockets over HTTP/2. */
  detach(): void {
    this.server.off('stream', this.onStream);
    this.server.off('connect', this.onConnect);
    this.server.updateSettings({ enableConnectProtocol: false });
  }
}

/**
 * The peer sent GOAWAY: it will open no new streams, and a graceful GOAWAY lets the streams it
 * has run on. A WebSocket has no natural end, so each is closed with 1001 (going away); a GOAWAY
 * with an error destroys the session and its streams, which the transports report as 1006.
 */
function onGoaway(this: Http2Session): void {
  const open = bySession.get(this);
  if (open === undefined) return;
  for (const connection of [...open]) {
    if (connection.state === 'open') connection.close(1001, 'going away').catch(ignore);
  }
}

/**
 * @internal Sends the response that opens the WebSocket (RFC 8441 §5: a 2xx). Returns false when
 * the stream can no longer take a response (reset, or answered by another 'stream' listener).
 */
export function respondOnStream(stream: ServerHttp2Stream, headers: H2Headers): boolean {
  if (stream.destroyed || stream.headersSent) return false;
  try {
    stream.respond(headers);
    return true;
  } catch {
    stream.destroy();
    return false;
  }
}

/**
 * @internal Refuses an extended CONNECT with an HTTP status, headers and a text body, then resets
 * the stream once the response is out (RFC 9113 §8.1 allows RST_STREAM NO_ERROR after a complete
 * response), so a client that keeps sending cannot hold the stream open. Throws UsageError, with
 * nothing sent, for a bad status or header.
 */
export function refuseStream(stream: ServerHttp2Stream, status: number, headers: ExtraHeaders, body: string): void {
  const head = buildExtendedConnectRefusal(status, headers, hasContentType(headers));
  if (stream.destroyed || stream.headersSent) return;
  const bytes = Buffer.from(body, 'utf8');
  head['content-length'] = bytes.length;
  stream.once('finish', () => stream.close());
  stream.respond(head);
  stream.end(bytes);
}

function hasContentType(headers: ExtraHeaders): boolean {
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') return true;
  return false;
}

/**
 * The peer reset the stream (RST_STREAM) while we could still write. Node ends both
 * sides but, for a reset with NO_ERROR, waits for a write that can no longer finish before it
 * destroys the stream, so 'close' would never come: destroy it, and the transport reports 1006.
 */
function destroyAborted(this: Http2Stream): void {
  this.destroy();
}

function closeStream(this: ServerHttp2Stream): void {
  if (!this.closed) this.close();
}

function ignore(): void {}
