import {
  ConnectionClosedError,
  HandshakeError,
  Http2UnsupportedError,
  NetworkError,
  ProtocolError,
  RxwsError,
  TimeoutError,
  UsageError,
} from '../src/errors';

describe('src/errors.ts', () => {
  it('every error is an Error and an RxwsError, named after its class', () => {
    const errors: Array<[RxwsError, string]> = [
      [new RxwsError('x', 'm'), 'RxwsError'],
      [new UsageError('invalid_option', 'm'), 'UsageError'],
      [new ProtocolError('invalid_utf8', 'm', 1007), 'ProtocolError'],
      [new ConnectionClosedError('m', 1006, '', false), 'ConnectionClosedError'],
      [new TimeoutError('m', 10), 'TimeoutError'],
      [new HandshakeError('bad_response', 'm', 403, {}, ''), 'HandshakeError'],
      [new NetworkError('m'), 'NetworkError'],
      [new Http2UnsupportedError('m', 'alpn'), 'Http2UnsupportedError'],
    ];
    for (const [error, name] of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(RxwsError);
      expect(error.name).toBe(name);
      expect(error.message).toBe('m');
      expect(String(error)).toBe(`${name}: m`);
    }
  });

  it('the two families never mix: a UsageError is not a ProtocolError and vice versa', () => {
    expect(new UsageError('a', 'b')).not.toBeInstanceOf(ProtocolError);
    expect(new ProtocolError('a', 'b', 1002)).not.toBeInstanceOf(UsageError);
    expect(new ConnectionClosedError('m', 1000, '', true)).not.toBeInstanceOf(UsageError);
  });

  it('errors with a fixed code carry it: connection_closed, timeout, network, http2_unsupported', () => {
    expect(new ConnectionClosedError('m', 1001, 'bye', true).code).toBe('connection_closed');
    expect(new TimeoutError('m', 5).code).toBe('timeout');
    expect(new NetworkError('m').code).toBe('network');
    expect(new Http2UnsupportedError('m', 'setting').code).toBe('http2_unsupported');
  });

  it('each error keeps the fields it documents', () => {
    const protocol = new ProtocolError('message_too_big', 'm', 1009);
    expect([protocol.code, protocol.closeCode]).toEqual(['message_too_big', 1009]);
    const closed = new ConnectionClosedError('m', 4000, 'app', true);
    expect([closed.closeCode, closed.reason, closed.wasClean]).toEqual([4000, 'app', true]);
    expect(new TimeoutError('m', 1234).timeoutMs).toBe(1234);
    const headers = { 'retry-after': '3' };
    const handshake = new HandshakeError('bad_status', 'm', 503, headers, 'busy');
    expect([handshake.code, handshake.status, handshake.headers, handshake.body]).toEqual(['bad_status', 503, headers, 'busy']);
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(new NetworkError('m', cause).cause).toBe(cause);
    expect(new Http2UnsupportedError('m', 'setting').reason).toBe('setting');
  });

  it('a user subclass is named after itself and is an RxwsError (the name comes from new.target)', () => {
    class QuotaError extends RxwsError {
      readonly closeCode = 4008;
      constructor() {
        super('quota', 'over quota');
      }
    }
    const error = new QuotaError();
    expect(error.name).toBe('QuotaError');
    expect(error).toBeInstanceOf(RxwsError);
    expect(error.code).toBe('quota');
  });

  it('every error class the entries export states its name as text, which minifiers keep (they rename classes), and a subclass of one of them is named after itself', async () => {
    const entries = [await import('../src'), await import('../src/browser')];
    const classes = entries.flatMap((entry) => Object.values(entry)).filter((v): v is typeof RxwsError => typeof v === 'function' && (v === RxwsError || v.prototype instanceof RxwsError));
    expect(classes.length).toBeGreaterThan(15);
    for (const cls of new Set(classes)) {
      expect([cls.name, Object.prototype.hasOwnProperty.call(cls, 'errorName') && (cls as unknown as { errorName: string }).errorName]).toEqual([cls.name, cls.name]);
    }
    // What a minifier does: the class is renamed, the name stays.
    const original = Object.getOwnPropertyDescriptor(HandshakeError, 'name')!;
    Object.defineProperty(HandshakeError, 'name', { value: 'e' });
    try {
      expect(new HandshakeError('bad_status', 'm', 503, {}, '').name).toBe('HandshakeError');
    } finally {
      Object.defineProperty(HandshakeError, 'name', original);
    }
    class MyUsageError extends UsageError {}
    expect([new UsageError('c', 'm').name, new MyUsageError('c', 'm').name]).toEqual(['UsageError', 'MyUsageError']);
  });

  it('has a stack trace that starts at the construction site', () => {
    const error = new UsageError('x', 'y');
    expect(error.stack).toContain('errors.spec.ts');
  });
});
