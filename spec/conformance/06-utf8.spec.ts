// Autobahn section 6: UTF-8 handling, fail-fast. Every case runs against the rxws server and client.
import { conformanceSection } from './fuzz';
import { firstInvalid, utf8Cases } from './cases/utf8';
import { hex } from './wire';

describe('6 UTF-8 reference validator (the oracle the cases are built with)', () => {
  it('agrees with the platform decoder on every 1–3 byte input and on 4-byte samples', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const platformValid = (b: Uint8Array) => {
      try {
        decoder.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    for (let a = 0; a < 256; a++) {
      expect(firstInvalid(Uint8Array.of(a)) < 0).toBe(platformValid(Uint8Array.of(a)));
      for (let b = 0; b < 256; b++) {
        expect(firstInvalid(Uint8Array.of(a, b)) < 0).toBe(platformValid(Uint8Array.of(a, b)));
        if (a >= 0xe0 && a <= 0xf4) for (const c of [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0]) expect(firstInvalid(Uint8Array.of(a, b, c)) < 0).toBe(platformValid(Uint8Array.of(a, b, c)));
      }
    }
    expect(firstInvalid(hex('f48fbfbf'))).toBe(-1);
    expect(firstInvalid(hex('f4908080'))).toBe(1);
  });
});

conformanceSection('6 UTF-8', utf8Cases);
