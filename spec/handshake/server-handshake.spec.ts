import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { UsageError, type HttpHeaders } from '../../src/errors';
import { acceptKeyInput } from '../../src/handshake/accept-key';
import { validateUpgradeResponse } from '../../src/handshake/client-handshake';
import { formatExtensions, type ExtensionOffer } from '../../src/handshake/extensions';
import { HttpHeadParser, type HttpResponseHead } from '../../src/handshake/http-head-parser';
import {
  buildAcceptResponse,
  buildRejectResponse,
  validateUpgradeRequest,
} from '../../src/handshake/server-handshake';
import { bytes, feed, feedEveryWay } from './head-feed';
import { minTimeMs } from './timing';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** A valid RFC 6455 §4.1 request's headers, with overrides (undefined deletes). */
function headers(overrides: Record<string, string | string[] | undefined> = {}): HttpHeaders {
  const h: HttpHeaders = {
    host: 'server.example.com',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': KEY,
    'sec-websocket-version': '13',
    ...overrides,
  };
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  return h;
}

function status(result: ReturnType<typeof validateUpgradeRequest>): number {
  return result.ok ? 101 : result.status;
}

function parseResponse(text: string): { head: HttpResponseHead; after: number[] } {
  const o = feed(() => HttpHeadParser.response(), [Buffer.from(text, 'utf8')]);
  if (o.kind !== 'done') throw new Error(`response did not parse: ${JSON.stringify(o)}`);
  return o;
}

describe('validateUpgradeRequest (RFC 6455 §4.2.1)', () => {
  it('RFC 6455 §4.1: the example request parses and validates', () => {
    const text =
      'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n' +
      'Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const o = feedEveryWay(() => HttpHeadParser.request(), bytes(text));
    if (o.kind !== 'done') throw new Error('no head');
    const { method, target, headers: h, httpVersion } = o.head;
    expect(validateUpgradeRequest(method, target, h, httpVersion)).toEqual({
      ok: true,
      info: {
        key: KEY,
        version: 13,
        protocols: ['chat', 'superchat'],
        extensions: [],
        origin: 'http://example.com',
        host: 'server.example.com',
        path: '/chat',
        query: '',
      },
    });
  });

  it('RELIABILITY 21 / RFC 6455 §4.2.1 item 1: a method other than GET → 405 with Allow: GET', () => {
    for (const m of ['POST', 'HEAD', 'get', 'CONNECT', '']) {
      expect(validateUpgradeRequest(m, '/', headers())).toEqual({
        ok: false,
        status: 405,
        headers: { Allow: 'GET' },
        message: 'method not allowed',
      });
    }
  });

  it('RFC 6455 §4.1 item 1: HTTP/1.0 → 400, HTTP/2+ framing → 505, 1.1 and later 1.x accepted', () => {
    expect(status(validateUpgradeRequest('GET', '/', headers(), '1.1'))).toBe(101);
    expect(status(validateUpgradeRequest('GET', '/', headers(), 'HTTP/1.1'))).toBe(101);
    expect(status(validateUpgradeRequest('GET', '/', headers(), '1.2'))).toBe(101);
    expect(status(validateUpgradeRequest('GET', '/', headers()))).toBe(101);
    expect(status(validateUpgradeRequest('GET', '/', headers(), '1.0'))).toBe(400);
    expect(status(validateUpgradeRequest('GET', '/', headers(), '0.9'))).toBe(400);
    expect(status(validateUpgradeRequest('GET', '/', headers(), '2.0'))).toBe(505);
    for (const bad of ['', '1', '1.', '.1', 'x.y', '1.1.1', 'HTTP/']) {
      expect(status(validateUpgradeRequest('GET', '/', headers(), bad))).toBe(400);
    }
    expect(status(validateUpgradeRequest('GET', '/', headers(), 11 as unknown as string))).toBe(400);
  });

  it('RFC 9112 §3.2: origin-form and absolute-form targets; path raw, query without "?"', () => {
    const info = (target: string) => {
      const r = validateUpgradeRequest('GET', target, headers());
      if (!r.ok) throw new Error(`${target}: ${r.message}`);
      return { path: r.info.path, query: r.info.query, host: r.info.host };
    };
    expect(info('/chat?room=1&x')).toEqual({ path: '/chat', query: 'room=1&x', host: 'server.example.com' });
    expect(info('/a%20b?')).toEqual({ path: '/a%20b', query: '', host: 'server.example.com' });
    expect(info('/?a?b')).toEqual({ path: '/', query: 'a?b', host: 'server.example.com' });
    expect(info('ws://example.com:8080/p?q')).toEqual({ path: '/p', query: 'q', host: 'example.com:8080' });
    expect(info('WSS://h')).toEqual({ path: '/', query: '', host: 'h' });
    expect(info('http://h?x=1')).toEqual({ path: '/', query: 'x=1', host: 'h' });
    expect(info('https://[::1]:9/a/b')).toEqual({ path: '/a/b', query: '', host: '[::1]:9' });
  });

  it('RFC 6455 §3 / RFC 9112 §3.2: other target forms, fragments and junk → 400', () => {
    for (const t of ['*', 'example.com:80', 'ftp://h/', 'ws:///p', 'ws://u@h/', '/a#b', '/a b', '', 'chat', '/\u00e9', 'ws:/h']) {
      expect([t, status(validateUpgradeRequest('GET', t, headers()))]).toEqual([t, 400]);
    }
    expect(status(validateUpgradeRequest('GET', undefined as unknown as string, headers()))).toBe(400);
  });

  it('RFC 9112 §3.2: Host missing, empty, repeated or with whitespace → 400', () => {
    for (const host of [undefined, '', 'a b', 'a,b', 'a\tb', ['a', 'b']]) {
      expect(status(validateUpgradeRequest('GET', '/', headers({ host })))).toBe(400);
    }
    const dup = feed(() => HttpHeadParser.request(), [bytes('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')]);
    expect(dup).toMatchObject({ kind: 'error', status: 400 });
  });

  it('RELIABILITY 21: Upgrade without "websocket" → 400', () => {
    for (const upgrade of [undefined, '', 'h2c', 'websockets', 'web socket']) {
      const r = validateUpgradeRequest('GET', '/', headers({ upgrade }));
      expect(r).toMatchObject({ ok: false, status: 400, message: 'missing or invalid upgrade header' });
    }
    expect(status(validateUpgradeRequest('GET', '/', headers({ upgrade: 'WebSocket' })))).toBe(101);
    expect(status(validateUpgradeRequest('GET', '/', headers({ upgrade: 'h2c, websocket' })))).toBe(101);
  });

  it('RELIABILITY 21: Connection without "upgrade" → 400', () => {
    for (const connection of [undefined, 'keep-alive', 'close', 'upgraded']) {
      expect(validateUpgradeRequest('GET', '/', headers({ connection }))).toMatchObject({ ok: false, status: 400 });
    }
    expect(status(validateUpgradeRequest('GET', '/', headers({ connection: 'keep-alive, Upgrade' })))).toBe(101);
  });

  it('RELIABILITY 21: Sec-WebSocket-Version other than 13, or missing → 426 with Sec-WebSocket-Version: 13', () => {
    for (const v of [undefined, '8', '12', '14', '013', ' 13', '13, 13', 'x', ['13', '13']]) {
      expect(validateUpgradeRequest('GET', '/', headers({ 'sec-websocket-version': v }))).toEqual({
        ok: false,
        status: 426,
        headers: { 'Sec-WebSocket-Version': '13' },
        message: 'unsupported websocket version',
      });
    }
  });

  it('RFC 6455 §4.2.2 item 4: a pre-RFC client (no version, no key) is told 426, not 400', () => {
    const r = validateUpgradeRequest('GET', '/', headers({ 'sec-websocket-version': undefined, 'sec-websocket-key': undefined }));
    expect(status(r)).toBe(426);
  });

  it('RELIABILITY 21: a key that is not base64 of 16 bytes, missing or repeated → 400', () => {
    for (const key of [undefined, '', 'abc', 'dGhlIHNhbXBsZSBub25jZQ', `${KEY}, ${KEY}`, [KEY, KEY], 'dGhlIHNhbXBsZSBub25jZR==']) {
      expect(validateUpgradeRequest('GET', '/', headers({ 'sec-websocket-key': key }))).toMatchObject({
        ok: false,
        status: 400,
        message: 'missing or invalid sec-websocket-key header',
      });
    }
  });

  it('RELIABILITY 26: duplicate or non-token subprotocols → 400', () => {
    for (const p of ['chat, chat', 'chat, super chat', '"chat"', '', ['a', 'a'], 'b' + ' '.repeat(65536) + 'x']) {
      expect(validateUpgradeRequest('GET', '/', headers({ 'sec-websocket-protocol': p }))).toMatchObject({
        ok: false,
        status: 400,
        message: 'invalid sec-websocket-protocol header',
      });
    }
    const ok = validateUpgradeRequest('GET', '/', headers({ 'sec-websocket-protocol': ['a', 'b, c'] }));
    expect(ok.ok && ok.info.protocols).toEqual(['a', 'b', 'c']);
  });

  it('RELIABILITY 24: hostile protocol/extension headers, end to end (parse + validate), answered in linear time', () => {
    const base =
      'GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
    const cases = [
      `${base}Sec-WebSocket-Protocol: b${' '.repeat(64 * 1024)}x\r\n\r\n`,
      `${base}Sec-WebSocket-Extensions: permessage-deflate; a="${'\\x'.repeat(32 * 1024)}\r\n\r\n`,
    ];
    for (const text of cases) {
      const data = bytes(text);
      // Default limits: refused by size before any grammar runs.
      expect(feed(() => HttpHeadParser.request(), [data])).toMatchObject({ kind: 'error', status: 431 });
      // With a limit large enough to let it through, the grammar refuses it.
      const run = () => {
        const o = feed(() => HttpHeadParser.request({ maxHeaderBytes: 1 << 20 }), [data]);
        if (o.kind !== 'done') throw new Error('no head');
        return validateUpgradeRequest(o.head.method, o.head.target, o.head.headers, o.head.httpVersion);
      };
      expect(run()).toMatchObject({ ok: false, status: 400 });
      expect(minTimeMs(run)).toBeLessThan(5);
    }
  });

  it('RFC 6455 §9.1: malformed Sec-WebSocket-Extensions → 400; a valid one is parsed', () => {
    for (const e of ['permessage-deflate; a="1', 'a b', ';', '', 'x; a="\\x\\x\\x']) {
      expect(validateUpgradeRequest('GET', '/', headers({ 'sec-websocket-extensions': e }))).toMatchObject({
        ok: false,
        status: 400,
        message: 'invalid sec-websocket-extensions header',
      });
    }
    const r = validateUpgradeRequest('GET', '/', headers({ 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits' }));
    expect(r.ok && r.info.extensions.map((x) => [x.name, [...x.params]])).toEqual([
      ['permessage-deflate', [['client_max_window_bits', true]]],
    ]);
  });

  it('RFC 6455 §4.2.1: a request body (Content-Length > 0 or Transfer-Encoding) → 400, since the bytes after the head are frames', () => {
    expect(status(validateUpgradeRequest('GET', '/', headers({ 'content-length': '0' })))).toBe(101);
    expect(status(validateUpgradeRequest('GET', '/', headers({ 'content-length': '5' })))).toBe(400);
    expect(status(validateUpgradeRequest('GET', '/', headers({ 'transfer-encoding': 'chunked' })))).toBe(400);
  });

  it('RFC 6454: Origin is reported as sent (undefined when absent)', () => {
    const a = validateUpgradeRequest('GET', '/', headers());
    expect(a.ok && a.info.origin).toBeUndefined();
    const b = validateUpgradeRequest('GET', '/', headers({ origin: ['https://a', 'https://b'] }));
    expect(b.ok && b.info.origin).toBe('https://a, https://b');
  });

  it('RELIABILITY 23 (CVE-2024-37890): an empty or bizarre header object gives a status, never a TypeError', () => {
    const weird = [
      {},
      Object.create(null) as HttpHeaders,
      { host: 5, upgrade: 5, connection: {}, 'sec-websocket-version': 13 } as unknown as HttpHeaders,
      { ...headers(), 'sec-websocket-protocol': 7 } as unknown as HttpHeaders,
      { ...headers(), 'sec-websocket-extensions': [1] } as unknown as HttpHeaders,
    ];
    for (const h of weird) {
      const r = validateUpgradeRequest('GET', '/', h);
      expect(r.ok).toBe(false);
    }
  });

  it('RELIABILITY 25: __proto__, constructor and toString headers do not confuse validation', () => {
    const text =
      'GET / HTTP/1.1\r\n__proto__: x\r\nconstructor: y\r\ntoString: z\r\nHost: h\r\n' +
      'Upgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: __proto__, constructor\r\n' +
      'Sec-WebSocket-Extensions: toString; __proto__=1\r\n\r\n';
    const o = feed(() => HttpHeadParser.request(), [bytes(text)]);
    if (o.kind !== 'done') throw new Error('no head');
    const r = validateUpgradeRequest(o.head.method, o.head.target, o.head.headers, o.head.httpVersion);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.info.protocols).toEqual(['__proto__', 'constructor']);
      expect(r.info.extensions[0]!.name).toBe('toString');
      expect(r.info.extensions[0]!.params.get('__proto__')).toBe('1');
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    // A plain object with no Upgrade: the inherited members are never read as headers.
    const plain = headers({ upgrade: undefined });
    expect(status(validateUpgradeRequest('GET', '/', plain))).toBe(400);
  });
});

describe('buildAcceptResponse (RFC 6455 §4.2.2 item 5)', () => {
  it('RFC 6455 §1.3: the example 101 response, byte for byte', () => {
    const accept = createHash('sha1').update(acceptKeyInput(KEY)).digest('base64');
    expect(accept).toBe(ACCEPT);
    expect(buildAcceptResponse({ accept, protocol: 'chat' })).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${ACCEPT}\r\nSec-WebSocket-Protocol: chat\r\n\r\n`,
    );
  });

  it('RFC 6455 §4.2.2: extensions and extra headers follow the handshake headers', () => {
    expect(
      buildAcceptResponse({
        accept: ACCEPT,
        extensions: 'permessage-deflate; server_no_context_takeover',
        headers: { 'X-Hello': 'yes', 'Set-Cookie': ['a=1', 'b=2'], 'X-N': 7 },
      }),
    ).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${ACCEPT}\r\n` +
        'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n' +
        'X-Hello: yes\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-N: 7\r\n\r\n',
    );
    expect(buildAcceptResponse({ accept: ACCEPT, extensions: '' })).not.toContain('Extensions');
  });

  it('RELIABILITY 28: extra headers may not override the handshake headers (any case)', () => {
    for (const name of ['Upgrade', 'connection', 'SEC-WEBSOCKET-ACCEPT', 'Sec-WebSocket-Protocol', 'sec-websocket-extensions', 'Content-Length', 'Transfer-Encoding']) {
      expect(() => buildAcceptResponse({ accept: ACCEPT, headers: { [name]: 'x' } })).toThrow(UsageError);
    }
  });

  it('RELIABILITY 28: CR, LF or NUL anywhere we would emit → UsageError before anything is produced', () => {
    for (const bad of ['\r', '\n', '\0', '\r\nX-Evil: 1']) {
      expect(() => buildAcceptResponse({ accept: ACCEPT + bad })).toThrow(UsageError);
      expect(() => buildAcceptResponse({ accept: ACCEPT, protocol: `chat${bad}` })).toThrow(UsageError);
      expect(() => buildAcceptResponse({ accept: ACCEPT, extensions: `x${bad}` })).toThrow(UsageError);
      expect(() => buildAcceptResponse({ accept: ACCEPT, headers: { 'X-A': `v${bad}` } })).toThrow(UsageError);
      expect(() => buildAcceptResponse({ accept: ACCEPT, headers: { [`X-A${bad}`]: 'v' } })).toThrow(UsageError);
    }
    expect(() => buildAcceptResponse({ accept: '' })).toThrow(UsageError);
    expect(() => buildAcceptResponse({ accept: ACCEPT, protocol: 'two words' })).toThrow(UsageError);
    expect(() => buildAcceptResponse(null as unknown as { accept: string })).toThrow(UsageError);
  });
});

describe('buildRejectResponse (RFC 9112 §4, §6)', () => {
  it('RELIABILITY 21: a 400 with the reason phrase as default body', () => {
    expect(buildRejectResponse(400)).toBe(
      'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 11\r\n\r\nBad Request',
    );
    expect(buildRejectResponse(404, undefined, '')).toMatch(/Content-Length: 0\r\n\r\n$/);
  });

  it('RELIABILITY 21: the 405 and 426 answers of validateUpgradeRequest build as they are', () => {
    const r = validateUpgradeRequest('GET', '/', headers({ 'sec-websocket-version': '8' }));
    if (r.ok) throw new Error('expected a rejection');
    const text = buildRejectResponse(r.status, r.headers, r.message);
    expect(text.startsWith('HTTP/1.1 426 Upgrade Required\r\n')).toBe(true);
    const { head, after } = parseResponse(text);
    expect(head.headers['sec-websocket-version']).toBe('13');
    expect(Buffer.from(after).toString()).toBe('unsupported websocket version');
    const m = validateUpgradeRequest('POST', '/', headers());
    if (m.ok) throw new Error('expected a rejection');
    expect(parseResponse(buildRejectResponse(m.status, m.headers)).head.headers.allow).toBe('GET');
  });

  it('RFC 9110 §8.6: Content-Length counts UTF-8 bytes; a given Content-Type is kept', () => {
    const text = buildRejectResponse(403, { 'content-type': 'application/json' }, '{"e":"\u00e9\u{1f600}"}');
    expect(text).toContain('\r\ncontent-type: application/json\r\n');
    expect(text).not.toContain('text/plain');
    expect(text).toContain(`Content-Length: ${Buffer.byteLength('{"e":"\u00e9\u{1f600}"}')}\r\n`);
    for (const body of ['\ud800', 'a\udc00b', '\ud800\ud800', '\u0800', '\u07ff']) {
      expect(buildRejectResponse(400, {}, body)).toContain(`Content-Length: ${Buffer.byteLength(body)}\r\n`);
    }
  });

  it('DESIGN §3: a status outside 400-599 is a UsageError', () => {
    for (const s of [101, 200, 399, 600, 400.5, NaN]) {
      expect(() => buildRejectResponse(s)).toThrow(UsageError);
    }
    expect(() => buildRejectResponse(400, {}, 5 as unknown as string)).toThrow(UsageError);
  });

  it('RELIABILITY 28: reserved or unsafe headers throw UsageError before anything is produced', () => {
    for (const name of ['Connection', 'content-length', 'Transfer-Encoding']) {
      expect(() => buildRejectResponse(400, { [name]: 'x' })).toThrow(UsageError);
    }
    for (const bad of ['\r', '\n', '\0']) {
      expect(() => buildRejectResponse(401, { 'WWW-Authenticate': `Basic${bad}` })).toThrow(UsageError);
      expect(() => buildRejectResponse(401, { [`X${bad}`]: 'v' })).toThrow(UsageError);
    }
  });

  it('property RFC 9112 §6: build → parse round-trips status, headers and the body bytes', () => {
    const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
    const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e\t]{0,20}[\x21-\x7e])?$/);
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        fc.uniqueArray(fc.tuple(token, value), { selector: ([k]) => k.toLowerCase(), maxLength: 5 }),
        fc.string({ unit: 'grapheme', maxLength: 50 }),
        (code, pairs, body) => {
          const extra = Object.fromEntries(
            pairs.filter(([k]) => !['connection', 'content-length', 'transfer-encoding', 'content-type', 'set-cookie'].includes(k.toLowerCase())),
          );
          const text = buildRejectResponse(code, extra, body);
          const { head, after } = parseResponse(text);
          expect(head.status).toBe(code);
          expect(head.headers.connection).toBe('close');
          for (const [k, v] of Object.entries(extra)) expect(head.headers[k.toLowerCase()]).toBe(v);
          expect(Number(head.headers['content-length'])).toBe(after.length);
          expect(Buffer.from(after).toString('utf8')).toBe(body);
        },
      ),
    );
  });

  it('property RFC 6455 §4.2.2: a built 101 parses and passes the client validation', () => {
    const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,10}$/);
    const offer: fc.Arbitrary<ExtensionOffer> = fc.record({
      name: token,
      params: fc
        .uniqueArray(fc.tuple(token, fc.oneof(fc.constant(true as const), token)), { selector: ([k]) => k, maxLength: 3 })
        .map((p) => new Map<string, string | true>(p)),
    });
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.option(token, { nil: undefined }),
        fc.uniqueArray(offer, { selector: (o) => o.name, maxLength: 3 }),
        (digest, protocol, offers) => {
          const accept = Buffer.from(digest).toString('base64');
          const extensions = formatExtensions(offers);
          const text = buildAcceptResponse({ accept, protocol, extensions, headers: { 'X-Id': '1' } });
          const o = feed(() => HttpHeadParser.response(), [bytes(text)]);
          if (o.kind !== 'done') throw new Error('did not parse');
          expect(o.after).toEqual([]);
          expect(o.head.headers['x-id']).toBe('1');
          const v = validateUpgradeResponse(o.head, {
            accept,
            protocols: protocol === undefined ? [] : [protocol],
            extensionNames: offers.map((x) => x.name),
          });
          expect(v.ok).toBe(true);
          if (v.ok) {
            expect(v.protocol).toBe(protocol);
            expect(v.extensions.map((x) => [x.name, [...x.params]])).toEqual(offers.map((x) => [x.name, [...x.params]]));
          }
        },
      ),
    );
  });
});
