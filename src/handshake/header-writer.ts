import { UsageError } from '../errors';
import { isToken } from './header-tokens';

/** Extra headers a caller may add to a handshake message. Arrays become repeated lines. */
export type ExtraHeaders = Readonly<Record<string, string | number | readonly string[]>>;

/**
 * May `value` be written as a header value? We emit only HTAB, SP and visible
 * ASCII. CR, LF and NUL would let a caller-supplied value split the response (header injection);
 * other control characters are invalid field content (RFC 9110 §5.5); and non-ASCII is refused
 * so the head we produce is plain ASCII and its bytes do not depend on the string encoding the
 * transport writes with. Leading/trailing whitespace is allowed (the recipient trims it).
 */
export function isSafeHeaderValue(value: string): boolean {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c !== 0x09 && (c < 0x20 || c > 0x7e)) return false;
  }
  return true;
}

/** Throws UsageError unless `name` is a token and `value` is safe to emit. */
export function assertHeader(name: string, value: string): void {
  if (typeof name !== 'string' || !isToken(name)) {
    throw new UsageError('invalid_header', 'header name must be an http token');
  }
  if (typeof value !== 'string' || !isSafeHeaderValue(value)) {
    throw new UsageError(
      'invalid_header',
      `header ${name.toLowerCase()} has a value with cr, lf, nul or another character that cannot be sent`,
    );
  }
}

/**
 * Validates every extra header and renders them as "Name: value\r\n" lines. Nothing is returned
 * unless everything is valid, so a bad header can never leave a half-written head behind.
 * `reserved` holds lower-case names the caller may not set (the handshake's own headers).
 */
export function renderExtraHeaders(
  headers: ExtraHeaders | undefined,
  reserved: ReadonlySet<string>,
): string {
  if (headers === undefined || headers === null) return '';
  if (typeof headers !== 'object') {
    throw new UsageError('invalid_header', 'headers must be an object');
  }
  let out = '';
  for (const name of Object.keys(headers)) {
    const raw = headers[name] as unknown;
    if (!isToken(name)) {
      throw new UsageError('invalid_header', 'header name must be an http token');
    }
    if (reserved.has(name.toLowerCase())) {
      throw new UsageError(
        'reserved_header',
        `header ${name.toLowerCase()} is set by the handshake and cannot be overridden`,
      );
    }
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      let text: string;
      if (typeof v === 'string') text = v;
      else if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
      else {
        throw new UsageError(
          'invalid_header',
          `header ${name.toLowerCase()} must be a string, a finite number or a list of strings`,
        );
      }
      assertHeader(name, text);
      out += `${name}: ${text}\r\n`;
    }
  }
  return out;
}
