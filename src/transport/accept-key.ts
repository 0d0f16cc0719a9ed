import * as crypto from 'node:crypto';
import { acceptKeyInput } from '../handshake/accept-key';

type OneShotHash = (algorithm: string, data: string, outputEncoding: 'base64') => string;

/**
 * `crypto.hash()` (Node 20.12+ and 21.7+) hashes in one call, without the Hash object, its
 * stream machinery and the two calls more that `createHash` costs: about a third of the time,
 * once per handshake. Older Node 20 releases fall back to `createHash`.
 */
const oneShot = (crypto as { hash?: OneShotHash }).hash;

/** @internal `createHash`, for Node releases without `crypto.hash()`; exported to be tested there too. */
export function acceptKeyWithCreateHash(key: string): string {
  return crypto.createHash('sha1').update(acceptKeyInput(key)).digest('base64');
}

/** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). SHA-1 lives here because it is Node's crypto. */
export const computeAcceptKey: (key: string) => string =
  oneShot === undefined ? acceptKeyWithCreateHash : (key) => oneShot('sha1', acceptKeyInput(key), 'base64');

/** RFC 6455 §4.1: a fresh random 16-byte nonce, base64-encoded, per connection attempt. */
export function generateClientKey(): string {
  return crypto.randomBytes(16).toString('base64');
}
