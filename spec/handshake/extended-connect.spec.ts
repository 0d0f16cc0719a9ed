import { UsageError } from '../../src/errors';
import {
  buildExtendedConnectRefusal,
  buildExtendedConnectRequest,
  buildExtendedConnectResponse,
  isWebSocketConnect,
  validateExtendedConnect,
  validateExtendedConnectResponse,
} from '../../src/handshake/extended-connect';
import { minTimeMs } from './timing';

// RFC 8441 §4-5: the extended CONNECT as Node's http2 delivers it (pseudo-headers, lower case).
const good = (more: Record<string, string | string[] | undefined> = {}) => ({
  ':method': 'CONNECT',
  ':protocol': 'websocket',
  ':scheme': 'https',
  ':authority': 'example.com:8443',
  ':path': '/chat?room=1',
  'sec-websocket-version': '13',
  ...more,
});

describe('isWebSocketConnect', () => {
  it('is true only for CONNECT with :protocol websocket', () => {
    expect(isWebSocketConnect(good())).toBe(true);
    expect(isWebSocketConnect(good({ ':protocol': 'connect-udp' }))).toBe(false);
    expect(isWebSocketConnect(good({ ':protocol': undefined }))).toBe(false);
    expect(isWebSocketConnect(good({ ':method': 'GET' }))).toBe(false);
  });
});

describe('validateExtendedConnect', () => {
  it('accepts a browser-shaped request and reads it like an HTTP/1.1 upgrade', () => {
    const result = validateExtendedConnect(
      good({ origin: 'https://example.com', 'sec-websocket-protocol': 'chat.v1, chat.v2', 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits' }),
    );
    expect(result).toEqual({
      ok: true,
      info: {
        version: 13,
        protocols: ['chat.v1', 'chat.v2'],
        extensions: [expect.objectContaining({ name: 'permessage-deflate', paramList: [['client_max_window_bits', true]] })],
        origin: 'https://example.com',
        host: 'example.com:8443',
        path: '/chat',
        query: 'room=1',
      },
    });
  });

  it('falls back to the host header when :authority is absent (RFC 9113 §8.3.1)', () => {
    const result = validateExtendedConnect(good({ ':authority': undefined, host: 'h.example' }));
    expect(result.ok && result.info.host).toBe('h.example');
  });

  it.each([
    ['another :protocol', { ':protocol': 'connect-udp' }, 405],
    ['a :scheme that is not http(s)', { ':scheme': 'ftp' }, 400],
    ['no :path', { ':path': undefined }, 400],
    ['an asterisk :path', { ':path': '*' }, 400],
    ['a fragment (RFC 6455 §3)', { ':path': '/a#b' }, 400],
    ['a space in :path', { ':path': '/a b' }, 400],
    ['no :authority nor host', { ':authority': undefined }, 400],
    ['user info in :authority', { ':authority': 'u@example.com' }, 400],
    ['a comma in :authority', { ':authority': 'a,b' }, 400],
    ['version 8', { 'sec-websocket-version': '8' }, 426],
    ['no version', { 'sec-websocket-version': undefined }, 426],
    ['a repeated subprotocol', { 'sec-websocket-protocol': 'a, a' }, 400],
    ['a non-token subprotocol', { 'sec-websocket-protocol': 'a b' }, 400],
    ['broken extensions', { 'sec-websocket-extensions': 'permessage-deflate; =' }, 400],
    ['a declared body', { 'content-length': '10' }, 400],
  ])('refuses %s', (_what, change, status) => {
    const result = validateExtendedConnect(good(change));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.status).toBe(status);
  });

  it('tells a wrong version which one we speak', () => {
    const result = validateExtendedConnect(good({ 'sec-websocket-version': '7' }));
    expect(result).toMatchObject({ ok: false, status: 426, headers: { 'sec-websocket-version': '13' } });
  });

  it('does not look at inherited properties (__proto__, constructor)', () => {
    const headers = Object.assign(Object.create({ ':authority': 'inherited' }), good({ ':authority': undefined })) as Record<string, string>;
    delete headers[':authority'];
    expect(validateExtendedConnect(headers)).toMatchObject({ ok: false, status: 400 });
  });

  it('RELIABILITY 24: hostile subprotocol and extension values are refused in linear time', () => {
    for (const hostile of [{ 'sec-websocket-protocol': `b${' '.repeat(65536)}x` }, { 'sec-websocket-extensions': `permessage-deflate; a="${'\\x'.repeat(32 * 1024)}` }]) {
      const run = () => validateExtendedConnect(good(hostile));
      expect(run()).toMatchObject({ ok: false, status: 400 });
      expect(minTimeMs(run)).toBeLessThan(5);
    }
  });
});

describe('buildExtendedConnectResponse', () => {
  it('is a 200 with the chosen subprotocol, extensions and extra headers', () => {
    expect(buildExtendedConnectResponse({ protocol: 'chat.v1', extensions: 'permessage-deflate', headers: { 'X-Hello': 'yes', 'Set-Cookie': ['a=1', 'b=2'] } })).toEqual({
      ':status': 200,
      'sec-websocket-protocol': 'chat.v1',
      'sec-websocket-extensions': 'permessage-deflate',
      'x-hello': 'yes',
      'set-cookie': ['a=1', 'b=2'],
    });
  });

  it.each([['connection'], ['upgrade'], ['sec-websocket-accept'], ['Sec-WebSocket-Protocol'], ['keep-alive'], ['transfer-encoding']])('refuses the reserved header %s', (name) => {
    expect(() => buildExtendedConnectResponse({ headers: { [name]: 'x' } })).toThrow(UsageError);
  });

  it('refuses CR, LF and NUL in values and non-token names (RELIABILITY 28)', () => {
    expect(() => buildExtendedConnectResponse({ headers: { 'x-a': 'a\r\nb: c' } })).toThrow(UsageError);
    expect(() => buildExtendedConnectResponse({ headers: { 'x-a': 'a\0' } })).toThrow(UsageError);
    expect(() => buildExtendedConnectResponse({ headers: { 'x a': 'v' } })).toThrow(UsageError);
    expect(() => buildExtendedConnectResponse({ protocol: 'not a token' })).toThrow(UsageError);
  });
});

describe('buildExtendedConnectRefusal', () => {
  it('carries the status, a text content type unless given, and extra headers', () => {
    expect(buildExtendedConnectRefusal(401, { 'WWW-Authenticate': 'Bearer' }, false)).toEqual({ ':status': 401, 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' });
    expect(buildExtendedConnectRefusal(403, { 'content-type': 'application/json' }, true)).toEqual({ ':status': 403, 'content-type': 'application/json' });
  });

  it('refuses a status outside 400-599', () => {
    expect(() => buildExtendedConnectRefusal(200, {}, false)).toThrow(UsageError);
    expect(() => buildExtendedConnectRefusal(600, {}, false)).toThrow(UsageError);
  });
});

describe('buildExtendedConnectRequest', () => {
  it('has the RFC 8441 pseudo-headers, version 13 and no key', () => {
    const headers = buildExtendedConnectRequest({
      scheme: 'https',
      authority: 'example.com',
      path: '/chat',
      protocols: ['a', 'b'],
      extensions: 'permessage-deflate',
      origin: 'https://example.com',
      headers: { Authorization: 'Bearer x' },
    });
    expect(headers).toEqual({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':authority': 'example.com',
      ':path': '/chat',
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'a, b',
      'sec-websocket-extensions': 'permessage-deflate',
      origin: 'https://example.com',
      authorization: 'Bearer x',
    });
    expect(headers['sec-websocket-key']).toBeUndefined();
  });

  it.each([
    ['a relative path', { path: 'chat' }],
    ['a fragment', { path: '/a#b' }],
    ['a repeated subprotocol', { protocols: ['a', 'a'] }],
    ['a connection-specific header', { headers: { te: 'trailers' } }],
    ['an origin given twice', { origin: 'https://a', headers: { origin: 'https://b' } }],
    ['a header with LF', { headers: { 'x-a': 'a\nb' } }],
  ])('throws UsageError for %s', (_what, change) => {
    expect(() => buildExtendedConnectRequest({ scheme: 'https', authority: 'example.com', path: '/', ...change })).toThrow(UsageError);
  });
});

describe('validateExtendedConnectResponse', () => {
  const expectNone = { protocols: [] as string[], extensionNames: [] as string[] };

  it('accepts any 2xx, with Node giving :status as a number', () => {
    expect(validateExtendedConnectResponse({ ':status': 200 as unknown as string }, expectNone)).toEqual({ ok: true, protocol: undefined, extensions: [] });
    expect(validateExtendedConnectResponse({ ':status': '204' }, expectNone).ok).toBe(true);
  });

  it('reports another status as unexpected_status', () => {
    expect(validateExtendedConnectResponse({ ':status': 404 as unknown as string }, expectNone)).toMatchObject({ ok: false, code: 'unexpected_status' });
    expect(validateExtendedConnectResponse({}, expectNone)).toMatchObject({ ok: false, code: 'unexpected_status' });
  });

  it('fails a subprotocol or extension that was not offered (RFC 6455 §4.1)', () => {
    expect(validateExtendedConnectResponse({ ':status': '200', 'sec-websocket-protocol': 'x' }, expectNone)).toMatchObject({ ok: false, code: 'unoffered_protocol' });
    expect(validateExtendedConnectResponse({ ':status': '200', 'sec-websocket-protocol': 'a, b' }, { protocols: ['a', 'b'], extensionNames: [] })).toMatchObject({ ok: false, code: 'bad_protocol' });
    expect(validateExtendedConnectResponse({ ':status': '200', 'sec-websocket-extensions': 'x-foo' }, expectNone)).toMatchObject({ ok: false, code: 'unoffered_extension' });
    expect(
      validateExtendedConnectResponse({ ':status': '200', 'sec-websocket-extensions': 'permessage-deflate, permessage-deflate' }, { protocols: [], extensionNames: ['permessage-deflate'] }),
    ).toMatchObject({ ok: false, code: 'bad_extensions' });
  });

  it('returns the chosen subprotocol and the parsed extensions', () => {
    expect(
      validateExtendedConnectResponse({ ':status': '200', 'sec-websocket-protocol': 'b', 'sec-websocket-extensions': 'permessage-deflate' }, { protocols: ['a', 'b'], extensionNames: ['permessage-deflate'] }),
    ).toEqual({ ok: true, protocol: 'b', extensions: [expect.objectContaining({ name: 'permessage-deflate', paramList: [] })] });
  });
});
