import fc from 'fast-check';
import {
  getOwnHeader,
  headerHasToken,
  isOwsCode,
  isTcharCode,
  isToken,
  parseTokenList,
  sanitizeExcerpt,
} from '../../src/handshake/header-tokens';
import { minTimeMs } from './timing';

describe('isToken (RFC 9110 §5.6.2)', () => {
  it('RFC 9110 §5.6.2: accepts every tchar and rejects separators, controls and non-ASCII', () => {
    expect(isToken("!#$%&'*+-.^_`|~09AZaz")).toBe(true);
    expect(isToken('chat.v1')).toBe(true);
    for (const bad of ['', ' ', 'a b', 'a,b', 'a;b', 'a=b', '"a"', 'a\tb', 'a\0', 'é', '(a)', 'a/b', 'a:b', '\x7f']) {
      expect(isToken(bad)).toBe(false);
    }
  });

  it('RFC 9110 §5.6.2: isToken agrees with the tchar table on every character, alone and in a longer token', () => {
    for (let c = 0; c < 300; c++) {
      const ch = String.fromCharCode(c);
      expect([c, isToken(ch), isToken(`a${ch}b`)]).toEqual([c, isTcharCode(c), isTcharCode(c)]);
    }
  });

  it('isToken takes linear time on a long run of tchars that ends badly (no backtracking blow-up)', () => {
    const hostile = 'a'.repeat(256 * 1024) + ' ';
    expect(isToken(hostile)).toBe(false);
    expect(minTimeMs(() => isToken(hostile))).toBeLessThan(20);
  });

  it('RFC 9110 §5.6.2: tchar and OWS code tables agree with the ABNF', () => {
    const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (let c = 0; c < 300; c++) {
      expect(isTcharCode(c)).toBe(c < 128 && tchars.includes(String.fromCharCode(c)));
      expect(isOwsCode(c)).toBe(c === 0x20 || c === 0x09);
    }
  });
});

describe('parseTokenList (RFC 9110 §5.6.1 #rule)', () => {
  it('RFC 9110 §5.6.1: splits on commas, trims OWS and ignores empty elements', () => {
    expect(parseTokenList('a, b ,c')).toEqual(['a', 'b', 'c']);
    expect(parseTokenList(' ,a,\t, b,, ')).toEqual(['a', 'b']);
    expect(parseTokenList('')).toEqual([]);
    expect(parseTokenList(',')).toEqual([]);
    expect(parseTokenList('single')).toEqual(['single']);
  });

  it('RFC 9110 §5.6.1: an element that is not a token makes the list malformed', () => {
    expect(parseTokenList('a, b c')).toBeNull();
    expect(parseTokenList('a, "b"')).toBeNull();
    expect(parseTokenList('a;b')).toBeNull();
    expect(parseTokenList('é')).toBeNull();
  });

  it('RELIABILITY 24: "b" + 64 KiB of spaces + "x" is rejected in linear time (< 5 ms)', () => {
    const hostile = `b${' '.repeat(65536)}x`;
    expect(parseTokenList(hostile)).toBeNull();
    expect(minTimeMs(() => parseTokenList(hostile))).toBeLessThan(5);
    const commas = `a${', '.repeat(32768)}`;
    expect(minTimeMs(() => parseTokenList(commas))).toBeLessThan(5);
  });

  it('property: never throws, and every element returned is a token', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const r = parseTokenList(s);
        if (r !== null) for (const t of r) expect(isToken(t)).toBe(true);
      }),
    );
  });

  it('property: a list of tokens joined with arbitrary OWS and commas parses back', () => {
    const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,10}$/);
    const ows = fc.stringMatching(/^[ \t]{0,3}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(token, ows, ows), { maxLength: 8 }), (items) => {
        const text = items.map(([t, a, b]) => `${a}${t}${b}`).join(',');
        expect(parseTokenList(text)).toEqual(items.map(([t]) => t));
      }),
    );
  });
});

describe('headerHasToken (RFC 9110 §7.6.1 Connection, §7.8 Upgrade)', () => {
  it('RFC 6455 §4.2.1: finds a token case-insensitively among others', () => {
    expect(headerHasToken('keep-alive, Upgrade', 'upgrade')).toBe(true);
    expect(headerHasToken('WebSocket', 'websocket')).toBe(true);
    expect(headerHasToken(' upgrade ', 'Upgrade')).toBe(true);
    expect(headerHasToken(['keep-alive', 'upgrade'], 'upgrade')).toBe(true);
  });

  it('RFC 6455 §4.2.1: absent, substring or differently spelled tokens do not match', () => {
    expect(headerHasToken(undefined, 'upgrade')).toBe(false);
    expect(headerHasToken('', 'upgrade')).toBe(false);
    expect(headerHasToken('upgraded', 'upgrade')).toBe(false);
    expect(headerHasToken('keep-alive', 'upgrade')).toBe(false);
    expect(headerHasToken('up grade', 'upgrade')).toBe(false);
    expect(headerHasToken(['keep-alive'], 'upgrade')).toBe(false);
  });

  it('case is folded for ASCII letters only: a Kelvin sign (U+212A) is not a K', () => {
    expect(headerHasToken('WEBSOCKET', 'websocket')).toBe(true);
    expect(headerHasToken('websoc\u212Aet', 'websocket')).toBe(false);
    expect(headerHasToken('upgr\u00c1de', 'upgrade')).toBe(false);
  });

  it('RFC 9110 §5.6.1: a malformed element elsewhere in the list does not hide the token', () => {
    expect(headerHasToken('foo bar, upgrade', 'upgrade')).toBe(true);
  });

  it('RELIABILITY 24: a long run of spaces costs linear time', () => {
    const hostile = `b${' '.repeat(65536)}x`;
    expect(minTimeMs(() => headerHasToken(hostile, 'upgrade'))).toBeLessThan(5);
  });
});

describe('getOwnHeader and sanitizeExcerpt', () => {
  it('RELIABILITY 25: inherited properties are never read as headers', () => {
    const plain: Record<string, string> = {};
    expect(getOwnHeader(plain, 'constructor')).toBeUndefined();
    expect(getOwnHeader(plain, 'toString')).toBeUndefined();
    expect(getOwnHeader(plain, '__proto__')).toBeUndefined();
    expect(getOwnHeader({ upgrade: 'websocket' }, 'upgrade')).toBe('websocket');
  });

  it('DESIGN §3: excerpts of peer text are short and printable', () => {
    expect(sanitizeExcerpt('chat')).toBe('chat');
    expect(sanitizeExcerpt('a\r\nb\0\u00e9')).toBe('a??b??');
    expect(sanitizeExcerpt('x'.repeat(100))).toBe(`${'x'.repeat(32)}...`);
    expect(sanitizeExcerpt('abcdef', 3)).toBe('abc...');
  });
});
