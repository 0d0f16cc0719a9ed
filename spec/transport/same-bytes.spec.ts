import * as fc from 'fast-check';
import { sameBytes } from '../../src/transport/same-bytes';

describe('sameBytes (matching a pong to its ping, RFC 6455 §5.5.3)', () => {
  it('equal contents are equal, whatever the views', () => {
    const backing = new Uint8Array([9, 1, 2, 3, 9]);
    expect(sameBytes(backing.subarray(1, 4), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(sameBytes(Buffer.from([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(sameBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('a different length or a different byte is not equal', () => {
    expect(sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(sameBytes(new Uint8Array([1, 2, 4]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(sameBytes(new Uint8Array([0]), new Uint8Array(0))).toBe(false);
  });

  it('agrees with Buffer.equals on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 130 }), fc.uint8Array({ maxLength: 130 }), (a, b) => {
        expect(sameBytes(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        expect(sameBytes(a, Uint8Array.from(a))).toBe(true);
      }),
    );
  });
});
