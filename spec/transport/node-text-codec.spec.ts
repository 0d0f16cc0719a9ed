import * as fc from 'fast-check';
import { asBuffer, nodeTextCodec } from '../../src/transport/node-text-codec';

describe('nodeTextCodec (UTF-8 through Buffer, RFC 6455 §5.6)', () => {
  it('byteLength counts UTF-8 bytes, not characters', () => {
    expect(nodeTextCodec.byteLength('')).toBe(0);
    expect(nodeTextCodec.byteLength('abc')).toBe(3);
    expect(nodeTextCodec.byteLength('é€😀')).toBe(2 + 3 + 4);
  });

  it('encodeInto writes at the offset of a plain Uint8Array view and returns the bytes written', () => {
    const backing = new Uint8Array(12).fill(0xee);
    const target = backing.subarray(2, 10);
    const written = nodeTextCodec.encodeInto('h€', target, 1);
    expect(written).toBe(4);
    expect([...backing]).toEqual([0xee, 0xee, 0xee, 0x68, 0xe2, 0x82, 0xac, 0xee, 0xee, 0xee, 0xee, 0xee]);
  });

  it('decode reads a view, not the whole backing buffer', () => {
    const backing = new TextEncoder().encode('xxhéllo€yy');
    expect(nodeTextCodec.decode(backing.subarray(2, backing.length - 2))).toBe('héllo€');
  });

  it('round-trips any string, and agrees with TextEncoder on well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), fc.integer({ min: 0, max: 8 }), (text, offset) => {
        const len = nodeTextCodec.byteLength(text);
        const expected = new TextEncoder().encode(text);
        expect(len).toBe(expected.length);
        const out = new Uint8Array(offset + len);
        expect(nodeTextCodec.encodeInto(text, out, offset)).toBe(len);
        expect(Buffer.from(out.subarray(offset)).equals(Buffer.from(expected))).toBe(true);
        expect(nodeTextCodec.decode(out.subarray(offset))).toBe(text);
      }),
    );
  });

  it('asBuffer shares memory with its input (no copy) and keeps Buffers as they are', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    const view = backing.subarray(1, 4);
    const buffer = asBuffer(view);
    expect(buffer.length).toBe(3);
    buffer[0] = 42;
    expect(backing[1]).toBe(42);
    const already = Buffer.from([1]);
    expect(asBuffer(already)).toBe(already);
  });
});
