import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Http2UnsupportedError, NetworkError, type RxwsError } from '../errors';
import type { Connection } from '../rx/connection';
import type { ResolvedTarget } from './connect-target';

/**
 * @internal One HTTP/2 session to an origin, shared by every WebSocket the client opens there
 * over HTTP/2 (RFC 8441): each WebSocket is one stream of it. Users (WebSockets open or opening)
 * hold a lease; the session closes when the last one is released. A session that fails, goes
 * away (GOAWAY) or closes leaves the pool at once, so the next connect dials a new one.
 */
export class PooledSession {
  /** The session, once TLS (with ALPN `h2`) or TCP is up; undefined while dialing. */
  session: http2.ClientHttp2Session | undefined;
  /** The peer's address, for `conn.request.remoteAddress`. */
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  private users = 0;
  private ready = false;
  private failure: RxwsError | undefined;
  private waiters: Array<{ ok: (session: http2.ClientHttp2Session) => void; fail: (error: RxwsError) => void }> = [];
  /** The WebSockets open on this session, for its GOAWAY. */
  private readonly open = new Set<Connection<any>>();
  /** The TCP or TLS connection under the session. */
  private readonly socket: net.Socket;

  constructor(
    private readonly pool: H2SessionPool,
    readonly key: string,
    target: ResolvedTarget,
    tlsOptions: tls.ConnectionOptions | undefined,
  ) {
    const origin = `${target.secure ? 'https' : 'http'}://${target.hostHeader}`;
    const where = target.hostHeader;
    let socket: net.Socket;
    if (target.secure) {
      const given = tlsOptions ?? {};
      // RFC 6066 §3: SNI carries host names only, never IP literals.
      const servername = given.servername ?? (net.isIP(target.host) === 0 ? target.host : undefined);
      // HTTP/1.1 is offered too, so that a server without HTTP/2 completes TLS (instead of
      // failing it with no_application_protocol) and the answer is a typed 'alpn' refusal.
      socket = tls.connect({ ...given, host: target.host, port: target.port, ALPNProtocols: ['h2', 'http/1.1'], ...(servername !== undefined ? { servername } : {}) });
    } else {
      // h2c with prior knowledge (RFC 9113 §3.3): there is no cleartext negotiation to fall back from.
      socket = net.connect({ host: target.host, port: target.port, noDelay: true });
    }
    this.socket = socket;
    const onDialError = (error: Error & { code?: string }) => this.fail(new NetworkError(`connection to ${where} failed: ${error.code ?? 'unknown error'}`, error));
    const onDialClose = () => this.fail(new NetworkError(`${where} closed the connection before the http/2 session started`));
    socket.on('error', onDialError);
    socket.once('close', onDialClose);
    socket.once(target.secure ? 'secureConnect' : 'connect', () => {
      socket.off('error', onDialError);
      socket.off('close', onDialClose);
      if (this.failure !== undefined) return void socket.destroy();
      if (target.secure && (socket as tls.TLSSocket).alpnProtocol !== 'h2') {
        socket.destroy();
        return this.fail(new Http2UnsupportedError(`${where} did not negotiate http/2 (alpn)`, 'alpn'));
      }
      this.remoteAddress = socket.remoteAddress;
      this.remotePort = socket.remotePort;
      this.start(http2.connect(origin, { createConnection: () => socket }), where);
    });
  }

  private start(session: http2.ClientHttp2Session, where: string): void {
    this.session = session;
    session.on('error', (error: Error & { code?: string }) => this.fail(new NetworkError(`http/2 session with ${where} failed: ${error.code ?? 'unknown error'}`, error)));
    session.once('close', () => {
      this.pool.forget(this);
      this.fail(new NetworkError(`${where} closed the http/2 session`));
    });
    session.once('goaway', () => {
      // No new stream may be opened on it (RFC 9113 §6.8); the WebSockets on it are ended
      // (1001 here; a GOAWAY with an error destroys the session, which reports 1006).
      this.pool.forget(this);
      for (const connection of [...this.open]) if (connection.state === 'open') connection.close(1001, 'going away').catch(ignore);
    });
    // RFC 8441 §3: extended CONNECT only once the server's SETTINGS enabled it.
    session.once('remoteSettings', (settings: http2.Settings) => {
      if (settings.enableConnectProtocol !== true) {
        return this.fail(new Http2UnsupportedError(`${where} does not enable websockets over http/2 (SETTINGS_ENABLE_CONNECT_PROTOCOL)`, 'setting'));
      }
      this.ready = true;
      const waiters = this.waiters;
      this.waiters = [];
      for (const waiter of waiters) waiter.ok(session);
    });
  }

  /** Takes a lease; release it exactly once with `release()`. */
  acquire(): void {
    this.users++;
  }

  /**
   * Calls `ok` with the session once it can carry WebSockets, or `fail` with why it cannot
   * (Http2UnsupportedError, NetworkError). Returns a function that stops waiting.
   */
  whenReady(ok: (session: http2.ClientHttp2Session) => void, fail: (error: RxwsError) => void): () => void {
    if (this.failure !== undefined) {
      fail(this.failure);
      return ignore;
    }
    if (this.ready && this.session !== undefined && !this.session.closed && !this.session.destroyed) {
      ok(this.session);
      return ignore;
    }
    const waiter = { ok, fail };
    this.waiters.push(waiter);
    return () => {
      const index = this.waiters.indexOf(waiter);
      if (index >= 0) this.waiters.splice(index, 1);
    };
  }

  /** A WebSocket opened on this session: it is closed with 1001 when the session goes away. */
  track(connection: Connection<any>, stream: http2.ClientHttp2Stream): void {
    this.open.add(connection);
    stream.once('close', () => this.open.delete(connection));
  }

  /** Gives a lease back; the last one closes the session (gracefully: its streams are done). */
  release(): void {
    this.users--;
    if (this.users > 0) return;
    this.pool.forget(this);
    const session = this.session;
    if (session !== undefined && !session.closed && !session.destroyed) session.close();
    else if (session === undefined) this.fail(new NetworkError('http/2 session no longer needed'));
  }

  private fail(error: RxwsError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.pool.forget(this);
    // Not from inside the session's own event (its SETTINGS): a session destroyed there keeps
    // its native handle alive. One turn later it is released.
    const session = this.session;
    if (session !== undefined) setImmediate(destroySession, session);
    this.socket.destroy();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.fail(error);
  }
}

/** Ids for option values compared by identity (functions, secure contexts, agents). */
const identities = new WeakMap<object, number>();
let nextIdentity = 1;

/**
 * A session's TLS was set up and checked with its `tls` options, so only connections with the
 * same options share it. Compared by value where that is cheap and what users write inline
 * (`{ rejectUnauthorized: false }`, a `ca` read once or each time): strings, numbers, booleans
 * and buffers by content, lists element by element; anything else by identity.
 */
export function tlsKey(value: unknown): string {
  if (value === undefined) return '-';
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' ? `#${identityOf(value)}` : JSON.stringify(value) ?? String(value);
  }
  if (value instanceof Uint8Array) return `b:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}`;
  if (Array.isArray(value)) return `[${value.map(tlsKey).join(',')}]`;
  if (Object.getPrototypeOf(value) !== Object.prototype) return `#${identityOf(value)}`;
  const entries = Object.keys(value as object)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${tlsKey((value as Record<string, unknown>)[name])}`);
  return `{${entries.join(',')}}`;
}

function identityOf(value: object): number {
  let id = identities.get(value);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(value, id);
  }
  return id;
}

/**
 * @internal HTTP/2 sessions by origin (scheme, host, port) and TLS options, so every WebSocket
 * the client opens over HTTP/2 to one origin multiplexes on one connection.
 */
export class H2SessionPool {
  private readonly sessions = new Map<string, PooledSession>();

  /** A lease on the live session for `target`, dialing one if there is none. */
  lease(target: ResolvedTarget, tlsOptions: tls.ConnectionOptions | undefined): PooledSession {
    const key = `${target.secure ? tlsKey(tlsOptions) : '-'}|${target.secure ? 'https' : 'http'}://${target.host}:${target.port}`;
    let pooled = this.sessions.get(key);
    if (pooled === undefined) {
      pooled = new PooledSession(this, key, target, tlsOptions);
      this.sessions.set(key, pooled);
    }
    pooled.acquire();
    return pooled;
  }

  /** Takes a session out of the pool (closing, failed, gone away); its leases stay valid. */
  forget(pooled: PooledSession): void {
    if (this.sessions.get(pooled.key) === pooled) this.sessions.delete(pooled.key);
  }

  /** Sessions in the pool (for tests and diagnostics). */
  get size(): number {
    return this.sessions.size;
  }
}

/** @internal The pool `connect()` uses. */
export const h2Sessions = new H2SessionPool();

function destroySession(session: http2.ClientHttp2Session): void {
  session.destroy();
}

function ignore(): void {}
