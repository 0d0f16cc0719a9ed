import { UsageError } from '../../src/errors';
import { checkCloseToSend, encodeClosePayload, parseClosePayload, writeClosePayload } from '../../src/protocol/close-payload';
import { defaultTextCodec as codec } from '../../src/protocol/text-codec';
import { concat, fromHex, hex, utf8 } from './helpers';

describe('close payloads', () => {
  it('R15 §7.1.5 an empty payload reports 1005', () => {
    expect(parseClosePayload(new Uint8Array(0), codec)).toEqual({ ok: true, code: 1005, reason: '' });
  });

  it('R15 §5.5.1 a 1-byte payload → 1002', () => {
    expect(parseClosePayload(fromHex('03'), codec)).toMatchObject({ ok: false, closeCode: 1002 });
  });

  it('R16 §7.4 codes invalid on the wire → 1002; valid ones are returned', () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
      const p = new Uint8Array([code >> 8, code & 0xff]);
      expect(parseClosePayload(p, codec)).toMatchObject({ ok: false, closeCode: 1002, errorCode: 'invalid_close_code' });
    }
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999]) {
      const p = new Uint8Array([code >> 8, code & 0xff]);
      expect(parseClosePayload(p, codec)).toEqual({ ok: true, code, reason: '' });
    }
  });

  it('R14 §5.5.1 a reason that is not UTF-8 → 1007; a valid one is decoded', () => {
    expect(parseClosePayload(fromHex('03e8 cebae1bdb9cf83cebcceb5eda080'), codec)).toMatchObject({
      ok: false,
      closeCode: 1007,
      errorCode: 'invalid_utf8',
    });
    expect(parseClosePayload(concat(fromHex('03e8'), utf8('bye κόσμε')), codec)).toEqual({
      ok: true,
      code: 1000,
      reason: 'bye κόσμε',
    });
  });

  it('R17 §5.5 encoding a reason over 123 UTF-8 bytes throws UsageError; 123 is fine', () => {
    expect(hex(encodeClosePayload(1000, 'x'.repeat(123), codec)).length).toBe(250);
    expect(() => encodeClosePayload(1000, 'x'.repeat(124), codec)).toThrow(UsageError);
    // 62 × 'é' = 124 bytes although only 62 UTF-16 units
    expect(() => checkCloseToSend(1000, 'é'.repeat(62), codec)).toThrow(/124 bytes/);
    try {
      checkCloseToSend(1000, 'x'.repeat(200), codec);
    } catch (e) {
      expect((e as UsageError).code).toBe('close_reason_too_long');
    }
  });

  it('R16 §7.4 encoding a code not valid for sending throws UsageError', () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 2000, 5000, 1000.5, NaN]) {
      expect(() => encodeClosePayload(code, '', codec)).toThrow(UsageError);
    }
    expect(() => checkCloseToSend(1000, 42 as unknown as string, codec)).toThrow(UsageError);
    for (const code of [1000, 1003, 1007, 1014, 3000, 4999]) {
      expect(hex(encodeClosePayload(code, '', codec))).toBe(code.toString(16).padStart(4, '0'));
    }
  });

  it('§5.5.1 writeClosePayload writes code then UTF-8 reason at an offset', () => {
    const t = new Uint8Array(8);
    expect(writeClosePayload(t, 1, 1001, 'bye', 3, codec)).toBe(6);
    expect(hex(t)).toBe('0003e962796500 00'.replace(' ', ''));
  });
});
