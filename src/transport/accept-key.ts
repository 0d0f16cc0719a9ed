import { createHash, randomBytes } from 'node:crypto';
import { acceptKeyInput } from '../handshake/accept-key';

/** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). SHA-1 lives here because it is Node's crypto. */
export function computeAcceptKey(key: string): string {
  return createHash('sha1').update(acceptKeyInput(key)).digest('base64');
}

/** RFC 6455 §4.1: a fresh random 16-byte nonce, base64-encoded, per connection attempt. */
export function generateClientKey(): string {
  return randomBytes(16).toString('base64');
}
