import type { Observable } from 'rxjs';
import { NetworkError, TimeoutError, UsageError, type RxwsError } from '../errors';
import { validateOptions } from '../rx/validate-options';
import type { WebSocketClass, WebSocketLike } from '../transport/browser-transport';
import { ClientConnection } from './client-connection';
import { CLIENT_OPTION_RULES, DEFAULT_CLIENT_OPTIONS, type ClientOptions } from './client-options';
import { openingAsObservable, openingAsPromise } from '../client/opening';

/** Where to connect in a browser: a ws:/wss: URL; http:/https: and relative URLs are resolved
 *  against the page's address, as `new WebSocket()` does. */
export type ConnectTarget = string | URL;

/**
 * Opens WebSocket connections with the browser's `WebSocket`, as a cold Observable: each
 * subscription opens one connection, emits one `ClientConnection` once it is open, and completes
 * when that connection has closed, so `repeat`, `retry` and `reconnect` compose.
 *
 * - Unsubscribing before the connection opened abandons the attempt; unsubscribing after it
 *   opened closes it with 1000.
 * - Failures are typed: TimeoutError when it did not open within `handshakeTimeoutMs`, and
 *   NetworkError for everything else. A browser does not tell a refused handshake (401, 404...)
 *   from an unreachable server, so there is no HandshakeError here and both are retried by
 *   `reconnect()`.
 * - The URL and the options are checked when `connect()` is called: a bad URL, an unknown option
 *   or a missing WebSocket class throws a UsageError at once.
 */
export function connect<TData = unknown>(target: ConnectTarget, options?: Partial<ClientOptions>): Observable<ClientConnection<TData>> {
  const plan = planConnection(target, options);
  return openingAsObservable<ClientConnection<TData>>((opened, failed) => open<TData>(plan, opened, failed));
}

/**
 * One connection as a Promise: resolves with the open connection, which the caller then owns
 * (close it with `close()`), or rejects with the same typed errors as `connect()`. A bad URL or
 * option is a usage error and throws at once.
 */
export function openConnection<TData = unknown>(target: ConnectTarget, options?: Partial<ClientOptions>): Promise<ClientConnection<TData>> {
  const plan = planConnection(target, options);
  return openingAsPromise<ClientConnection<TData>>((opened, failed) => open<TData>(plan, opened, failed));
}

/** @internal What every subscription of one `connect()` opens: checked once. Member names of
 *  their own, so that the browser bundle shortens them. */
interface ConnectionPlan {
  /** The resolved ws: or wss: URL. */
  socketUrl: string;
  settings: ClientOptions;
  socketClass: WebSocketClass;
  /** The subprotocols to offer, copied when `connect()` was called (as they were checked). */
  offered: string[];
}

function planConnection(target: ConnectTarget, given: Partial<ClientOptions> | undefined): ConnectionPlan {
  const options = validateOptions<ClientOptions>('client', given, DEFAULT_CLIENT_OPTIONS, CLIENT_OPTION_RULES);
  const webSocketClass = options.webSocketClass ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (webSocketClass === undefined) {
    throw new UsageError('no_websocket', 'no global WebSocket here: pass one as the webSocketClass option');
  }
  return { socketUrl: resolveUrl(target), settings: options, socketClass: webSocketClass, offered: [...(options.protocols ?? [])] };
}

/** The WHATWG WebSocket constructor's URL rules, checked up front so they throw a UsageError. */
function resolveUrl(target: ConnectTarget): string {
  let url: URL;
  try {
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    // A copy of a URL given as one (its scheme may change below); URL turns anything else to text.
    url = new URL(target as string, base);
  } catch {
    throw new UsageError('bad_url', 'not a valid url');
  }
  // http: → ws:, https: → wss: (any other scheme is refused below).
  url.protocol = url.protocol.replace('http', 'ws');
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new UsageError('bad_url', 'the url scheme must be ws:, wss:, http: or https:');
  // RFC 6455 §3: fragment identifiers are meaningless in WebSocket URIs and must not be used
  // (an empty one, `ws://host/#`, too: it is in the href, not in `hash`).
  if (url.href.includes('#')) throw new UsageError('bad_url', 'a websocket url must not have a fragment');
  return url.href;
}

/** Opens one WebSocket. Calls exactly one of `opened` and `failed`, unless aborted first with
 *  the function it returns. */
function open<TData>(plan: ConnectionPlan, opened: (connection: ClientConnection<TData>) => void, failed: (error: RxwsError) => void): () => void {
  const { socketUrl: url, settings: options } = plan;
  let socket: WebSocketLike;
  try {
    socket = new plan.socketClass(url, plan.offered);
  } catch (error) {
    // Only what was checked up front makes it throw (a SyntaxError), or a page's content
    // security policy (a SecurityError): report it rather than throw into the subscriber.
    failed(new UsageError('bad_option', `the browser refused to open a websocket: ${(error as Error).message}`));
    return ignore;
  }
  let finished = false;
  const timer = setTimeout(() => {
    fail(new TimeoutError(`the websocket to ${url} did not open within ${options.handshakeTimeoutMs} ms`, options.handshakeTimeoutMs));
  }, options.handshakeTimeoutMs);

  function settle(): void {
    finished = true;
    clearTimeout(timer);
    socket.onopen = null;
    socket.onclose = null;
  }

  function fail(error: RxwsError): void {
    if (finished) return;
    settle();
    abandon(socket);
    failed(error);
  }

  socket.binaryType = 'arraybuffer';
  socket.onerror = ignore; // the close event that follows says how it ended
  socket.onclose = (event: { code: number }) => fail(new NetworkError(`the websocket to ${url} could not be opened (close code ${event.code})`));
  socket.onopen = () => {
    if (finished) return;
    settle();
    opened(new ClientConnection<TData>(socket, url, options, undefined as TData));
  };

  return () => {
    if (finished) return;
    settle();
    abandon(socket);
  };
}

/** Ends an attempt that has not opened: the browser fails the connection (no close frame). */
function abandon(socket: WebSocketLike): void {
  socket.onmessage = null;
  try {
    socket.close();
  } catch {
    // Closing a socket that is already closed cannot fail in a browser; some libraries throw.
  }
}

function ignore(): void {}
