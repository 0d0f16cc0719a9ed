import fc from 'fast-check';
import { UsageError } from '../../src/errors';
import { assertHeader, isSafeHeaderValue, renderExtraHeaders } from '../../src/handshake/header-writer';

const NONE = new Set<string>();

describe('header writer (RELIABILITY 28)', () => {
  it('RELIABILITY 28: CR, LF, NUL and other controls are unsafe; HTAB, SP and VCHAR are safe', () => {
    expect(isSafeHeaderValue('text/plain; charset=utf-8')).toBe(true);
    expect(isSafeHeaderValue('a\tb c')).toBe(true);
    expect(isSafeHeaderValue('')).toBe(true);
    for (const bad of ['a\rb', 'a\nb', 'a\0b', '\x01', '\x7f', '\u00e9', '\u2028', 'a\r\nSet-Cookie: x=1']) {
      expect(isSafeHeaderValue(bad)).toBe(false);
    }
  });

  it('RELIABILITY 28: assertHeader throws UsageError for a bad name or value', () => {
    expect(() => assertHeader('X-Ok', 'fine')).not.toThrow();
    expect(() => assertHeader('X Bad', 'v')).toThrow(UsageError);
    expect(() => assertHeader('', 'v')).toThrow(UsageError);
    expect(() => assertHeader('X-A', 'v\r\nX-B: 1')).toThrow(UsageError);
    expect(() => assertHeader('X-A', 3 as unknown as string)).toThrow(UsageError);
  });

  it('RELIABILITY 28: renders strings, numbers and lists; rejects anything else', () => {
    expect(renderExtraHeaders(undefined, NONE)).toBe('');
    expect(renderExtraHeaders({ 'X-A': 'a', 'X-N': 3, 'Set-Cookie': ['a=1', 'b=2'] }, NONE)).toBe(
      'X-A: a\r\nX-N: 3\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n',
    );
    expect(renderExtraHeaders({ 'X-Empty': [] }, NONE)).toBe('');
    expect(() => renderExtraHeaders({ 'X-A': NaN }, NONE)).toThrow(UsageError);
    expect(() => renderExtraHeaders({ 'X-A': {} as unknown as string }, NONE)).toThrow(UsageError);
    expect(renderExtraHeaders({ 'X-A': [1 as unknown as string] }, NONE)).toBe('X-A: 1\r\n');
    expect(() => renderExtraHeaders({ 'X-A': [null as unknown as string] }, NONE)).toThrow(UsageError);
    expect(() => renderExtraHeaders('x' as unknown as Record<string, string>, NONE)).toThrow(UsageError);
    expect(() => renderExtraHeaders({ 'X-A': ['ok', 'bad\n'] }, NONE)).toThrow(UsageError);
  });

  it('RELIABILITY 28: reserved names are refused whatever their case', () => {
    const reserved = new Set(['upgrade']);
    expect(() => renderExtraHeaders({ UPGRADE: 'h2c' }, reserved)).toThrow(/cannot be overridden/);
    try {
      renderExtraHeaders({ Upgrade: 'x' }, reserved);
    } catch (e) {
      expect((e as UsageError).code).toBe('reserved_header');
    }
  });

  it('property RELIABILITY 28: a value with CR, LF or NUL anywhere always throws', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('\r', '\n', '\0'), fc.string(), (a, bad, b) => {
        expect(() => renderExtraHeaders({ 'X-A': a + bad + b }, NONE)).toThrow(UsageError);
      }),
    );
  });
});
