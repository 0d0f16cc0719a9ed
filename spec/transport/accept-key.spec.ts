import { acceptKeyWithCreateHash, computeAcceptKey, generateClientKey } from '../../src/transport/accept-key';

describe('accept key (RFC 6455 §1.3, §4.1, §4.2.2)', () => {
  it('§1.3 the sample key gives the sample accept value', () => {
    expect(computeAcceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('§4.2.2 the accept value is base64 of a 20-byte SHA-1 digest', () => {
    const accept = computeAcceptKey('AQIDBAUGBwgJCgsMDQ4PEA==');
    expect(Buffer.from(accept, 'base64')).toHaveLength(20);
    expect(Buffer.from(accept, 'base64').toString('base64')).toBe(accept);
  });

  it('the one-shot hash and the createHash fallback (Node releases without crypto.hash) agree', () => {
    expect(acceptKeyWithCreateHash('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    for (let i = 0; i < 50; i++) {
      const key = generateClientKey();
      expect(computeAcceptKey(key)).toBe(acceptKeyWithCreateHash(key));
    }
  });

  it('§4.1 a client key is base64 of 16 random bytes, fresh each time', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const key = generateClientKey();
      expect(key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(key, 'base64')).toHaveLength(16);
      keys.add(key);
    }
    expect(keys.size).toBe(100);
  });
});
