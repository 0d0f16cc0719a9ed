import fc from 'fast-check';
import { UsageError } from '../../src/errors';
import { formatExtensions, parseExtensions, type ExtensionOffer } from '../../src/handshake/extensions';
import { minTimeMs } from './timing';

function simple(list: ExtensionOffer[] | null): Array<[string, Array<[string, string | true]>]> | null {
  return list === null ? null : list.map((e) => [e.name, [...e.params]]);
}

describe('parseExtensions (RFC 6455 §9.1, RFC 7692 §5)', () => {
  it('RFC 7692 §5: parses a permessage-deflate offer with parameters', () => {
    expect(
      simple(parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits=10')),
    ).toEqual([['permessage-deflate', [['client_max_window_bits', true], ['server_max_window_bits', '10']]]]);
  });

  it('RFC 7692 §5: several offers, in order, with OWS around separators', () => {
    expect(
      simple(parseExtensions(' foo ;a = 1 ; b\t, bar,baz;c="x"')),
    ).toEqual([
      ['foo', [['a', '1'], ['b', true]]],
      ['bar', []],
      ['baz', [['c', 'x']]],
    ]);
  });

  it('RFC 9110 §5.3: absent is none; several header lines are one list; empty elements are ignored', () => {
    expect(parseExtensions(undefined)).toEqual([]);
    expect(simple(parseExtensions(['foo', 'bar; x']))).toEqual([
      ['foo', []],
      ['bar', [['x', true]]],
    ]);
    expect(simple(parseExtensions(', foo ,, bar ,'))).toEqual([
      ['foo', []],
      ['bar', []],
    ]);
  });

  it('RFC 6455 §9.1: a quoted value is unescaped and must then be a token', () => {
    expect(simple(parseExtensions('foo; a="10"'))).toEqual([['foo', [['a', '10']]]]);
    expect(simple(parseExtensions('foo; a="1\\0"'))).toEqual([['foo', [['a', '10']]]]);
    expect(parseExtensions('foo; a="1 0"')).toBeNull();
    expect(parseExtensions('foo; a=""')).toBeNull();
    expect(parseExtensions('foo; a="x,y"')).toBeNull();
    expect(parseExtensions('foo; a="\u00e9"')).toBeNull();
    expect(parseExtensions('foo; a="\\\u0001"')).toBeNull();
    expect(parseExtensions('foo; a="\u0001"')).toBeNull();
    expect(parseExtensions('foo; a="\u0100"')).toBeNull();
  });

  it('RFC 6455 §9.1: syntax errors give null', () => {
    for (const bad of [
      '', // 1#extension: present but empty
      ' , ',
      ';a',
      'foo;',
      'foo; =1',
      'foo; a=',
      'foo; a= ,',
      'foo bar',
      'foo; a b',
      'foo; a=1 2',
      'foo; a="1',
      'foo; a="1\\',
      'foo; a=1; b="2"x',
      'f\u00f6o',
      'foo=1',
      'foo; a==1',
      'foo; a="1"; "b"',
    ]) {
      expect([bad, parseExtensions(bad)]).toEqual([bad, null]);
    }
  });

  it('RFC 7692 §5: duplicate parameters stay detectable through paramList', () => {
    const [offer] = parseExtensions('permessage-deflate; server_max_window_bits=10; server_max_window_bits=11')!;
    expect(offer!.params.size).toBe(1);
    expect(offer!.params.get('server_max_window_bits')).toBe('10');
    expect(offer!.paramList).toEqual([
      ['server_max_window_bits', '10'],
      ['server_max_window_bits', '11'],
    ]);
  });

  it('RELIABILITY 25: __proto__, constructor and toString are plain names and keys', () => {
    const list = parseExtensions('__proto__; __proto__=1; constructor, toString; toString')!;
    expect(list.map((e) => e.name)).toEqual(['__proto__', 'toString']);
    expect(list[0]!.params.get('__proto__')).toBe('1');
    expect(list[0]!.params.get('constructor')).toBe(true);
    expect(list[1]!.params.get('toString')).toBe(true);
    expect(list[1]!.params.has('constructor')).toBe(false);
    expect(({} as Record<string, unknown>)['1']).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('RELIABILITY 24: an unterminated \\x run is rejected in linear time (< 5 ms)', () => {
    const run = `permessage-deflate; a="${'\\x'.repeat(32 * 1024)}`;
    expect(parseExtensions(run)).toBeNull();
    expect(minTimeMs(() => parseExtensions(run))).toBeLessThan(5);
    const spaces = `b${' '.repeat(64 * 1024)}x`;
    expect(parseExtensions(spaces)).toBeNull();
    expect(minTimeMs(() => parseExtensions(spaces))).toBeLessThan(5);
    // As many parameters as fit in a default 16 KiB head.
    const semis = `a${'; b'.repeat(5000)}`;
    expect(parseExtensions(semis)).not.toBeNull();
    expect(minTimeMs(() => parseExtensions(semis))).toBeLessThan(5);
  });

  it('property: never throws on arbitrary strings or grammar soup', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 120 }),
          fc.stringMatching(/^[a-c ;,="\\\t]{0,40}$/),
        ),
        (s) => {
          const r = parseExtensions(s);
          if (r !== null) expect(r.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/);
const offerArb: fc.Arbitrary<ExtensionOffer> = fc.record({
  name: token,
  params: fc
    .uniqueArray(fc.tuple(token, fc.oneof(fc.constant(true as const), token)), {
      selector: ([k]) => k,
      maxLength: 4,
    })
    .map((pairs) => new Map<string, string | true>(pairs)),
});

describe('formatExtensions (RFC 6455 §9.1)', () => {
  it('RFC 7692 §7.1: formats a response offer', () => {
    expect(
      formatExtensions([
        { name: 'permessage-deflate', params: new Map<string, string | true>([['server_no_context_takeover', true], ['client_max_window_bits', '10']]) },
        { name: 'x-other', params: new Map() },
      ]),
    ).toBe('permessage-deflate; server_no_context_takeover; client_max_window_bits=10, x-other');
    expect(formatExtensions([])).toBe('');
  });

  it('RELIABILITY 28: non-token names or values throw UsageError', () => {
    expect(() => formatExtensions([{ name: 'a b', params: new Map() }])).toThrow(UsageError);
    expect(() => formatExtensions([{ name: 'a', params: new Map([['b\r\n', true]]) }])).toThrow(UsageError);
    expect(() => formatExtensions([{ name: 'a', params: new Map([['b', 'x\r\ny']]) }])).toThrow(UsageError);
    expect(() => formatExtensions([{ name: 'a', params: new Map([['b', '']]) }])).toThrow(UsageError);
    expect(() =>
      formatExtensions([{ name: 'a', params: new Map([['b', 1 as unknown as string]]) }]),
    ).toThrow(UsageError);
  });

  it('property RFC 6455 §9.1: format → parse round-trips', () => {
    fc.assert(
      fc.property(fc.array(offerArb, { minLength: 1, maxLength: 4 }), (offers) => {
        const parsed = parseExtensions(formatExtensions(offers));
        expect(simple(parsed)).toEqual(simple(offers));
      }),
    );
  });
});
