import { sinkErrorCode } from '../../src/rx/sink-error-code';

describe('sinkErrorCode (the close code of an error given to sink.error)', () => {
  it.each([
    ['a closeCode that may be sent', { closeCode: 4000 }, 4000],
    ['1008', { closeCode: 1008 }, 1008],
    ['a reserved code (1006)', { closeCode: 1006 }, 1011],
    ['a code out of range', { closeCode: 5000 }, 1011],
    ['a non-number', { closeCode: '1000' }, 1011],
    ['a plain Error', new Error('x'), 1011],
    ['null', null, 1011],
    ['undefined', undefined, 1011],
  ])('%s → %i', (_what, error, code) => {
    expect(sinkErrorCode(error)).toBe(code);
  });
});
