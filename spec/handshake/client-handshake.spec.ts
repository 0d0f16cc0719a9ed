import fc from 'fast-check';
import { UsageError } from '../../src/errors';
import { buildUpgradeRequest, validateUpgradeResponse } from '../../src/handshake/client-handshake';
import { formatExtensions, type ExtensionOffer } from '../../src/handshake/extensions';
import { HttpHeadParser, type HttpResponseHead } from '../../src/handshake/http-head-parser';
import { validateUpgradeRequest } from '../../src/handshake/server-handshake';
import { bytes, feed, feedEveryWay, splitAt } from './head-feed';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const BASE = { host: 'server.example.com', path: '/chat', key: KEY };

function response(lines: Record<string, string | undefined>, status = 101): HttpResponseHead {
  let text = `HTTP/1.1 ${status} X\r\n`;
  for (const [k, v] of Object.entries(lines)) if (v !== undefined) text += `${k}: ${v}\r\n`;
  const o = feed(() => HttpHeadParser.response(), [bytes(`${text}\r\n`)]);
  if (o.kind !== 'done') throw new Error(`fixture did not parse: ${JSON.stringify(o)}`);
  return o.head;
}

const OK_LINES = { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': ACCEPT };
const EXPECT = { accept: ACCEPT, protocols: ['chat', 'superchat'], extensionNames: ['permessage-deflate'] };

describe('buildUpgradeRequest (RFC 6455 §4.1)', () => {
  it('RFC 6455 §4.1: the example request, byte for byte, and it validates on the server side', () => {
    const text = buildUpgradeRequest({ ...BASE, protocols: ['chat', 'superchat'], origin: 'http://example.com' });
    expect(text).toBe(
      'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: chat, superchat\r\nOrigin: http://example.com\r\n\r\n',
    );
    const o = feedEveryWay(() => HttpHeadParser.request(), bytes(text));
    if (o.kind !== 'done') throw new Error('no head');
    const v = validateUpgradeRequest(o.head.method, o.head.target, o.head.headers, o.head.httpVersion);
    expect(v.ok && v.info).toMatchObject({ protocols: ['chat', 'superchat'], origin: 'http://example.com', path: '/chat' });
  });

  it('RFC 6455 §4.1 item 11: extensions, extra headers (strings, numbers, lists) and Origin via headers', () => {
    const text = buildUpgradeRequest({
      ...BASE,
      path: '/chat?room=1',
      protocols: [],
      extensions: 'permessage-deflate; client_max_window_bits',
      headers: { Cookie: 'id=1', 'X-N': 2, 'X-L': ['a', 'b'], Origin: 'https://o' },
    });
    expect(text).toBe(
      'GET /chat?room=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' +
        'Cookie: id=1\r\nX-N: 2\r\nX-L: a\r\nX-L: b\r\nOrigin: https://o\r\n\r\n',
    );
    expect(buildUpgradeRequest({ ...BASE, extensions: '' })).not.toContain('Extensions');
  });

  it('RFC 6455 §3: a path must start with "/" and be visible ASCII without a fragment', () => {
    for (const path of ['', 'chat', ' /chat', '/a b', '/a\r\nX: 1', '/a\n', '/a\0', '/a#f', '/\u00e9', '/\t', 5 as unknown as string]) {
      expect(() => buildUpgradeRequest({ ...BASE, path })).toThrow(UsageError);
    }
  });

  it('RELIABILITY 28: host, key, origin and extensions are checked before anything is produced', () => {
    for (const host of ['', 'a b', 'a\r\nb', 'a,b', 'h\0', undefined as unknown as string]) {
      expect(() => buildUpgradeRequest({ ...BASE, host })).toThrow(UsageError);
    }
    for (const key of ['', 'abc', `${KEY}\r\n`, undefined as unknown as string]) {
      expect(() => buildUpgradeRequest({ ...BASE, key })).toThrow(UsageError);
    }
    for (const bad of ['\r', '\n', '\0']) {
      expect(() => buildUpgradeRequest({ ...BASE, origin: `http://o${bad}` })).toThrow(UsageError);
      expect(() => buildUpgradeRequest({ ...BASE, extensions: `x${bad}` })).toThrow(UsageError);
      expect(() => buildUpgradeRequest({ ...BASE, headers: { 'X-A': `v${bad}` } })).toThrow(UsageError);
      expect(() => buildUpgradeRequest({ ...BASE, headers: { [`X-A${bad}`]: 'v' } })).toThrow(UsageError);
    }
    expect(() => buildUpgradeRequest({ ...BASE, extensions: 'a; b="' })).toThrow(UsageError);
    expect(() => buildUpgradeRequest({ ...BASE, extensions: 5 as unknown as string })).toThrow(UsageError);
    expect(() => buildUpgradeRequest(undefined as unknown as typeof BASE)).toThrow(UsageError);
  });

  it('RELIABILITY 26: protocols must be distinct tokens', () => {
    for (const protocols of [['chat', 'chat'], ['a b'], [''], ['x\r\n'], [5 as unknown as string], 'chat' as unknown as string[]]) {
      expect(() => buildUpgradeRequest({ ...BASE, protocols })).toThrow(UsageError);
    }
    expect(buildUpgradeRequest({ ...BASE, protocols: ['chat', 'Chat'] })).toContain('Sec-WebSocket-Protocol: chat, Chat\r\n');
  });

  it('RELIABILITY 28: extra headers may not override the handshake headers', () => {
    for (const name of ['Host', 'upgrade', 'CONNECTION', 'Sec-WebSocket-Key', 'sec-websocket-version', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions', 'Content-Length', 'transfer-encoding']) {
      expect(() => buildUpgradeRequest({ ...BASE, headers: { [name]: 'x' } })).toThrow(UsageError);
    }
    expect(() => buildUpgradeRequest({ ...BASE, origin: 'https://a', headers: { origin: 'https://b' } })).toThrow(UsageError);
  });

  it('property RFC 6455 §4.1 / §4.2.1: build → parse (any chunking) → validate round-trips', () => {
    const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,10}$/);
    const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e\t]{0,20}[\x21-\x7e])?$/);
    const pathPart = fc.stringMatching(/^[A-Za-z0-9\-._~%!$&'()*+,;=:@/]{0,12}$/);
    const offer: fc.Arbitrary<ExtensionOffer> = fc.record({
      name: token,
      params: fc
        .uniqueArray(fc.tuple(token, fc.oneof(fc.constant(true as const), token)), { selector: ([k]) => k, maxLength: 3 })
        .map((p) => new Map<string, string | true>(p)),
    });
    const reserved = new Set(['host', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'content-length', 'transfer-encoding', 'origin', 'set-cookie']);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.stringMatching(/^[a-z0-9.-]{1,20}(:[0-9]{1,5})?$/),
        pathPart,
        fc.option(fc.stringMatching(/^[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]{0,12}$/), { nil: undefined }),
        fc.uniqueArray(token, { maxLength: 4 }),
        fc.array(offer, { maxLength: 3 }),
        fc.option(value, { nil: undefined }),
        fc.uniqueArray(fc.tuple(token, value), { selector: ([k]) => k.toLowerCase(), maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (keyBytes, host, pathTail, query, protocols, offers, origin, extraPairs, cuts) => {
          const key = Buffer.from(keyBytes).toString('base64');
          const path = `/${pathTail}${query === undefined ? '' : `?${query}`}`;
          const extra = Object.fromEntries(extraPairs.filter(([k]) => !reserved.has(k.toLowerCase())));
          const text = buildUpgradeRequest({
            host,
            path,
            key,
            protocols,
            extensions: formatExtensions(offers),
            origin,
            headers: extra,
          });
          const data = bytes(`${text}\x81`);
          const offsets = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const o = feed(() => HttpHeadParser.request(), splitAt(data, offsets));
          if (o.kind !== 'done') throw new Error(`did not parse: ${JSON.stringify(o)}`);
          expect(o.after).toEqual([0x81]);
          for (const [k, v] of Object.entries(extra)) expect(o.head.headers[k.toLowerCase()]).toBe(v);
          const v = validateUpgradeRequest(o.head.method, o.head.target, o.head.headers, o.head.httpVersion);
          if (!v.ok) throw new Error(v.message);
          expect(v.info.key).toBe(key);
          expect(v.info.host).toBe(host);
          expect(v.info.protocols).toEqual(protocols);
          expect(v.info.origin).toBe(origin);
          expect(v.info.extensions.map((e) => [e.name, [...e.params]])).toEqual(offers.map((e) => [e.name, [...e.params]]));
          const q = path.indexOf('?');
          expect(v.info.path).toBe(q < 0 ? path : path.slice(0, q));
          expect(v.info.query).toBe(q < 0 ? '' : path.slice(q + 1));
        },
      ),
    );
  });
});

describe('validateUpgradeResponse (RFC 6455 §4.1, client side)', () => {
  it('RFC 6455 §4.1: the example response validates and selects "chat"', () => {
    const head = response({ ...OK_LINES, 'Sec-WebSocket-Protocol': 'chat' });
    expect(validateUpgradeResponse(head, EXPECT)).toEqual({ ok: true, protocol: 'chat', extensions: [] });
    expect(validateUpgradeResponse(response(OK_LINES), EXPECT)).toEqual({ ok: true, protocol: undefined, extensions: [] });
  });

  it('RFC 6455 §4.1 item 1: any status but 101 → unexpected_status', () => {
    for (const s of [200, 301, 400, 426, 503]) {
      expect(validateUpgradeResponse(response(OK_LINES, s), EXPECT)).toEqual({
        ok: false,
        code: 'unexpected_status',
        message: `unexpected status ${s}`,
      });
    }
  });

  it('RFC 6455 §4.1 item 2: Upgrade must be "websocket", ASCII case-insensitive', () => {
    expect(validateUpgradeResponse(response({ ...OK_LINES, Upgrade: 'WebSocket' }), EXPECT).ok).toBe(true);
    for (const u of [undefined, '', 'h2c', 'websocket, h2c', 'websockets']) {
      expect(validateUpgradeResponse(response({ ...OK_LINES, Upgrade: u }), EXPECT)).toMatchObject({ ok: false, code: 'bad_upgrade' });
    }
  });

  it('RFC 6455 §4.1 item 3: Connection must contain "upgrade"', () => {
    expect(validateUpgradeResponse(response({ ...OK_LINES, Connection: 'keep-alive, upgrade' }), EXPECT).ok).toBe(true);
    for (const c of [undefined, 'close', 'keep-alive']) {
      expect(validateUpgradeResponse(response({ ...OK_LINES, Connection: c }), EXPECT)).toMatchObject({ code: 'bad_connection' });
    }
  });

  it('RFC 6455 §4.1 item 4: Sec-WebSocket-Accept must equal the expected value', () => {
    for (const a of [undefined, '', 'x', ACCEPT.toLowerCase(), `${ACCEPT}, ${ACCEPT}`]) {
      expect(validateUpgradeResponse(response({ ...OK_LINES, 'Sec-WebSocket-Accept': a }), EXPECT)).toMatchObject({ code: 'bad_accept' });
    }
  });

  it('RELIABILITY 26 / RFC 6455 §4.1 item 6: an unoffered or malformed subprotocol fails', () => {
    const r = (p: string, protocols: string[] = ['chat', 'superchat']) =>
      validateUpgradeResponse(response({ ...OK_LINES, 'Sec-WebSocket-Protocol': p }), { ...EXPECT, protocols });
    expect(r('superchat')).toMatchObject({ ok: true, protocol: 'superchat' });
    expect(r('other')).toMatchObject({ ok: false, code: 'unoffered_protocol' });
    expect(r('Chat')).toMatchObject({ ok: false, code: 'unoffered_protocol' });
    expect(r('chat', [])).toMatchObject({ ok: false, code: 'unoffered_protocol' });
    expect(r('chat, superchat')).toMatchObject({ ok: false, code: 'bad_protocol' });
    expect(r('')).toMatchObject({ ok: false, code: 'bad_protocol' });
  });

  it('RELIABILITY 26 / RFC 6455 §4.1 item 5: an unoffered, repeated or malformed extension fails', () => {
    const r = (e: string) => validateUpgradeResponse(response({ ...OK_LINES, 'Sec-WebSocket-Extensions': e }), EXPECT);
    const ok = r('permessage-deflate; server_no_context_takeover');
    expect(ok.ok && ok.extensions.map((x) => [x.name, [...x.params]])).toEqual([
      ['permessage-deflate', [['server_no_context_takeover', true]]],
    ]);
    expect(r('x-webkit-deflate-frame')).toMatchObject({ ok: false, code: 'unoffered_extension' });
    expect(r('permessage-deflate, permessage-deflate')).toMatchObject({ ok: false, code: 'bad_extensions' });
    expect(r('permessage-deflate; a="')).toMatchObject({ ok: false, code: 'bad_extensions' });
    expect(r('')).toMatchObject({ ok: false, code: 'bad_extensions' });
  });

  it('RELIABILITY 25: __proto__, constructor and toString never negotiate falsely', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(
        validateUpgradeResponse(response({ ...OK_LINES, 'Sec-WebSocket-Extensions': name }), { ...EXPECT, extensionNames: [] }),
      ).toMatchObject({ ok: false, code: 'unoffered_extension' });
      expect(
        validateUpgradeResponse(response({ ...OK_LINES, 'Sec-WebSocket-Protocol': name }), { ...EXPECT, protocols: [] }),
      ).toMatchObject({ ok: false, code: 'unoffered_protocol' });
    }
    // A response whose header names are those words is still judged on the real headers.
    // A computed key makes __proto__ an own property (a literal `__proto__:` would set the prototype).
    const head = response({ ['__proto__']: 'x', constructor: 'y', toString: 'z', ...OK_LINES });
    expect(head.rawHeaders.slice(0, 2)).toEqual(['__proto__', 'x']);
    expect(validateUpgradeResponse(head, EXPECT).ok).toBe(true);
  });

  it('DESIGN §3: messages are lowercase and quote only a short sanitized excerpt of peer text', () => {
    const evil = `${'A'.repeat(500)}`;
    const r = validateUpgradeResponse(response({ ...OK_LINES, 'Sec-WebSocket-Protocol': evil }), EXPECT);
    if (r.ok) throw new Error('expected failure');
    expect(r.message.length).toBeLessThan(120);
    const e = validateUpgradeResponse(response({ ...OK_LINES, 'Sec-WebSocket-Extensions': `x\xe9y` }), EXPECT);
    if (e.ok) throw new Error('expected failure');
    expect(e.message).toMatch(/^[\x20-\x7e]+$/);
    const u = validateUpgradeResponse(response({ ...OK_LINES, 'Sec-WebSocket-Extensions': 'x' }), EXPECT);
    if (u.ok) throw new Error('expected failure');
    expect(u.message).toBe('server accepted extension "x" that was not offered');
    expect(u.message.replace(/"[^"]*"/g, '')).toBe(u.message.replace(/"[^"]*"/g, '').toLowerCase());
  });

  it('RELIABILITY 23: a response head from an untyped source never throws', () => {
    const head = { httpVersion: '1.1', status: 101, statusText: '', headers: { upgrade: ['websocket'], connection: 5 }, rawHeaders: [] } as unknown as HttpResponseHead;
    expect(validateUpgradeResponse(head, EXPECT)).toMatchObject({ ok: false, code: 'bad_upgrade' });
    const head2 = { ...head, headers: { ...okHeadersLower(), 'sec-websocket-protocol': ['chat'] } } as unknown as HttpResponseHead;
    expect(validateUpgradeResponse(head2, EXPECT)).toMatchObject({ ok: false, code: 'bad_protocol' });
  });
});

function okHeadersLower(): Record<string, string> {
  return { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': ACCEPT };
}
