import fc from 'fast-check';
import { UsageError } from '../../src/errors';
import {
  DEFAULT_HTTP_HEAD_LIMITS,
  HttpHeadParser,
  type HttpHeadLimits,
  type HttpRequestHead,
  type HttpResponseHead,
} from '../../src/handshake/http-head-parser';
import { bytes, feed, feedEveryWay, splitAt, type Outcome } from './head-feed';
import { minTimeMs } from './timing';

const request = (limits?: Partial<HttpHeadLimits>) => () => HttpHeadParser.request(limits);
const response = (limits?: Partial<HttpHeadLimits>) => () => HttpHeadParser.response(limits);

function done<T>(o: Outcome<T>): { head: T; after: number[] } {
  if (o.kind !== 'done') throw new Error(`expected done, got ${JSON.stringify(o)}`);
  return o;
}

/** RFC 6455 §1.2 / §4.1's example request, followed by a masked frame the client sent early. */
const RFC_REQUEST =
  'GET /chat HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Origin: http://example.com\r\n' +
  'Sec-WebSocket-Protocol: chat, superchat\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';
const FRAME = '\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58';

/** RFC 6455 §1.2 / §4.2.2's example response, followed by an unmasked "Hello" text frame. */
const RFC_RESPONSE =
  'HTTP/1.1 101 Switching Protocols\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
  'Sec-WebSocket-Protocol: chat\r\n' +
  '\r\n';
const SERVER_FRAME = '\x81\x05Hello';

describe('HttpHeadParser: valid heads (RFC 9112 §2-§5)', () => {
  it('RFC 6455 §4.1: the example request parses identically in every chunking; rest is the frame', () => {
    const { head, after } = done(feedEveryWay(request(), bytes(RFC_REQUEST + FRAME)));
    expect(head.method).toBe('GET');
    expect(head.target).toBe('/chat');
    expect(head.httpVersion).toBe('1.1');
    expect({ ...head.headers }).toEqual({
      host: 'server.example.com',
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      origin: 'http://example.com',
      'sec-websocket-protocol': 'chat, superchat',
      'sec-websocket-version': '13',
    });
    expect(head.rawHeaders.slice(0, 4)).toEqual(['Host', 'server.example.com', 'Upgrade', 'websocket']);
    expect(head.rawHeaders).toHaveLength(14);
    expect(after).toEqual([...bytes(FRAME)]);
  });

  it('RFC 6455 §4.2.2: the example response parses identically in every chunking; rest is the frame', () => {
    const { head, after } = done(feedEveryWay(response(), bytes(RFC_RESPONSE + SERVER_FRAME)));
    expect(head.httpVersion).toBe('1.1');
    expect(head.status).toBe(101);
    expect(head.statusText).toBe('Switching Protocols');
    expect(head.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(after).toEqual([...bytes(SERVER_FRAME)]);
  });

  it('RFC 9112 §2.1: rest is empty when the head ends the chunk', () => {
    const r = HttpHeadParser.request().push(bytes(RFC_REQUEST));
    expect(r.kind).toBe('done');
    if (r.kind === 'done') expect(r.rest).toHaveLength(0);
  });

  it('RFC 9110 §5.3: duplicates are joined, set-cookie listed, cookie joined with "; "; OWS trimmed', () => {
    const { head } = done(
      feedEveryWay(
        response(),
        bytes(
          'HTTP/1.1 101 OK\r\n' +
            'Set-Cookie: a=1\r\n' +
            'X-Multi:  one \t\r\n' +
            'set-cookie:b=2\r\n' +
            'x-multi:\ttwo\r\n' +
            'Cookie: c=3\r\n' +
            'COOKIE: d=4\r\n' +
            'X-Empty:\r\n' +
            'X-Spaces:    \r\n' +
            'X-Inner: a  b\tc\r\n' +
            '\r\n',
        ),
      ),
    );
    expect(head.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(head.headers['x-multi']).toBe('one, two');
    expect(head.headers.cookie).toBe('c=3; d=4');
    expect(head.headers['x-empty']).toBe('');
    expect(head.headers['x-spaces']).toBe('');
    expect(head.headers['x-inner']).toBe('a  b\tc');
    expect(head.rawHeaders).toEqual([
      'Set-Cookie', 'a=1', 'X-Multi', 'one', 'set-cookie', 'b=2', 'x-multi', 'two',
      'Cookie', 'c=3', 'COOKIE', 'd=4', 'X-Empty', '', 'X-Spaces', '', 'X-Inner', 'a  b\tc',
    ]);
  });

  it('RFC 9110 §5.5: obs-text in a value is kept, decoded as latin1 like Node', () => {
    const { head } = done(feedEveryWay(request(), bytes('GET / HTTP/1.1\r\nX-L: caf\xe9 \xff\r\n\r\n')));
    expect(head.headers['x-l']).toBe('caf\u00e9 \u00ff');
  });

  it('RFC 9112 §2.2: empty lines before the request line are skipped', () => {
    const { head, after } = done(feedEveryWay(request(), bytes('\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nX')));
    expect(head.target).toBe('/');
    expect(after).toEqual([0x58]);
  });

  it('RFC 9112 §3: any token method and version digits are accepted by the parser (validation is separate)', () => {
    const { head } = done(feedEveryWay(request(), bytes('M-SEARCH * HTTP/1.0\r\n\r\n')));
    expect(head).toEqual({ method: 'M-SEARCH', target: '*', httpVersion: '1.0', headers: {}, rawHeaders: [] });
    expect(done(feed(request(), [bytes('GET ws://h/p?q HTTP/2.0\r\n\r\n')])).head.httpVersion).toBe('2.0');
  });

  it('RFC 9112 §4: a status line without a reason phrase, with or without the SP', () => {
    expect(done(feedEveryWay(response(), bytes('HTTP/1.1 101\r\n\r\n'))).head).toMatchObject({ status: 101, statusText: '' });
    expect(done(feedEveryWay(response(), bytes('HTTP/1.1 404 \r\n\r\n'))).head).toMatchObject({ status: 404, statusText: '' });
    expect(done(feedEveryWay(response(), bytes('HTTP/1.0 503 Busy\tnow \r\n\r\n'))).head).toMatchObject({
      httpVersion: '1.0',
      status: 503,
      statusText: 'Busy\tnow ',
    });
  });

  it('RELIABILITY 25: __proto__, constructor and toString are ordinary headers, no pollution', () => {
    const { head } = done(
      feedEveryWay(
        request(),
        bytes('GET / HTTP/1.1\r\n__proto__: {"polluted":1}\r\nconstructor: c\r\ntoString: t\r\nConstructor: d\r\n\r\n'),
      ),
    );
    expect(Object.getPrototypeOf(head.headers)).toBeNull();
    expect(Object.prototype.hasOwnProperty.call(head.headers, '__proto__')).toBe(true);
    expect(head.headers['__proto__']).toBe('{"polluted":1}');
    expect(head.headers.constructor).toBe('c, d');
    expect(head.headers.tostring).toBe('t');
    // Names are lower-cased, and nothing is inherited: toString is not a function here.
    expect(head.headers.toString).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(head.headers)).toEqual(['__proto__', 'constructor', 'tostring']);
  });

  it('RFC 9112 §2.1: a Buffer is accepted (it is a Uint8Array), and empty pushes change nothing', () => {
    const p = HttpHeadParser.request();
    expect(p.push(new Uint8Array(0))).toEqual({ kind: 'incomplete' });
    expect(p.push(Buffer.from('GET / HTTP/1.1\r\n\r'))).toEqual({ kind: 'incomplete' });
    expect(p.push(new Uint8Array(0))).toEqual({ kind: 'incomplete' });
    expect(p.push(Buffer.from('\n')).kind).toBe('done');
  });
});

describe('HttpHeadParser: malformed heads give 400, never an exception (RELIABILITY 23)', () => {
  const badRequests: Array<[string, string]> = [
    ['RFC 9112 §2.2 bare LF line ends', 'GET / HTTP/1.1\nHost: a\n\n'],
    ['RFC 9112 §2.2 bare LF after headers', 'GET / HTTP/1.1\r\nHost: a\n\r\n'],
    ['RFC 9112 §2.2 bare CR', 'GET / HTTP/1.1\rHost: a\r\n\r\n'],
    ['RFC 9112 §2.2 bare CR in a value', 'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n'],
    ['RFC 9112 §3 double space', 'GET  / HTTP/1.1\r\n\r\n'],
    ['RFC 9112 §3 trailing space', 'GET / HTTP/1.1 \r\n\r\n'],
    ['RFC 9112 §2.3 lower-case version', 'GET / http/1.1\r\n\r\n'],
    ['RFC 9112 §2.3 two-digit version', 'GET / HTTP/11\r\n\r\n'],
    ['RFC 9112 §2.3 version junk', 'GET / HTTP/1.1x\r\n\r\n'],
    ['RFC 9112 §2.3 version letters', 'GET / HTTP/a.b\r\n\r\n'],
    ['RFC 9112 §3 missing version', 'GET /\r\n\r\n'],
    ['RFC 9112 §3 missing target', 'GET HTTP/1.1\r\n\r\n'],
    ['RFC 9112 §3 missing method', ' / HTTP/1.1\r\n\r\n'],
    ['RFC 9112 §3 non-token method', 'G(T / HTTP/1.1\r\n\r\n'],
    ['RFC 9112 §3.2 control byte in target', 'GET /\x7f HTTP/1.1\r\n\r\n'],
    ['RFC 9112 §3.2 non-ASCII target', 'GET /\xe9 HTTP/1.1\r\n\r\n'],
    ['RFC 9112 §3.2 tab in target', 'GET /a\tb HTTP/1.1\r\n\r\n'],
    ['RFC 9112 §5.1 space before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'],
    ['RFC 9112 §5.1 tab before colon', 'GET / HTTP/1.1\r\nHost\t: a\r\n\r\n'],
    ['RFC 9112 §5 missing colon', 'GET / HTTP/1.1\r\nHost a\r\n\r\n'],
    ['RFC 9112 §5 missing colon, name only', 'GET / HTTP/1.1\r\nHost\r\n\r\n'],
    ['RFC 9112 §5 empty name', 'GET / HTTP/1.1\r\n: a\r\n\r\n'],
    ['RFC 9110 §5.1 non-token name', 'GET / HTTP/1.1\r\nHo(st: a\r\n\r\n'],
    ['RFC 9110 §5.1 non-ASCII name', 'GET / HTTP/1.1\r\nH\xe9: a\r\n\r\n'],
    ['RFC 9112 §2.2 whitespace before first header', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n'],
    ['RFC 9112 §5.2 obs-fold', 'GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n'],
    ['RFC 9112 §5.2 obs-fold with tab', 'GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n'],
    ['RFC 9110 §5.5 NUL in value', 'GET / HTTP/1.1\r\nX: a\0b\r\n\r\n'],
    ['RFC 9110 §5.5 DEL in value', 'GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n'],
    ['RFC 9110 §5.5 control in value', 'GET / HTTP/1.1\r\nX: \x01\r\n\r\n'],
    ['RFC 9112 §3.2 duplicate host', 'GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n'],
    ['RFC 9112 §6.3 duplicate content-length', 'GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n'],
  ];
  it.each(badRequests)('%s → 400 in every chunking', (_title, text) => {
    const r = feedEveryWay(request(), bytes(text));
    expect(r).toMatchObject({ kind: 'error', status: 400 });
  });

  const badResponses: Array<[string, string]> = [
    ['RFC 9112 §4 empty status line', '\r\nHTTP/1.1 101 OK\r\n\r\n'],
    ['RFC 9112 §4 two-digit status', 'HTTP/1.1 10 OK\r\n\r\n'],
    ['RFC 9112 §4 four-digit status', 'HTTP/1.1 1011\r\n\r\n'],
    ['RFC 9110 §15 status below 100', 'HTTP/1.1 099 x\r\n\r\n'],
    ['RFC 9110 §15 status above 599', 'HTTP/1.1 600 x\r\n\r\n'],
    ['RFC 9112 §4 letters', 'HTTP/1.1 abc\r\n\r\n'],
    ['RFC 9112 §4 double space', 'HTTP/1.1  101\r\n\r\n'],
    ['RFC 9112 §4 control byte in reason', 'HTTP/1.1 101 a\x01\r\n\r\n'],
    ['RFC 9112 §4 no status', 'HTTP/1.1\r\n\r\n'],
    ['RFC 9112 §4 not HTTP', 'ICY 200 OK\r\n\r\n'],
    ['RFC 9112 §4 tab separator', 'HTTP/1.1\t101 OK\r\n\r\n'],
  ];
  it.each(badResponses)('%s → 400 in every chunking', (_title, text) => {
    expect(feedEveryWay(response(), bytes(text))).toMatchObject({ kind: 'error', status: 400 });
  });

  it('RELIABILITY 23 (CVE-2024-37890): a truncated header list ends with 400 from end(), not a TypeError', () => {
    for (const cut of [0, 5, 17, 40, RFC_REQUEST.length - 2, RFC_REQUEST.length - 1]) {
      const p = HttpHeadParser.request();
      expect(p.push(bytes(RFC_REQUEST.slice(0, cut)))).toEqual({ kind: 'incomplete' });
      expect(p.end()).toMatchObject({ kind: 'error', status: 400 });
      // Sticky: the same answer again.
      expect(p.end()).toMatchObject({ kind: 'error', status: 400 });
      expect(p.push(bytes('\r\n'))).toMatchObject({ kind: 'error', status: 400 });
    }
  });

  it('RELIABILITY 23: an error is sticky', () => {
    const p = HttpHeadParser.request();
    const first = p.push(bytes('GET / HTTP/1.1\nHost'));
    expect(first).toMatchObject({ kind: 'error', status: 400 });
    expect(p.push(bytes(RFC_REQUEST))).toEqual(first);
  });

  it('RFC 9112 §2.1: pushing after done, or ending after done, is a UsageError', () => {
    const p = HttpHeadParser.request();
    expect(p.push(bytes(RFC_REQUEST)).kind).toBe('done');
    expect(() => p.push(bytes('x'))).toThrow(UsageError);
    expect(() => p.end()).toThrow(UsageError);
  });

  it('DESIGN §3: a chunk that is not a Uint8Array is a UsageError', () => {
    expect(() => HttpHeadParser.request().push('GET' as unknown as Uint8Array)).toThrow(UsageError);
  });
});

describe('HttpHeadParser: limits give 431 (RELIABILITY 23)', () => {
  function withHeaders(count: number): string {
    let s = 'GET / HTTP/1.1\r\n';
    for (let i = 0; i < count; i++) s += `X-H${i}: v\r\n`;
    return `${s}\r\n`;
  }

  it('RELIABILITY 23: more than maxHeaderCount headers → 431; exactly the limit is fine', () => {
    expect(feedEveryWay(request({ maxHeaderCount: 3 }), bytes(withHeaders(3))).kind).toBe('done');
    expect(feedEveryWay(request({ maxHeaderCount: 3 }), bytes(withHeaders(4)))).toEqual({
      kind: 'error',
      status: 431,
      message: 'too many header fields',
    });
    expect(feed(request(), [bytes(withHeaders(100))]).kind).toBe('done');
    expect(feed(request(), [bytes(withHeaders(101))])).toMatchObject({ kind: 'error', status: 431 });
    expect(feed(request({ maxHeaderCount: 0 }), [bytes(withHeaders(1))])).toMatchObject({ status: 431 });
  });

  it('RELIABILITY 23: the count limit is hit at the first byte of the header line too many', () => {
    const p = HttpHeadParser.request({ maxHeaderCount: 2 });
    expect(p.push(bytes('GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n'))).toEqual({ kind: 'incomplete' });
    expect(p.push(bytes('C'))).toMatchObject({ kind: 'error', status: 431 });
  });

  it('RELIABILITY 23: a head over maxHeaderBytes → 431; exactly the limit is fine', () => {
    const text = withHeaders(5);
    expect(feedEveryWay(request({ maxHeaderBytes: text.length }), bytes(`${text}tail`))).toMatchObject({
      kind: 'done',
      after: [...bytes('tail')],
    });
    // One byte short: the limit falls between the final CR and LF.
    expect(feedEveryWay(request({ maxHeaderBytes: text.length - 1 }), bytes(text))).toEqual({
      kind: 'error',
      status: 431,
      message: 'http head too large',
    });
    expect(feed(request({ maxHeaderBytes: text.length - 2 }), [bytes(text)])).toMatchObject({ status: 431 });
  });

  it('RELIABILITY 23: an oversized line is refused as soon as the limit is crossed, without buffering past it', () => {
    const p = HttpHeadParser.request({ maxHeaderBytes: 100 });
    const start = bytes('GET / HTTP/1.1\r\nX: ');
    expect(p.push(start)).toEqual({ kind: 'incomplete' });
    for (let i = start.length; i < 100; i++) expect(p.push(bytes('a'))).toEqual({ kind: 'incomplete' });
    expect(p.push(bytes('a'))).toMatchObject({ kind: 'error', status: 431 });

    // One huge chunk: answered at once; the parser's line buffer never grew past the limit.
    const q = HttpHeadParser.request({ maxHeaderBytes: 1024 });
    const huge = new Uint8Array(8 * 1024 * 1024).fill(0x61);
    expect(q.push(huge)).toMatchObject({ kind: 'error', status: 431 });
    const q2 = HttpHeadParser.request({ maxHeaderBytes: 1024 });
    q2.push(huge.subarray(0, 1000));
    expect(q2.push(huge)).toMatchObject({ kind: 'error', status: 431 });
  });

  it('RELIABILITY 23: the default limits are 16 KiB and 100 headers', () => {
    expect(DEFAULT_HTTP_HEAD_LIMITS).toEqual({ maxHeaderBytes: 16384, maxHeaderCount: 100 });
    expect(Object.isFrozen(DEFAULT_HTTP_HEAD_LIMITS)).toBe(true);
    const big = `GET / HTTP/1.1\r\nX: ${'a'.repeat(16384)}\r\n\r\n`;
    expect(feed(request(), [bytes(big)])).toMatchObject({ status: 431 });
  });

  it('DESIGN §3: limits are validated at construction', () => {
    expect(() => HttpHeadParser.request({ maxHeaderBytes: 0 })).toThrow(UsageError);
    expect(() => HttpHeadParser.request({ maxHeaderBytes: 1.5 })).toThrow(UsageError);
    expect(() => HttpHeadParser.response({ maxHeaderCount: -1 })).toThrow(UsageError);
    expect(() => HttpHeadParser.response({ maxHeaderCount: NaN })).toThrow(UsageError);
    expect(() => HttpHeadParser.request({ maxHeaderByte: 5 } as Partial<HttpHeadLimits>)).toThrow(/unknown/);
    expect(() => HttpHeadParser.request(null as unknown as Partial<HttpHeadLimits>)).toThrow(UsageError);
    expect(() => HttpHeadParser.request({})).not.toThrow();
  });

  it('frozen limits objects (one per server, checked once) are each applied as given, in any order', () => {
    const strict = Object.freeze({ maxHeaderCount: 1 });
    const loose = Object.freeze({ maxHeaderCount: 5, maxHeaderBytes: 4096 });
    const two = bytes(withHeaders(2));
    for (let i = 0; i < 3; i++) {
      expect(HttpHeadParser.request(strict).push(two)).toMatchObject({ kind: 'error', status: 431 });
      expect(HttpHeadParser.request(loose).push(two).kind).toBe('done');
      expect(HttpHeadParser.request({ maxHeaderCount: 1 }).push(two)).toMatchObject({ status: 431 });
    }
    expect(() => HttpHeadParser.request(Object.freeze({ maxHeaderCount: -1 }))).toThrow(UsageError);
    expect(() => HttpHeadParser.request(Object.freeze({ maxHeaderCount: -1 }))).toThrow(UsageError);
  });

  it('DESIGN §4.8: a 16 KiB head costs linear time whatever the chunking', () => {
    const text = withHeaders(90).replace(/: v/g, `: ${'v'.repeat(150)}`);
    const data = bytes(text);
    expect(data.length).toBeGreaterThan(14000);
    const byteByByte = Array.from(data, (_, i) => data.subarray(i, i + 1));
    expect(feed(request(), [data]).kind).toBe('done');
    expect(feed(request(), byteByByte).kind).toBe('done');
    // ~3 ms on an idle machine. Re-scanning from the start on every push would be ~10^8 byte
    // visits, close to a second, so the bound leaves room for a heavily loaded machine.
    expect(minTimeMs(() => feed(request(), byteByByte), 20)).toBeLessThan(250);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties (DESIGN §4 habit 4): any bytes, any chunking → a result, never an exception, and
// the same result for every chunking.

const PIECES = [
  'GET / HTTP/1.1', 'GET /chat?x=1 HTTP/1.1', 'HTTP/1.1 101 Switching Protocols', 'HTTP/1.1 400',
  '\r\n', '\r\n', '\r\n', '\r\n\r\n', '\r', '\n', 'Host', 'Upgrade', 'set-cookie', 'Cookie',
  'content-length', '__proto__', 'constructor', ': ', ':', ' ', '\t', 'a', 'websocket', '\0',
  '\x7f', '\xff', '(', 'x'.repeat(40),
];
const headSoup = fc
  .array(fc.constantFrom(...PIECES), { maxLength: 40 })
  .map((parts) => bytes(parts.join('')));
const anyBytes = fc.oneof(headSoup, fc.uint8Array({ maxLength: 200 }));
const limitsArb = fc.oneof(
  fc.constant(undefined),
  fc.record({ maxHeaderBytes: fc.integer({ min: 1, max: 300 }), maxHeaderCount: fc.integer({ min: 0, max: 5 }) }),
);
function chunked(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const offsets = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  return splitAt(data, offsets);
}

describe('HttpHeadParser properties', () => {
  it.each([
    ['request', (l?: Partial<HttpHeadLimits>) => () => HttpHeadParser.request(l)],
    ['response', (l?: Partial<HttpHeadLimits>) => () => HttpHeadParser.response(l)],
  ] as const)(
    'RELIABILITY 8/23 property (%s): any bytes in any chunking give the whole-chunk result, never an exception',
    (_kind, make) => {
      fc.assert(
        fc.property(anyBytes, fc.array(fc.nat(), { maxLength: 6 }), limitsArb, (data, cuts, limits) => {
          const factory = make(limits) as () => HttpHeadParser<HttpRequestHead | HttpResponseHead>;
          const whole = feed(factory, [data]);
          expect(['incomplete', 'done', 'error']).toContain(whole.kind);
          expect(feed(factory, chunked(data, cuts))).toEqual(whole);
          if (whole.kind === 'done') {
            // rest is a suffix of the input, and the head before it fits the limit.
            const headLen = data.length - whole.after.length;
            expect([...data.subarray(headLen)]).toEqual(whole.after);
            expect(headLen).toBeLessThanOrEqual(limits?.maxHeaderBytes ?? 16384);
          }
          if (whole.kind === 'incomplete') {
            const p = factory();
            p.push(data);
            expect(p.end()).toMatchObject({ kind: 'error', status: 400 });
          }
        }),
        { numRuns: 500 },
      );
    },
  );

  it('RELIABILITY 8 property: byte-by-byte feeding of any soup matches whole feeding', () => {
    fc.assert(
      fc.property(headSoup, (data) => {
        const whole = feed(request(), [data]);
        expect(feed(request(), Array.from(data, (_, i) => data.subarray(i, i + 1)))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});
