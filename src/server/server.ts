import * as net from 'node:net';
import * as tls from 'node:tls';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Http2SecureServer, Http2Server, ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { Observable, Subject } from 'rxjs';
import { RxwsError, UsageError, type HttpHeaders } from '../errors';
import { buildAcceptResponse, buildRejectResponse, validateUpgradeRequest, type UpgradeRequestInfo } from '../handshake/server-handshake';
import { HttpHeadParser, type HttpHeadLimits, type HttpRequestHead } from '../handshake/http-head-parser';
import { buildExtendedConnectResponse, validateExtendedConnect, type ExtendedConnectInfo, type H2Headers } from '../handshake/extended-connect';
import { negotiatePerMessageDeflate } from '../extensions/permessage-deflate';
import { Connection } from '../rx/connection';
import { DEFAULT_CONNECTION_OPTIONS, type ConnectionOptions } from '../rx/connection-options';
import { NO_PARAMS, type KeptUpgradeRequest, type UpgradeRequest } from '../rx/upgrade-request';
import { CONNECTION_OPTION_RULES, aFunction, aString, integer, type OptionRules, trueOrFalse, validateOptions } from '../rx/validate-options';
import { computeAcceptKey } from '../transport/accept-key';
import { ReadBudget } from '../transport/read-budget';
import { ExpiryQueue, type Expiring } from '../transport/expiry-queue';
import { nodeLatin1 } from '../transport/node-latin1';
import { replyAndClose } from '../transport/reply';
import type { ByteStream } from '../transport/socket-transport';
import { isRejection, runAcceptHook, type AcceptDecision } from './accept';
import { H2Attachment, isHttp2Server, refuseStream, respondOnStream } from './h2-attach';
import { HeadTemplates } from './head-templates';
import { KeptRequest, KeptRequestWithParams, upgradeRequestOf } from './kept-request';
import { Route, type RouteOptions } from './route';
import { Router } from './router';
import type { Topic } from './topic';
import { TopicRegistry } from './topic-registry';
import { checkCloseToSend } from '../protocol/close-payload';
import { nodeTextCodec } from '../transport/node-text-codec';
import type { Bus } from '../bus/bus';

/** Server settings, with the connection settings every route inherits. Units are in the names;
 *  every one is checked when the server is made: an unknown key or a value out of range throws
 *  a UsageError. */
export interface ServerOptions extends ConnectionOptions {
  /** Port for `listen()`; 0 picks a free one. Default 0. */
  port: number;
  /** Address for `listen()`. Default: all interfaces (Node's default). */
  host: string | undefined;
  /** Listen with TLS (wss://) using these Node `tls` options (key, cert, ...). */
  tls: tls.TlsOptions | undefined;
  /** Attach to this http/https server instead of listening: its `upgrade` requests are ours.
   *  A `node:http2` server (secure, or cleartext h2c) also serves WebSockets over HTTP/2
   *  (RFC 8441): attaching turns on its SETTINGS_ENABLE_CONNECT_PROTOCOL and answers extended
   *  CONNECT requests with `:protocol: websocket` on the same routes; other CONNECT requests are
   *  left to the application. With `allowHTTP1`, HTTP/1.1 upgrades keep working on it. */
  server: HttpServer | Http2SecureServer | Http2Server | undefined;
  /** Time allowed from TCP accept to the 101 (slowloris guard). Default 10,000. */
  handshakeTimeoutMs: number;
  /** Largest request head (request line and headers); larger gets 431. Default 16,384. */
  maxHeaderBytes: number;
  /** Most request headers; more gets 431. Default 100. */
  maxHeaderCount: number;
  /** Open connections allowed on the whole server; the next handshake gets 503. Default: no cap. */
  maxConnections: number | undefined;
  /**
   * Bytes of incoming messages held across all connections: partly received messages, messages
   * being decompressed, and backlogs waiting for a subscriber. Past it, connections whose message
   * needs more stop reading until memory frees (one at a time may finish a message past it, so
   * nothing deadlocks). Default 256 MiB. See docs/security.md.
   */
  maxBufferedMessageBytes: number;
  /**
   * What connects this server's topics to the same topics on other servers: `clusterBus()` for
   * the workers of one `node:cluster`, `redisBus(url)` from `@rxws/rxws/redis` for several
   * machines, `new MemoryBusHub().bus()` in one process. One bus per server; the server closes it
   * when it closes, and forwards its errors to `errors$`. Default: none (topics are this server's).
   */
  bus: Bus | undefined;
}

/** The server defaults: the connection defaults plus the handshake limits. */
export const DEFAULT_SERVER_OPTIONS: Readonly<ServerOptions> = Object.freeze({
  ...DEFAULT_CONNECTION_OPTIONS,
  port: 0,
  host: undefined,
  tls: undefined,
  server: undefined,
  handshakeTimeoutMs: 10_000,
  maxHeaderBytes: 16_384,
  maxHeaderCount: 100,
  maxConnections: undefined,
  maxBufferedMessageBytes: 256 * 1024 * 1024,
  bus: undefined,
});

const isObject = (what: string) => (value: unknown) => (typeof value === 'object' && value !== null ? undefined : `must be ${what}`);

const SERVER_OPTION_RULES: OptionRules<ServerOptions> = {
  ...CONNECTION_OPTION_RULES,
  port: integer(0, 65535),
  host: aString,
  tls: isObject('an object of tls options'),
  server: (v) => (typeof (v as HttpServer | null)?.on === 'function' ? undefined : 'must be an http or https server'),
  handshakeTimeoutMs: integer(1, 2_147_483_647),
  maxHeaderBytes: integer(256, 1024 * 1024),
  maxHeaderCount: integer(1, 10_000),
  maxConnections: integer(0, Number.MAX_SAFE_INTEGER),
  maxBufferedMessageBytes: integer(1, Number.MAX_SAFE_INTEGER),
  bus: (v) => (['publish', 'publishCounted', 'subscribe', 'unsubscribe', 'close'].every((m) => typeof (v as Record<string, unknown> | null)?.[m] === 'function') && typeof (v as Bus).errors$?.subscribe === 'function' ? undefined : 'must be a Bus'),
};

const ROUTE_ONLY_RULES = {
  host: aString,
  path: (v: unknown) => (typeof v === 'string' && v.startsWith('/') ? undefined : 'must be a string starting with /'),
  defaultHost: trueOrFalse,
  defaultPath: trueOrFalse,
  accept: aFunction,
  handle: aFunction,
  protocols: (v: unknown) => (Array.isArray(v) && v.every((p) => typeof p === 'string') ? undefined : 'must be an array of strings'),
  allowOrigins: (v: unknown) => (typeof v === 'function' || (Array.isArray(v) && v.every((o) => typeof o === 'string')) ? undefined : 'must be an array of strings or a function'),
  maxConnections: integer(0, Number.MAX_SAFE_INTEGER),
} as const;

/** Options for the graceful `WebSocketServer.close`. */
export interface ServerCloseOptions {
  /** Close code sent to every open connection. Default 1001 (going away). */
  code?: number;
  /** Close reason sent with it, at most 123 UTF-8 bytes. Default 'server shutting down'. */
  reason?: string;
  /** Milliseconds to wait for closing handshakes before terminating the rest. Default:
   *  `closeTimeoutMs`. */
  timeoutMs?: number;
}

/** A request whose handshake is under way. `expiresAt` is its `handshakeTimeoutMs` deadline. */
interface Handshake extends Expiring {
  /** The TCP/TLS socket, or the HTTP/2 stream of an extended CONNECT (RFC 8441). */
  socket: ByteStream;
  /** True when `socket` is an HTTP/2 stream: answers are HTTP/2 responses, not HTTP/1.1 text. */
  h2: boolean;
  /** Where the peer's address is read: the socket itself, or the HTTP/2 session's socket. */
  peer: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined };
  secure: boolean;
  /** True when we read the head ourselves (listen mode): plain HTTP requests get 426 there. */
  standalone: boolean;
  /** Listen mode: the request head read so far (made at the first chunk). */
  parser: HttpHeadParser<HttpRequestHead> | undefined;
  /** Listen mode: the head has come in one chunk so far (see readHead). */
  oneChunk: boolean;
  /** Ends the handshake when the socket closes under it. */
  onClose: () => void;
  /** Cancels an accept hook still running (an Observable) when the handshake ends. */
  cancelHook?: () => void;
}

const EMPTY = new Uint8Array(0);

function ignoreError(): void {
  // 'close' follows; an aborted handshake needs no report.
}

/**
 * A WebSocket server: listen on a port (plain or TLS), attach to an http(s) server, or be driven
 * by `handleUpgrade`. Routes by host and path decide who handles a request; a request that
 * matches no route gets 404.
 */
export class WebSocketServer {
  /** The settings in force: the defaults (`DEFAULT_SERVER_OPTIONS`) with the constructor's
   *  options applied. Frozen. */
  readonly options: Readonly<ServerOptions>;
  /** Every route's new connections, merged, each once its handshake succeeded. Hot (no replay);
   *  completes when the server has closed. */
  readonly connections$: Observable<Connection<unknown>>;
  /** Failures that are not a peer's fault: accept hooks that threw (`AcceptHookError`), route
   *  handlers that failed (`HandlerError`). Hot; completes when the server has closed. */
  readonly errors$: Observable<RxwsError>;

  private readonly router = new Router<Route<any>>();
  private readonly connectionSubject = new Subject<Connection<unknown>>();
  private readonly errorSubject = new Subject<RxwsError>();
  private readonly open = new Set<Connection<any>>();
  /** Handshakes under way, in the order they started: one timer for all their
   *  `handshakeTimeoutMs` deadlines. */
  private readonly handshakes: ExpiryQueue<Handshake>;
  private readonly topics = new TopicRegistry(this.open, this.errorSubject);
  private listener: net.Server | undefined;
  private closing: Promise<void> | undefined;
  private readonly readBudget: ReadBudget;
  /** The request head limits, validated once for every handshake's parser. */
  private readonly headLimits: Readonly<HttpHeadLimits>;
  /** Kept heads shared by the connections that sent the same one but for the key. */
  private readonly headTemplates = new HeadTemplates();
  /** The RFC 8441 side of an attached `node:http2` server. */
  private readonly h2: H2Attachment | undefined;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(request, socket, head);

  /**
   * Makes a server; nothing listens until `listen()` (unless `server` attaches it to an http
   * server, whose upgrade requests it then takes at once).
   * @param options - overrides of `DEFAULT_SERVER_OPTIONS`; an unknown key or a value out of
   *   range throws a UsageError
   */
  constructor(options?: Partial<ServerOptions>) {
    this.options = validateOptions('server', options, DEFAULT_SERVER_OPTIONS, SERVER_OPTION_RULES);
    this.readBudget = new ReadBudget(this.options.maxBufferedMessageBytes);
    this.handshakes = new ExpiryQueue(this.options.handshakeTimeoutMs, (handshake) => this.abortHandshake(handshake));
    this.headLimits = Object.freeze({ maxHeaderBytes: this.options.maxHeaderBytes, maxHeaderCount: this.options.maxHeaderCount });
    this.connections$ = this.connectionSubject.asObservable();
    this.errors$ = this.errorSubject.asObservable();
    const attached = this.options.server;
    if (attached !== undefined) {
      attached.on('upgrade', this.onUpgrade);
      if (isHttp2Server(attached)) this.h2 = new H2Attachment(attached, this);
    }
    if (this.options.bus !== undefined) this.topics.connect(this.options.bus);
  }

  /**
   * Adds a route: the host and path it answers, how it accepts handshakes, its connection
   * settings (overriding the server's), and optionally a `handle` for each connection. Returns
   * the Route, whose `connections$` emits its connections. A route that conflicts with one
   * already added (same host and path, a second default), a path without a leading `/`, or a bad
   * option throws a UsageError.
   */
  route<TData = unknown>(options: RouteOptions<TData>): Route<TData> {
    const { host, path, defaultHost, defaultPath, accept, handle, protocols, allowOrigins, maxConnections, ...overrides } = options;
    validateOptions('route', { host, path, defaultHost, defaultPath, accept, handle, protocols, allowOrigins, maxConnections }, {} as never, ROUTE_ONLY_RULES as never);
    const connectionOptions = validateOptions<ConnectionOptions>('route', overrides, this.options, CONNECTION_OPTION_RULES);
    const route = new Route<TData>(
      options,
      connectionOptions,
      (error) => this.errorSubject.next(error),
      (connection) => {
        this.open.delete(connection);
        this.topics.connectionClosed(connection);
      },
    );
    this.router.add(route, options);
    return route;
  }

  /**
   * The topic of that name on this server: publish/subscribe between this server's connections.
   * `topic.join(conn)` makes a connection a member, `topic.publish(message)` sends to every member
   * with the frame encoded once. Made on first use, and holds no memory while it has no members,
   * so names can be made up freely (one per user, per document...). Throws a UsageError if `name`
   * is not a string.
   */
  topic(name: string): Topic {
    return this.topics.topic(name);
  }

  /**
   * Starts listening on `port` and `host` (TLS when `tls` is set) and resolves with the bound
   * address (port 0 picks a free port: read it here). Rejects with Node's error when it cannot
   * bind (EADDRINUSE...). Throws a UsageError when attached to an http server, when already
   * listening, or after `close()`.
   */
  listen(): Promise<net.AddressInfo> {
    if (this.options.server !== undefined) throw new UsageError('attached', 'this server is attached to an http server: listen on that one');
    if (this.listener !== undefined) throw new UsageError('already_listening', 'listen() was already called');
    if (this.closing !== undefined) throw new UsageError('closed', 'the server is closed');
    const secure = this.options.tls !== undefined;
    const onSocket = (socket: net.Socket) => this.acceptSocket(socket, secure);
    const listener = secure ? tls.createServer(this.options.tls!, onSocket) : net.createServer({ noDelay: true }, onSocket);
    if (secure) listener.on('tlsClientError', ignoreError);
    this.listener = listener;
    return new Promise((resolve, rejectListen) => {
      listener.once('error', rejectListen);
      listener.listen(this.options.port, this.options.host, () => {
        listener.off('error', rejectListen);
        resolve(listener.address() as net.AddressInfo);
      });
    });
  }

  /** The bound address after `listen()` has resolved; undefined before, and when attached. */
  get address(): net.AddressInfo | undefined {
    const address = this.listener?.address();
    return typeof address === 'object' && address !== null ? address : undefined;
  }

  /** Open connections across every route (a live view, kept by the server: do not mutate). */
  get connections(): ReadonlySet<Connection<any>> {
    return this.open;
  }

  /** Bytes of incoming messages held now across every connection, as bounded by
   *  `maxBufferedMessageBytes` (for monitoring). */
  get bufferedMessageBytes(): number {
    return this.readBudget.heldBytes;
  }

  /**
   * Handles an upgrade request whose head an http server has already parsed: for frameworks that
   * own the HTTP server (call it from their `upgrade` event with its three arguments). The
   * socket is answered either way: 101 and a connection on the matching route, or an HTTP error
   * (400, 403, 404, 426, 503...) and closed. Never throws for a bad request.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const tcp = socket as net.Socket;
    tcp.on('error', ignoreError);
    if (this.closing !== undefined) return replyAndClose(tcp, buildRejectResponse(503, {}, 'server is shutting down'));
    const handshake = this.startHandshake(tcp, (tcp as Partial<tls.TLSSocket>).encrypted === true, false);
    tcp.pause();
    this.upgrade(handshake, request.method ?? '', request.url ?? '', `${request.httpVersion}`, request.headers as HttpHeaders, head);
  }

  /**
   * @internal An RFC 8441 extended CONNECT with `:protocol: websocket` on an attached HTTP/2
   * server: the same checks, routes and accept hook as an HTTP/1.1 upgrade, answered with an
   * HTTP/2 response on the stream (200 to accept).
   */
  handleExtendedConnect(stream: ServerHttp2Stream, headers: HttpHeaders): void {
    // An RST_STREAM during the handshake is routine; 'close' follows and ends the handshake.
    stream.on('error', ignoreError);
    const session = stream.session?.socket;
    const handshake = this.startHandshake(stream, (session as Partial<tls.TLSSocket> | undefined)?.encrypted === true, false, session ?? {});
    if (this.closing !== undefined) return this.refuse(handshake, 503, 'server is shutting down');
    const validation = validateExtendedConnect(headers);
    if (!validation.ok) return this.refuse(handshake, validation.status, validation.message, validation.headers);
    this.routeHandshake(handshake, 'CONNECT', headers[':path'] as string, headers, validation.info, EMPTY);
  }

  /**
   * Graceful shutdown: stop accepting (handshakes in flight get 503), send 1001 to every open
   * connection, wait up to the timeout for the closing handshakes, terminate the rest, wait for
   * what each route's `handle` returned to finish (at most the route's `closeTimeoutMs` after
   * its connection closed), complete every `connections$`, and resolve. Every message a client
   * sent before it received the close frame reaches `messages$` first (see
   * docs/how-to/graceful-shutdown.md). Calling it again returns the same promise; a `code` that
   * may not be sent or a `reason` over 123 bytes rejects before anything changes. An attached
   * http server is left running (only its upgrade listener is removed).
   */
  close(options: ServerCloseOptions = {}): Promise<void> {
    if (this.closing === undefined) {
      // Checked before anything changes: a code that may not be sent must not leave the server
      // half shut down (no longer accepting, its connections still open).
      try {
        checkCloseToSend(options.code ?? 1001, options.reason ?? 'server shutting down', nodeTextCodec);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.closing ??= this.shutdown(options);
    return this.closing;
  }

  // Handshake ----------------------------------------------------------------------------------

  private startHandshake(socket: ByteStream, secure: boolean, standalone: boolean, h2Peer?: Handshake['peer']): Handshake {
    const handshake: Handshake = {
      socket,
      h2: h2Peer !== undefined,
      peer: h2Peer ?? (socket as net.Socket),
      secure,
      standalone,
      parser: undefined,
      oneChunk: true,
      cancelHook: undefined,
      onClose: () => this.endHandshake(handshake),
      expiresAt: 0,
      expiryPrev: undefined,
      expiryNext: undefined,
    };
    this.handshakes.add(handshake);
    socket.on('close', handshake.onClose);
    return handshake;
  }

  private endHandshake(handshake: Handshake): void {
    this.handshakes.delete(handshake);
    handshake.socket.off('close', handshake.onClose);
    handshake.cancelHook?.();
    handshake.cancelHook = undefined;
  }

  /** A handshake that is not done in `handshakeTimeoutMs` (a slowloris) is dropped without a
   *  reply. */
  private abortHandshake(handshake: Handshake): void {
    this.endHandshake(handshake);
    handshake.socket.destroy();
  }

  private refuse(handshake: Handshake, status: number, message: string, headers: Record<string, string> = {}): void {
    this.endHandshake(handshake);
    // Nothing more is read from a refused peer while the answer goes out (listen mode left the
    // socket flowing; the other modes never let it flow).
    if (handshake.standalone) handshake.socket.pause();
    if (handshake.h2) refuseStream(handshake.socket as ServerHttp2Stream, status, headers, message);
    else replyAndClose(handshake.socket, buildRejectResponse(status, headers, message));
  }

  /** Listen mode: read and parse the request head ourselves, bounded in size and time. */
  private acceptSocket(socket: net.Socket, secure: boolean): void {
    socket.on('error', ignoreError);
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    const handshake = this.startHandshake(socket, secure, true);
    const onData = (chunk: Buffer) => this.readHead(handshake, socket, chunk, onData);
    socket.on('data', onData);
  }

  /** Listen mode: the next chunk of a request head. */
  private readHead(handshake: Handshake, socket: net.Socket, chunk: Buffer, onData: (chunk: Buffer) => void): void {
    const parser = (handshake.parser ??= HttpHeadParser.request(this.headLimits, nodeLatin1));
    const result = parser.push(chunk);
    if (result.kind === 'incomplete') {
      // A head that came in one chunk can be kept as its text (KeptRequest); one that came in
      // pieces is parsed for good, as holding the pieces would let a slow sender pin them all.
      handshake.oneChunk = false;
      return;
    }
    handshake.parser = undefined;
    socket.off('data', onData);
    // The socket is left flowing: without an accept hook the connection takes over its 'data'
    // before this returns, and whatever waits (a hook, a refusal) pauses it first.
    if (result.kind === 'error') return this.refuse(handshake, result.status, result.message);
    const head: HttpRequestHead = result.head;
    this.upgrade(handshake, head.method, head.target, head.httpVersion, head.headers, result.rest, handshake.oneChunk ? chunk : undefined);
  }

  /** Validation, routing, origin and capacity checks, then the accept hook. `headChunk`: the
   *  chunk that carried the whole head (and `rest` after it), when we read one (listen mode). */
  private upgrade(
    handshake: Handshake,
    method: string,
    target: string,
    httpVersion: string,
    headers: HttpHeaders,
    rest: Uint8Array,
    headChunk?: Buffer,
  ): void {
    if (this.closing !== undefined) return this.refuse(handshake, 503, 'server is shutting down');
    if (handshake.standalone && headers['upgrade'] === undefined) {
      return this.refuse(handshake, 426, 'this is a websocket server', { upgrade: 'websocket' });
    }
    const validation = validateUpgradeRequest(method, target, headers, httpVersion);
    if (!validation.ok) return this.refuse(handshake, validation.status, validation.message, validation.headers);
    this.routeHandshake(handshake, 'GET', target, headers, validation.info, rest, headChunk);
  }

  /** Routing, origin and capacity checks, then the accept hook: the same for both HTTP versions. */
  private routeHandshake(
    handshake: Handshake,
    method: 'GET' | 'CONNECT',
    target: string,
    headers: HttpHeaders,
    info: UpgradeRequestInfo | ExtendedConnectInfo,
    rest: Uint8Array,
    headChunk?: Buffer,
  ): void {
    const match = this.router.lookup(info.host, info.path);
    if (match === undefined) return this.refuse(handshake, 404, 'no websocket route here');
    const { route, params } = match;
    if (params === undefined) return this.refuse(handshake, 400, 'malformed percent-encoding in the path');
    if (!originAllowed(route.options.allowOrigins, info.origin)) return this.refuse(handshake, 403, 'origin not allowed');
    if (this.full(route)) return this.refuse(handshake, 503, 'too many connections');
    const peer = handshake.peer;
    const hook = route.options.accept;
    if (hook === undefined) {
      // Nobody sees the request before the connection opens: keep its head's text rather than the
      // parsed request, for as long as nobody reads `conn.request`.
      let request: UpgradeRequest | KeptRequest;
      if (headChunk === undefined) {
        request = upgradeRequestOf(target, headers, info, peer.remoteAddress, peer.remotePort, handshake.secure, params, method);
      } else {
        const head = headChunk.toString('latin1', 0, headChunk.length - rest.length);
        const key = headers['sec-websocket-key'];
        const template = typeof key === 'string' ? this.headTemplates.shared(head, key) : undefined;
        // The key as a string of its own: the parsed value is a slice of the chunk's text, and
        // would keep the whole head alive.
        const keptKey = template === undefined ? undefined : headChunk.toString('latin1', template.keyAt, template.keyAt + (key as string).length);
        const kept = template ?? head;
        request =
          params === NO_PARAMS
            ? new KeptRequest(kept, keptKey, peer.remoteAddress, peer.remotePort, handshake.secure)
            : new KeptRequestWithParams(kept, keptKey, peer.remoteAddress, peer.remotePort, handshake.secure, params);
      }
      return this.complete(handshake, route, request, info, undefined, rest);
    }
    const request = upgradeRequestOf(target, headers, info, peer.remoteAddress, peer.remotePort, handshake.secure, params, method);
    // Nothing is read while the hook decides (it may take its time): the connection resumes.
    if (handshake.standalone) handshake.socket.pause();
    handshake.cancelHook = runAcceptHook(
      hook,
      request,
      (decision) => this.complete(handshake, route, request, info, decision, rest),
      (error) => {
        this.errorSubject.next(new AcceptHookError(error));
        if (!handshake.socket.destroyed) this.refuse(handshake, 500, 'internal server error');
      },
    );
  }

  /** The accept hook has decided: write the 101 and open the connection, or refuse. */
  private complete(
    handshake: Handshake,
    route: Route<any>,
    request: UpgradeRequest | KeptUpgradeRequest,
    info: UpgradeRequestInfo | ExtendedConnectInfo,
    decision: AcceptDecision<unknown>,
    rest: Uint8Array,
  ): void {
    const socket = handshake.socket;
    if (socket.destroyed || !this.handshakes.has(handshake)) return this.endHandshake(handshake);
    if (this.closing !== undefined) return this.refuse(handshake, 503, 'server is shutting down');
    if (isRejection(decision)) return this.refuseWith(handshake, decision.status, decision.headers, decision.body);
    if (decision === false) return this.refuse(handshake, 403, 'forbidden');
    const acceptance = typeof decision === 'object' && decision !== null ? decision : {};
    let protocol = acceptance.protocol;
    if (protocol === undefined) {
      const supported = route.options.protocols;
      if (supported !== undefined) protocol = info.protocols.find((offered) => supported.includes(offered));
    } else if (!info.protocols.includes(protocol)) {
      this.errorSubject.next(new UsageError('bad_protocol', `the accept hook chose subprotocol '${protocol}', which the client did not offer`));
      return this.refuse(handshake, 500, 'internal server error');
    }
    if (this.full(route)) return this.refuse(handshake, 503, 'too many connections');
    let response: string | H2Headers;
    let deflate: ReturnType<typeof negotiatePerMessageDeflate>;
    try {
      // RFC 7692 §5: the first acceptable permessage-deflate offer, if the route enables it.
      deflate = negotiatePerMessageDeflate(info.extensions, route.connectionOptions.perMessageDeflate);
      response = handshake.h2
        ? buildExtendedConnectResponse({ protocol, extensions: deflate?.header, headers: acceptance.headers })
        : buildAcceptResponse({ accept: computeAcceptKey((info as UpgradeRequestInfo).key), protocol, extensions: deflate?.header, headers: acceptance.headers });
    } catch (error) {
      this.errorSubject.next(error instanceof RxwsError ? error : new AcceptHookError(error));
      return this.refuse(handshake, 500, 'internal server error');
    }
    this.endHandshake(handshake);
    if (typeof response === 'string') socket.write(response);
    // RFC 8441 §5: a 200 opens the WebSocket; a stream that can no longer answer is gone already.
    else if (!respondOnStream(socket as ServerHttp2Stream, response)) return;
    const connection = new Connection<unknown>({
      socket,
      role: 'server',
      options: route.connectionOptions,
      request,
      response: undefined,
      protocol,
      data: acceptance.data,
      head: rest,
      deflate,
      readBudget: this.readBudget,
    });
    // The transport listens for 'error' now; the handshake's no-op listener can go.
    socket.off('error', ignoreError);
    if (handshake.h2) this.h2?.track(socket as ServerHttp2Stream, connection);
    // The route tells the server when it closes (its `untrack`): one registration per connection.
    this.open.add(connection);
    route.add(connection);
    // Most servers listen on their routes' connections$ only: no emission to nobody per handshake.
    if (this.connectionSubject.observed) this.connectionSubject.next(connection);
  }

  private refuseWithText(handshake: Handshake, status: number, headers: Record<string, string | number | string[]>, body: string): void {
    let response: string;
    try {
      response = buildRejectResponse(status, headers, body);
    } catch (error) {
      this.errorSubject.next(error instanceof RxwsError ? error : new AcceptHookError(error));
      response = buildRejectResponse(500, {}, 'internal server error');
    }
    this.endHandshake(handshake);
    replyAndClose(handshake.socket, response);
  }

  /** An accept hook's own refusal (its status, headers and body), checked before anything is sent. */
  private refuseWith(handshake: Handshake, status: number, headers: Record<string, string | number | string[]>, body: string): void {
    if (!handshake.h2) return this.refuseWithText(handshake, status, headers, body);
    this.endHandshake(handshake);
    try {
      refuseStream(handshake.socket as ServerHttp2Stream, status, headers, body);
    } catch (error) {
      this.errorSubject.next(error instanceof RxwsError ? error : new AcceptHookError(error));
      refuseStream(handshake.socket as ServerHttp2Stream, 500, {}, 'internal server error');
    }
  }

  private full(route: Route<any>): boolean {
    const cap = this.options.maxConnections;
    return route.full || (cap !== undefined && this.open.size >= cap);
  }

  // Shutdown -----------------------------------------------------------------------------------

  private async shutdown(options: ServerCloseOptions): Promise<void> {
    const listener = this.listener;
    const stopped = listener === undefined ? Promise.resolve() : new Promise<void>((resolve) => listener.close(() => resolve()));
    this.options.server?.off('upgrade', this.onUpgrade);
    this.h2?.detach();
    for (const handshake of this.handshakes.values()) this.refuse(handshake, 503, 'server is shutting down');
    this.handshakes.stop();
    const code = options.code ?? 1001;
    const reason = options.reason ?? 'server shutting down';
    const timeoutMs = options.timeoutMs ?? this.options.closeTimeoutMs;
    const open = [...this.open];
    const closed = Promise.all(open.map((connection) => connection.close(code, reason)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    for (const connection of open) if (connection.state !== 'closed') connection.terminate();
    await closed;
    // What each route's `handle` returned may still be finishing the last messages (bounded).
    await Promise.all(this.router.routes().map((route) => route.handlersFinished()));
    for (const route of this.router.routes()) route.complete();
    this.connectionSubject.complete();
    await stopped;
    await this.topics.close();
    this.errorSubject.complete();
  }
}

/** An accept hook threw, rejected or errored; the handshake was answered with 500. Reported on
 *  `server.errors$`; `code` is `'accept_hook_error'`. */
export class AcceptHookError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'AcceptHookError';
  /** Made by the server; exported for `instanceof`.
   *  @param cause - what the hook threw or rejected with */
  constructor(
    /** What the hook threw, rejected or errored with. */
    override readonly cause: unknown,
  ) {
    super('accept_hook_error', 'an accept hook failed; the handshake was answered with 500');
  }
}

function originAllowed(rule: RouteOptions['allowOrigins'], origin: string | undefined): boolean {
  if (rule === undefined) return true;
  if (typeof rule === 'function') return rule(origin);
  return origin !== undefined && rule.includes(origin);
}
