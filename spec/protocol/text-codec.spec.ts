import fc from 'fast-check';
import { defaultTextCodec, utf8ByteLength } from '../../src/protocol/text-codec';

describe('defaultTextCodec', () => {
  it('byteLength equals Buffer.byteLength for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (s) => {
        expect(utf8ByteLength(s)).toBe(Buffer.byteLength(s, 'utf8'));
      }),
      { numRuns: 2000 },
    );
    expect(utf8ByteLength('\ud800')).toBe(3);
    expect(utf8ByteLength('\ud83d\ude00')).toBe(4);
    expect(utf8ByteLength('\udc00\ud800')).toBe(6);
  });

  it('encodeInto writes at an offset and returns the byte count; decode keeps a leading BOM', () => {
    const t = new Uint8Array(8);
    expect(defaultTextCodec.encodeInto('é€', t, 2)).toBe(5);
    expect(Buffer.from(t).toString('hex')).toBe('0000c3a9e282ac00');
    expect(defaultTextCodec.encodeInto('ab', t, 0)).toBe(2);
    // §8.1 / RFC 3629 §6: U+FEFF is message content, not a signature to strip.
    expect(defaultTextCodec.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('\ufeffA');
  });
});
