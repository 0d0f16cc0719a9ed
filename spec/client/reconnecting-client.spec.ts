import { Observable, ReplaySubject, Subject, config as rxjsConfig, defer, filter, firstValueFrom } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { MessageDroppedError, type ReconnectingClientState } from '../../src/client/reconnecting-client';
import { ReconnectingClient } from '../../src/client/node-reconnecting-client';
import { HandshakeError, NetworkError, RxwsError, UsageError } from '../../src/errors';
import type { Connection } from '../../src/rx/connection';
import type { CloseMessage, Message, OutgoingMessage } from '../../src/rx/message';
import { ofText } from '../../src/rx/operators/of-text';
import { reject } from '../../src/server/accept';
import { WebSocketServer } from '../../src/server/server';
import { startRawServer } from '../helpers/raw-server';
import { delay, eventually } from './connect-helpers';

/** Enough of a client Connection for the client object: state, sink, messages$, closed$, close(). */
class FakeConnection {
  state: 'open' | 'closing' | 'closed' = 'open';
  localCloseCode: number | undefined;
  readonly sent: OutgoingMessage[] = [];
  private readonly messages = new Subject<Message>();
  private readonly closed = new ReplaySubject<CloseMessage>(1);
  readonly messages$ = this.messages.asObservable();
  readonly closed$ = this.closed.asObservable();
  readonly errors$ = new Subject<RxwsError>();
  readonly sink = {
    next: (message: OutgoingMessage) => {
      if (this.state === 'open') this.sent.push(message);
      else this.errors$.next(new RxwsError('send_after_close', 'dropped'));
    },
    error: () => this.close(1011),
    complete: () => this.close(1000),
  };

  receive(text: string): void {
    this.messages.next({ type: 'text', data: text });
  }

  /** The server closes (or the connection drops, with 1006). */
  end(code: number): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const close: CloseMessage = { type: 'close', code, reason: '', wasClean: code !== 1006 };
    this.messages.next(close);
    this.messages.complete();
    this.closed.next(close);
    this.closed.complete();
    this.errors$.complete();
  }

  close(code = 1000): Promise<CloseMessage> {
    if (this.state === 'open') {
      this.localCloseCode = code;
      this.state = 'closing';
      this.end(code);
    }
    return new Promise((resolve) => this.closed$.subscribe(resolve));
  }
}

type Step = { open: true } | { fail: unknown };

const HANDSHAKE_MS = 10;

/**
 * A source that behaves like connect(): each subscription takes HANDSHAKE_MS, then either fails
 * or emits one fake connection and completes when it closes; unsubscribing while open closes it
 * with 1000.
 */
function harness(steps: Step[]) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
  const connections: FakeConnection[] = [];
  const subscribedAt: number[] = [];
  const source = defer(() => {
    const step = steps[Math.min(subscribedAt.length, steps.length - 1)]!;
    subscribedAt.push(scheduler.now());
    if ('fail' in step) return new Observable<Connection>((s) => scheduler.schedule(() => s.error(step.fail), HANDSHAKE_MS));
    return new Observable<Connection>((subscriber) => {
      let connection: FakeConnection | undefined;
      const handshake = scheduler.schedule(() => {
        connection = new FakeConnection();
        connections.push(connection);
        connection.closed$.subscribe(() => subscriber.complete());
        subscriber.next(connection as unknown as Connection);
      }, HANDSHAKE_MS);
      return () => {
        handshake.unsubscribe();
        if (connection?.state === 'open') void connection.close(1000);
      };
    });
  });
  return { scheduler, connections, subscribedAt, source };
}

const network = () => new NetworkError('refused');

function record<T>(source: Observable<T>) {
  const out = { values: [] as T[], error: undefined as unknown, completed: false };
  source.subscribe({ next: (v) => out.values.push(v), error: (e: unknown) => (out.error = e), complete: () => (out.completed = true) });
  return out;
}

describe('ReconnectingClient (virtual time)', () => {
  it('RELIABILITY 50: messages sent while reconnecting are queued and flushed in order when the next connection opens', () => {
    const h = harness([{ fail: network() }, { open: true }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    const states = record(client.state$);
    expect(client.send('a')).toBe(true);
    expect(client.send(Uint8Array.of(1, 2))).toBe(true);
    expect(client.queuedCount).toBe(2);
    h.scheduler.flush();
    expect(h.subscribedAt).toEqual([0, 510]);
    expect(h.connections[0]!.sent).toEqual(['a', Uint8Array.of(1, 2)]);
    expect(client.queuedCount).toBe(0);
    expect(client.send('c')).toBe(true);
    expect(h.connections[0]!.sent).toEqual(['a', Uint8Array.of(1, 2), 'c']);
    expect(states.values).toEqual<ReconnectingClientState[]>(['connecting', 'reconnecting', 'open']);
    void client.close();
  });

  it('RELIABILITY 50: the queue is bounded in messages: past queueLimit new messages are dropped and reported', () => {
    const h = harness([{ fail: network() }, { open: true }]);
    const client = new ReconnectingClient(h.source, { queueLimit: 2, reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    const errors = record(client.errors$);
    expect([client.send('a'), client.send('b'), client.send('c')]).toEqual([true, true, false]);
    expect(errors.values).toHaveLength(1);
    expect(errors.values[0]).toBeInstanceOf(MessageDroppedError);
    expect(errors.values[0]!.code).toBe('queue_full');
    h.scheduler.flush();
    expect(h.connections[0]!.sent).toEqual(['a', 'b']);
    void client.close();
  });

  it('RELIABILITY 50: the queue is bounded in bytes too', () => {
    const h = harness([{ fail: network() }, { open: true }]);
    const client = new ReconnectingClient(h.source, { queueLimitBytes: 10, reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    expect(client.send('12345678')).toBe(true);
    expect(client.send('é€')).toBe(false); // 5 UTF-8 bytes: 13 > 10
    expect(client.send('12')).toBe(true);
    expect(client.send(new Uint8Array(1))).toBe(false);
    h.scheduler.flush();
    expect(h.connections[0]!.sent).toEqual(['12345678', '12']);
    void client.close();
  });

  it("RELIABILITY 50: whileDisconnected 'fail' drops at once, reports it, and never sends it later", () => {
    const h = harness([{ fail: network() }, { open: true }]);
    const client = new ReconnectingClient(h.source, { whileDisconnected: 'fail', reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    const errors = record(client.errors$);
    expect(client.send('a')).toBe(false);
    expect(errors.values.map((e) => e.code)).toEqual(['not_connected']);
    h.scheduler.flush();
    expect(h.connections[0]!.sent).toEqual([]);
    expect(client.send('b')).toBe(true);
    expect(h.connections[0]!.sent).toEqual(['b']);
    void client.close();
  });

  it('queueLimit 0 is a valid way to say "fail fast"', () => {
    const h = harness([{ fail: network() }, { open: true }]);
    const client = new ReconnectingClient(h.source, { queueLimit: 0, reconnect: { scheduler: h.scheduler } });
    expect(client.send('a')).toBe(false);
    void client.close();
  });

  it('queued binary messages are copied: reusing the buffer after send() does not change them', () => {
    const h = harness([{ fail: network() }, { open: true }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    const buffer = Uint8Array.of(1, 2, 3);
    client.send(buffer.subarray(1));
    buffer.fill(9);
    h.scheduler.flush();
    expect(h.connections[0]!.sent).toEqual([Uint8Array.of(2, 3)]);
    void client.close();
  });

  it('a connection$ subscriber that sends a greeting goes before the queued messages', () => {
    const h = harness([{ fail: network() }, { open: true }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    client.connection$.subscribe((connection) => connection.sink.next('login'));
    client.send('queued');
    h.scheduler.flush();
    expect(h.connections[0]!.sent).toEqual(['login', 'queued']);
    void client.close();
  });

  it('messages$ carries the data messages of every successive connection, without their close events', () => {
    const h = harness([{ open: true }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    const messages = record(client.messages$);
    const connections = record(client.connection$);
    h.scheduler.flush();
    h.connections[0]!.receive('one');
    h.connections[0]!.end(1006);
    expect(client.state).toBe('reconnecting');
    expect(client.connection).toBeUndefined();
    h.scheduler.flush();
    expect(h.subscribedAt).toEqual([0, 510]);
    expect(client.state).toBe('open');
    h.connections[1]!.receive('two');
    expect(messages.values).toEqual([
      { type: 'text', data: 'one' },
      { type: 'text', data: 'two' },
    ]);
    expect(connections.values).toEqual([h.connections[0], h.connections[1]]);
    void client.close();
  });

  it('RELIABILITY 50: close() during backoff cancels the delay, drops the queue (reported), and ends every stream', async () => {
    const h = harness([{ fail: network() }, { open: true }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    const messages = record(client.messages$);
    const errors = record(client.errors$);
    const states = record(client.state$);
    client.send('a');
    client.send('b');
    h.scheduler.schedule(() => void client.close(), 200);
    h.scheduler.flush();
    await client.close();
    expect(h.subscribedAt).toEqual([0]);
    expect(h.scheduler.now()).toBe(200);
    expect(h.scheduler.actions).toHaveLength(0);
    expect(errors.values.map((e) => [e.code, (e as MessageDroppedError).count])).toEqual([['client_closed', 2]]);
    expect(errors.completed && messages.completed && states.completed).toBe(true);
    expect(states.values).toEqual(['connecting', 'reconnecting', 'closed']);
    expect(client.send('late')).toBe(false);
  });

  it('close(code, reason) closes the open connection with that code and does not reconnect, even for a retryable code', async () => {
    const h = harness([{ open: true }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    h.scheduler.flush();
    await client.close(4000, 'switching');
    h.scheduler.flush();
    expect(h.connections[0]!.localCloseCode).toBe(4000);
    expect(h.subscribedAt).toEqual([0]);
    expect(client.state).toBe('closed');
  });

  it('sink.complete() closes with 1000, and sink.next() sends', async () => {
    const h = harness([{ open: true }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler } });
    h.scheduler.flush();
    client.sink.next('x');
    client.sink.complete();
    await client.close();
    expect(h.connections[0]!.sent).toEqual(['x']);
    expect(h.connections[0]!.localCloseCode).toBe(1000);
  });

  it('a fatal outcome ends the client: messages$ errors with the typed cause (late subscribers too), failure holds it, every other stream completes', () => {
    const refusal = new HandshakeError('unexpected_status', 'status 401', 401, {}, 'log in');
    const h = harness([{ fail: network() }, { fail: refusal }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    const messages = record(client.messages$);
    const states = record(client.state$);
    const connections = record(client.connection$);
    const errors = record(client.errors$);
    expect(client.failure).toBeUndefined();
    h.scheduler.flush();
    expect(messages.error).toBe(refusal);
    expect(client.failure).toBe(refusal);
    expect(states.values).toEqual(['connecting', 'reconnecting', 'closed']);
    expect(states).toMatchObject({ completed: true, error: undefined });
    expect(connections).toMatchObject({ completed: true, error: undefined });
    expect(errors).toMatchObject({ completed: true, error: undefined });
    expect(record(client.connection$)).toMatchObject({ completed: true, error: undefined });
    expect(record(client.messages$).error).toBe(refusal);
  });

  it('after close() nothing errors and failure stays undefined', async () => {
    const h = harness([{ open: true }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    const messages = record(client.messages$);
    const connections = record(client.connection$);
    h.scheduler.flush();
    await client.close();
    expect(messages).toMatchObject({ completed: true, error: undefined });
    expect(connections).toMatchObject({ completed: true, error: undefined });
    expect(client.failure).toBeUndefined();
  });

  it('state$ emits changes only: retries in a row are one reconnecting', () => {
    const h = harness([{ fail: network() }, { fail: network() }, { fail: network() }, { open: true }]);
    const retries: number[] = [];
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none', onRetry: (r) => retries.push(r.attempt) } });
    const states = record(client.state$);
    h.scheduler.flush();
    expect(retries).toEqual([1, 2, 3]);
    expect(states.values).toEqual<ReconnectingClientState[]>(['connecting', 'reconnecting', 'open']);
    h.connections[0]!.end(1001);
    h.scheduler.flush();
    expect(states.values).toEqual<ReconnectingClientState[]>(['connecting', 'reconnecting', 'open', 'reconnecting', 'open']);
    void client.close();
  });

  it('a server 1001 while open → reconnecting, then open again on the next connection', () => {
    const h = harness([{ open: true }]);
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none' } });
    const states = record(client.state$);
    h.scheduler.flush();
    h.connections[0]!.end(1001);
    client.send('while away');
    h.scheduler.flush();
    expect(states.values).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(h.connections[1]!.sent).toEqual(['while away']);
    void client.close();
  });

  it('the user onRetry is still called', () => {
    const h = harness([{ fail: network() }, { open: true }]);
    const seen: number[] = [];
    const client = new ReconnectingClient(h.source, { reconnect: { scheduler: h.scheduler, jitter: 'none', onRetry: (r) => seen.push(r.delayMs) } });
    h.scheduler.flush();
    expect(seen).toEqual([500]);
    void client.close();
  });

  it('options are checked at construction: unknown keys, bad values, and client options without a target', () => {
    const h = harness([{ open: true }]);
    expect(() => new ReconnectingClient(h.source, { queueLimit: -1 })).toThrow(UsageError);
    expect(() => new ReconnectingClient(h.source, { whileDisconnected: 'drop' as never })).toThrow(UsageError);
    expect(() => new ReconnectingClient(h.source, { headers: { a: 'b' } })).toThrow(/needs a target/);
    expect(() => new ReconnectingClient(h.source, { reconnect: { factr: 2 } as never })).toThrow(/unknown reconnect option 'factr'/);
    expect(() => new ReconnectingClient('ws://127.0.0.1:1/', { bogus: 1 } as never)).toThrow(/unknown client option 'bogus'/);
    expect(h.subscribedAt).toEqual([]);
  });
});

describe('ReconnectingClient over real sockets', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  async function startServer(port: number, generation: number, received: string[]) {
    const server = new WebSocketServer({ port, host: '127.0.0.1' });
    server.route({
      path: '/',
      handle: (connection) => {
        connection.messages$.pipe(ofText()).subscribe((text) => received.push(`${generation}:${text}`));
        connection.sink.next(`hello from ${generation}`);
      },
    });
    const address = await server.listen();
    return { server, port: address.port };
  }

  function whenState(client: ReconnectingClient, state: ReconnectingClientState): Promise<void> {
    return firstValueFrom(client.state$.pipe(filter((s) => s === state))).then(() => undefined);
  }

  it('RELIABILITY 48-50, 45: reconnects after the server restarts on the same port; the queued message reaches the new server; no timer survives', async () => {
    const baseline = timeouts();
    const received: string[] = [];
    const first = await startServer(0, 1, received);
    cleanups.push(() => first.server.close({ timeoutMs: 200 }));
    const client = new ReconnectingClient(`ws://127.0.0.1:${first.port}/`, {
      heartbeat: { intervalMs: 100, timeoutMs: 100 },
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    cleanups.push(() => client.close());
    const messages: string[] = [];
    client.messages$.pipe(ofText()).subscribe((text) => messages.push(text));
    const states: ReconnectingClientState[] = [];
    client.state$.subscribe((s) => states.push(s));

    await whenState(client, 'open');
    expect(client.send('one')).toBe(true);
    await eventually(() => received.includes('1:one'));

    await first.server.close({ timeoutMs: 500 }); // 1001 to the client, then the port is free
    await whenState(client, 'reconnecting');
    expect(client.send('queued while down')).toBe(true);
    await delay(300); // a few refused attempts
    const second = await startServer(first.port, 2, received);
    cleanups.push(() => second.server.close({ timeoutMs: 200 }));
    await whenState(client, 'open');
    await eventually(() => received.includes('2:queued while down'));
    await eventually(() => messages.includes('hello from 2'));
    expect(messages).toEqual(['hello from 1', 'hello from 2']);
    expect(states[0]).toBe('connecting');
    expect(states).toContain('reconnecting');

    await client.close();
    expect(client.state).toBe('closed');
    await second.server.close({ timeoutMs: 200 });
    // Each connection's heartbeat stopped with it, and no backoff timer is pending.
    await eventually(() => timeouts() <= baseline);
  }, 20_000);

  it('a graceful server restart loses no message that send() accepted: each reaches one server, once, in order', async () => {
    const received: string[] = [];
    const first = await startServer(0, 1, received);
    cleanups.push(() => first.server.close({ timeoutMs: 200 }));
    const client = new ReconnectingClient(`ws://127.0.0.1:${first.port}/`, { reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
    cleanups.push(() => client.close());
    await whenState(client, 'open');
    const accepted: string[] = [];
    let next = 0;
    let sending = true;
    const pump = () => {
      for (let i = 0; i < 20; i++) {
        const text = String(next++);
        if (client.send(text)) accepted.push(text);
      }
      if (sending) setImmediate(pump);
    };
    pump();
    await delay(30);
    await first.server.close(); // 1001 while the client is sending
    const second = await startServer(first.port, 2, received);
    cleanups.push(() => second.server.close({ timeoutMs: 200 }));
    await whenState(client, 'open');
    await delay(30);
    sending = false;
    await eventually(() => received.length >= accepted.length);
    await delay(20);
    expect(received.map((r) => r.slice(2))).toEqual(accepted);
    // Both servers got some: the messages sent while the close was in flight reached the first.
    expect(received[0]!.startsWith('1:')).toBe(true);
    expect(received.at(-1)!.startsWith('2:')).toBe(true);
  }, 20_000);

  it('RELIABILITY 49: a 401 from a real server stops reconnecting; messages$ errors with the HandshakeError', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    let attempts = 0;
    server.route({ path: '/', accept: () => (attempts++, reject(401, 'log in', { 'www-authenticate': 'Basic' })) });
    const { port } = await server.listen();
    cleanups.push(() => server.close({ timeoutMs: 200 }));
    const client = new ReconnectingClient(`ws://127.0.0.1:${port}/`, { reconnect: { initialDelayMs: 10 } });
    const error = await firstValueFrom(client.messages$).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ status: 401, body: 'log in' });
    expect(client.state).toBe('closed');
    expect(client.failure).toBe(error);
    expect(attempts).toBe(1);
  });

  it('the docs example (connection$, state$ and errors$ without an error callback) survives a 401: nothing is thrown unhandled', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.route({ path: '/', accept: () => reject(401, 'log in') });
    const { port } = await server.listen();
    cleanups.push(() => server.close({ timeoutMs: 200 }));
    const unhandled: unknown[] = [];
    const previous = rxjsConfig.onUnhandledError;
    rxjsConfig.onUnhandledError = (error) => unhandled.push(error);
    cleanups.push(() => (rxjsConfig.onUnhandledError = previous));
    const client = new ReconnectingClient(`ws://127.0.0.1:${port}/`);
    client.state$.subscribe(() => undefined);
    client.connection$.subscribe((conn) => conn.sink.next('hello'));
    client.errors$.subscribe(() => undefined);
    let stopped: unknown;
    client.messages$.subscribe({ error: (e: unknown) => (stopped = e) });
    await eventually(() => client.state === 'closed');
    await delay(20); // RxJS reports unhandled errors on a timer
    expect(unhandled).toEqual([]);
    expect(stopped).toBeInstanceOf(HandshakeError);
  });

  it('RELIABILITY 50: close() while an attempt is in progress destroys its socket and clears its timer', async () => {
    const baseline = timeouts();
    const server = await startRawServer((socket) => socket.resume()); // never answers
    cleanups.push(() => server.close());
    const client = new ReconnectingClient(server.url, { handshakeTimeoutMs: 60_000 });
    const socket = await server.nextSocket();
    await client.close();
    await eventually(() => socket.destroyed || socket.readableEnded);
    expect(client.state).toBe('closed');
    await eventually(() => timeouts() <= baseline);
  });
});
