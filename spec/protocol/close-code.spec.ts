import { CloseCode, isValidWireCloseCode } from '../../src/protocol/close-code';
import { DEFAULT_PROTOCOL_LIMITS } from '../../src/protocol/limits';

describe('close codes', () => {
  it('R16 §7.4 wire-valid codes: 1000-1003, 1007-1014, 3000-4999 only', () => {
    const valid = [];
    for (let c = 0; c < 70000; c++) if (isValidWireCloseCode(c)) valid.push(c);
    expect(valid.length).toBe(4 + 8 + 2000);
    expect([CloseCode.NoStatus, CloseCode.Abnormal, CloseCode.TlsHandshake].some(isValidWireCloseCode)).toBe(false);
  });

  it('default limits are frozen and generous enough for Autobahn section 9', () => {
    expect(Object.isFrozen(DEFAULT_PROTOCOL_LIMITS)).toBe(true);
    expect(DEFAULT_PROTOCOL_LIMITS.maxMessageBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(DEFAULT_PROTOCOL_LIMITS.maxFragments).toBeGreaterThan(65_537);
  });
});
