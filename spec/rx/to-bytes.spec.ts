import { UsageError } from '../../src/errors';
import { toBytes } from '../../src/rx/to-bytes';

describe('toBytes (outgoing binary messages, R38)', () => {
  it('returns a Uint8Array (and a Buffer) as it is', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(toBytes(bytes)).toBe(bytes);
    const buffer = Buffer.from([1]);
    expect(toBytes(buffer)).toBe(buffer);
  });

  it('views the exact bytes of any ArrayBuffer view, honouring its offset and length, without copying', () => {
    const backing = new ArrayBuffer(16);
    new Uint8Array(backing).forEach((_, i, a) => (a[i] = i));
    const cases: ArrayBufferView[] = [
      new Uint16Array(backing, 2, 3),
      new Float64Array(backing, 8, 1),
      new DataView(backing, 5, 7),
      new Int8Array(backing, 15, 1),
      new Uint8Array(backing, 16, 0),
    ];
    for (const view of cases) {
      const bytes = toBytes(view);
      expect(bytes.buffer).toBe(backing);
      expect(bytes.byteOffset).toBe(view.byteOffset);
      expect(bytes.byteLength).toBe(view.byteLength);
    }
  });

  it('views a whole ArrayBuffer', () => {
    const backing = new Uint8Array([5, 6, 7]).buffer;
    const bytes = toBytes(backing);
    expect([...bytes]).toEqual([5, 6, 7]);
    expect(bytes.buffer).toBe(backing);
  });

  it.each([['a number', 42], ['null', null], ['a plain object', { length: 3 }], ['an array', [1, 2, 3]]])('rejects %s with a UsageError', (_kind, value) => {
    expect(() => toBytes(value as unknown as ArrayBuffer)).toThrow(UsageError);
  });
});
