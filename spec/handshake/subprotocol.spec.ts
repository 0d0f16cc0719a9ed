import fc from 'fast-check';
import { parseSubprotocols } from '../../src/handshake/subprotocol';
import { minTimeMs } from './timing';

describe('parseSubprotocols (RFC 6455 §4.1 item 10, §11.3.4)', () => {
  it('RFC 6455 §4.1: parses the example "chat, superchat" in order', () => {
    expect(parseSubprotocols('chat, superchat')).toEqual(['chat', 'superchat']);
    expect(parseSubprotocols('chat')).toEqual(['chat']);
  });

  it('RFC 9110 §5.3: absent is no protocols; several header lines form one list', () => {
    expect(parseSubprotocols(undefined)).toEqual([]);
    expect(parseSubprotocols(['a, b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(parseSubprotocols('a,,b')).toEqual(['a', 'b']);
  });

  it('RELIABILITY 26: duplicate subprotocols are malformed (compared exactly)', () => {
    expect(parseSubprotocols('chat, chat')).toBeNull();
    expect(parseSubprotocols(['chat', 'chat'])).toBeNull();
    expect(parseSubprotocols('chat, Chat')).toEqual(['chat', 'Chat']);
  });

  it('RELIABILITY 26: non-token elements are malformed', () => {
    expect(parseSubprotocols('chat, super chat')).toBeNull();
    expect(parseSubprotocols('"chat"')).toBeNull();
    expect(parseSubprotocols('chat/1')).toBeNull();
    expect(parseSubprotocols('ch\u00e9t')).toBeNull();
  });

  it('RFC 6455 §4.1 (1#token): a present but empty header is malformed', () => {
    expect(parseSubprotocols('')).toBeNull();
    expect(parseSubprotocols(' , ')).toBeNull();
    expect(parseSubprotocols([])).toBeNull();
  });

  it('RELIABILITY 25: __proto__, constructor and toString are ordinary names', () => {
    expect(parseSubprotocols('__proto__, constructor, toString')).toEqual([
      '__proto__',
      'constructor',
      'toString',
    ]);
    expect(parseSubprotocols('__proto__, __proto__')).toBeNull();
  });

  it('RELIABILITY 24: "b" + 64 KiB of spaces + "x" is rejected in linear time (< 5 ms)', () => {
    const hostile = `b${' '.repeat(64 * 1024)}x`;
    expect(parseSubprotocols(hostile)).toBeNull();
    expect(minTimeMs(() => parseSubprotocols(hostile))).toBeLessThan(5);
  });

  it('property: never throws on arbitrary strings; results are distinct tokens', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 100 }), fc.stringMatching(/^[a-c ,\t"]{0,30}$/)),
        (s) => {
          const r = parseSubprotocols(s);
          if (r !== null) {
            expect(r.length).toBeGreaterThan(0);
            expect(new Set(r).size).toBe(r.length);
          }
        },
      ),
    );
  });
});
