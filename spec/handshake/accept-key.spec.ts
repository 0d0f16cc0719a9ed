import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { WEBSOCKET_GUID, acceptKeyInput, isValidClientKey } from '../../src/handshake/accept-key';

function sha1Base64(text: string): string {
  return createHash('sha1').update(text, 'latin1').digest('base64');
}

describe('accept key (RFC 6455 §1.3, §4.2.2)', () => {
  it('RFC 6455 §1.3: the example key yields s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', () => {
    const input = acceptKeyInput('dGhlIHNhbXBsZSBub25jZQ==');
    expect(input).toBe('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(sha1Base64(input)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('RFC 6455 §1.3: the GUID is the one the RFC fixes', () => {
    expect(WEBSOCKET_GUID).toBe('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
  });
});

describe('isValidClientKey (RFC 6455 §4.1 item 7, §4.2.1 item 5; RELIABILITY 21)', () => {
  it('RFC 6455 §4.1: accepts base64 of 16 bytes', () => {
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe(true);
    expect(isValidClientKey('AAAAAAAAAAAAAAAAAAAAAA==')).toBe(true);
    expect(isValidClientKey('/////////////////////w==')).toBe(true);
    expect(isValidClientKey('+++++++++++++++++++++Q==')).toBe(true);
  });

  it('RELIABILITY 21: rejects keys that are not base64 of exactly 16 bytes', () => {
    for (const bad of [
      '',
      'dGhlIHNhbXBsZSBub25jZQ=', // short
      'dGhlIHNhbXBsZSBub25jZQ===', // long
      'dGhlIHNhbXBsZSBub25jZQ', // no padding
      'dGhlIHNhbXBsZSBub25jZQAA', // no padding, 24 chars (18 bytes)
      'dGhlIHNhbXBsZSBub25jZ===', // 15 bytes + extra pad
      'dGhlIHNhbXBsZSBub25j-_==', // URL-safe alphabet
      'dGhlIHNhbXBsZSBub25j ZQ=', // space
      ' GhlIHNhbXBsZSBub25jZQ==',
      'dGhlIHNhbXBsZSBub25jZR==', // non-zero pad bits: not canonical
      'dGhlIHNhbXBsZSBub25jZ=Q=',
      'dGhlIHNhbXBsZSBub25jZQ=\0',
      'AAAAAAAAAAAAAAAAAAAAAAAA', // 18 bytes
      'AAAAAAAAAAAAAAAAAAAAA\u00e9==',
    ]) {
      expect(isValidClientKey(bad)).toBe(false);
    }
    expect(isValidClientKey(undefined as unknown as string)).toBe(false);
  });

  it('property: base64 of any 16 bytes is a valid key, and the accept round-trips with node:crypto', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const key = Buffer.from(bytes).toString('base64');
        expect(isValidClientKey(key)).toBe(true);
        expect(acceptKeyInput(key).startsWith(key)).toBe(true);
      }),
    );
    expect(isValidClientKey(randomBytes(16).toString('base64'))).toBe(true);
  });

  it('property: base64 of any other length is never a valid key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }).filter((b) => b.length !== 16), (bytes) => {
        expect(isValidClientKey(Buffer.from(bytes).toString('base64'))).toBe(false);
      }),
    );
  });
});
