import { RxwsError } from '../../src/errors';
import { sinkErrorCode } from '../../src/rx/sink-error-code';

describe('src/rx/sink-error-code.ts sinkErrorCode', () => {
  it("uses the error's closeCode when it may be sent on the wire (RFC 6455 §7.4)", () => {
    for (const code of [1000, 1001, 1003, 1007, 1008, 1011, 1014, 3000, 4000, 4999]) {
      expect(sinkErrorCode({ closeCode: code })).toBe(code);
    }
    class AppError extends RxwsError {
      readonly closeCode = 4403;
    }
    expect(sinkErrorCode(new AppError('forbidden', 'no'))).toBe(4403);
  });

  it('falls back to 1011 for codes that must not be sent: 1004-1006, 1015, out of range, fractional', () => {
    for (const code of [999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 0, -1, 1000.5, NaN, Infinity]) {
      expect([code, sinkErrorCode({ closeCode: code })]).toEqual([code, 1011]);
    }
  });

  it('falls back to 1011 for anything without a numeric closeCode, and never throws', () => {
    const weird: unknown[] = [undefined, null, 0, 'boom', new Error('x'), { closeCode: '1000' }, Symbol('s'), Object.create(null)];
    for (const error of weird) expect(sinkErrorCode(error)).toBe(1011);
    const viaGetter = {
      get closeCode(): number {
        return 4000;
      },
    };
    expect(sinkErrorCode(viaGetter)).toBe(4000);
  });
});
