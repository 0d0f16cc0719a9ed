// DESIGN §3: every option is validated at construction; unknown keys and out-of-range values throw.
import { UsageError, WebSocketServer } from '../../src';
import { CONNECTION_OPTION_RULES, integer, oneOf, type OptionRules, trueOrFalse, validateOptions } from '../../src/rx/validate-options';

interface Demo {
  sizeBytes: number;
  flag: boolean;
  mode: 'a' | 'b';
  anything: unknown;
  even: number;
}
const defaults: Demo = { sizeBytes: 10, flag: false, mode: 'a', anything: undefined, even: 2 };
const rules: OptionRules<Demo> = {
  sizeBytes: integer(1, 100),
  flag: trueOrFalse,
  mode: oneOf(['a', 'b']),
  anything: () => undefined,
  even: (v) => (typeof v === 'number' && v % 2 === 0 ? undefined : 'must be even'),
};

describe('validateOptions', () => {
  it('merges the given values over the defaults, without touching the defaults', () => {
    const merged = validateOptions('demo', { sizeBytes: 100, mode: 'b', anything: { x: 1 }, even: 4 }, defaults, rules);
    expect(merged).toEqual({ sizeBytes: 100, flag: false, mode: 'b', anything: { x: 1 }, even: 4 });
    expect(defaults.sizeBytes).toBe(10);
  });

  it('no options at all gives a copy of the defaults', () => {
    const merged = validateOptions('demo', undefined, defaults, rules);
    expect(merged).toEqual(defaults);
    expect(merged).not.toBe(defaults);
  });

  it('an undefined value keeps the default', () => {
    expect(validateOptions('demo', { sizeBytes: undefined }, defaults, rules).sizeBytes).toBe(10);
  });

  it('an unknown key throws, naming it (a typo must not fall back to a default)', () => {
    expect(() => validateOptions('demo', { sizeByte: 5 } as never, defaults, rules)).toThrow(UsageError);
    expect(() => validateOptions('demo', { sizeByte: 5 } as never, defaults, rules)).toThrow(/unknown demo option 'sizeByte'/);
    expect(() => validateOptions('demo', { toString: 5 } as never, defaults, rules)).toThrow(UsageError);
    expect(() => validateOptions('demo', JSON.parse('{"__proto__": 1}') as never, defaults, rules)).toThrow(UsageError);
  });

  it.each([
    ['below the minimum', { sizeBytes: 0 }],
    ['above the maximum', { sizeBytes: 101 }],
    ['not an integer', { sizeBytes: 1.5 }],
    ['NaN', { sizeBytes: Number.NaN }],
    ['Infinity', { sizeBytes: Number.POSITIVE_INFINITY }],
    ['a numeric string', { sizeBytes: '5' }],
    ['a bool that is not a boolean', { flag: 1 }],
    ['an enum value not listed', { mode: 'c' }],
    ['a failed check', { even: 3 }],
  ])('a value %s throws UsageError', (_what, given) => {
    expect(() => validateOptions('demo', given as never, defaults, rules)).toThrow(UsageError);
  });

  it.each([null, 42, 'options'])('options that are not an object (%p) throw', (given) => {
    expect(() => validateOptions('demo', given as never, defaults, rules)).toThrow(UsageError);
  });

  it('errors have a stable code', () => {
    try {
      validateOptions('demo', { sizeBytes: 0 }, defaults, rules);
      throw new Error('did not throw');
    } catch (error) {
      expect(error).toMatchObject({ code: 'bad_option' });
    }
  });
});

describe('connection option rules', () => {
  it.each([
    ['maxMessageBytes', 0],
    ['maxFragments', 0],
    ['closeTimeoutMs', 0],
    ['closeTimeoutMs', 2 ** 31],
    ['maxBufferedBytes', -1],
    ['backpressure', 'block'],
    ['backlogBytes', 0],
    ['autoPong', 'yes'],
    ['heartbeat', null],
    ['heartbeat', { intervalMs: 0, timeoutMs: 10 }],
    ['heartbeat', { intervalMs: 10 }],
    ['heartbeat', { intervalMs: 10, timeoutMs: 10, extra: 1 }],
  ])('%s = %p is refused', (key, value) => {
    expect(() => validateOptions('connection', { [key]: value }, {} as never, CONNECTION_OPTION_RULES as never)).toThrow(UsageError);
  });
});

describe('WebSocketServer and route options are checked at construction', () => {
  it.each([
    ['an unknown key', { maxMessageByte: 10 }],
    ['maxMessageBytes 0', { maxMessageBytes: 0 }],
    ['a port out of range', { port: 70_000 }],
    ['a negative handshake timeout', { handshakeTimeoutMs: -1 }],
    ['maxHeaderBytes below 256', { maxHeaderBytes: 100 }],
    ['an unknown backpressure policy', { backpressure: 'wait' }],
    ['a heartbeat with a zero timeout', { heartbeat: { intervalMs: 1000, timeoutMs: 0 } }],
    ['host that is not a string', { host: 127 }],
    ['a zero server-wide message budget', { maxBufferedMessageBytes: 0 }],
    ['a fractional server-wide message budget', { maxBufferedMessageBytes: 1.5 }],
  ])('new WebSocketServer with %s throws UsageError', (_what, options) => {
    expect(() => new WebSocketServer(options as never)).toThrow(UsageError);
  });

  it('valid options are kept, with defaults for the rest', () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxMessageBytes: 1234, heartbeat: { intervalMs: 10, timeoutMs: 20 } });
    expect(server.options).toMatchObject({ maxMessageBytes: 1234, heartbeat: { intervalMs: 10, timeoutMs: 20 }, backpressure: 'close', closeTimeoutMs: 5000 });
    expect(server.options.maxBufferedMessageBytes).toBe(256 * 1024 * 1024);
    expect(server.bufferedMessageBytes).toBe(0);
  });

  it.each([
    ['an unknown key', { path: '/', hadle: () => undefined }],
    ['an out-of-range connection option', { path: '/', closeTimeoutMs: 0 }],
    ['a bad backlog', { path: '/', backlogBytes: -5 }],
    ['a path without /', { path: 'chat' }],
    ['handle that is not a function', { path: '/', handle: 'echo' }],
    ['protocols that are not strings', { path: '/', protocols: [1] }],
    ['a negative maxConnections', { path: '/', maxConnections: -1 }],
    ['the server-wide message budget (not a route setting)', { path: '/', maxBufferedMessageBytes: 1024 }],
  ])('server.route with %s throws UsageError', (_what, options) => {
    const server = new WebSocketServer({ port: 0 });
    expect(() => server.route(options as never)).toThrow(UsageError);
  });

  it('a route inherits the server options and overrides its own', () => {
    const server = new WebSocketServer({ port: 0, maxMessageBytes: 1000, closeTimeoutMs: 300 });
    const route = server.route({ path: '/', maxMessageBytes: 50 });
    expect(route.connectionOptions).toMatchObject({ maxMessageBytes: 50, closeTimeoutMs: 300 });
  });
});
