/**
 * HTTP token and list helpers (RFC 9110 §5.6). Every function here is a single left-to-right scan
 * with no backtracking regular expression, so hostile header values (long runs of spaces or
 * backslashes) cost time linear in their length. The one regular expression (TOKEN, for
 * isToken) is a single character class anchored at both ends: linear too.
 */

/**
 * RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
 * "_" / "`" / "|" / "~" / DIGIT / ALPHA. Indexed by char code; anything >= 128 is not a tchar.
 */
export const TCHAR: Uint8Array = /* @__PURE__ */ (() => {
  const table = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) table[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~") table[ch.charCodeAt(0)] = 1;
  return table;
})();

/** True when `code` is a tchar (RFC 9110 §5.6.2). */
export function isTcharCode(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

/** RFC 9110 §5.6.3: OWS = *( SP / HTAB ). */
export function isOwsCode(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** RFC 9110 §5.6.2: token = 1*tchar, the tchars of TCHAR (`\w` is DIGIT, ALPHA and "_"). A
 *  pattern rather than a scan of TCHAR, so that the browser entry (whose only use of this file is
 *  isToken, for its subprotocols) carries some 40 bytes instead of the table's 300. */
const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/;

/** RFC 9110 §5.6.2: token = 1*tchar. */
export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/**
 * Splits a `#token` list (RFC 9110 §5.6.1): elements are separated by commas with optional
 * whitespace around them, and empty elements are ignored ("a, , b" is ['a', 'b']). Returns null
 * when a non-empty element is not a token ("b   x" is two tokens glued by spaces, not a token).
 * "" gives [] here; callers whose grammar is `1#token` decide whether that is acceptable.
 */
export function parseTokenList(value: string): string[] | null {
  const out: string[] = [];
  const n = value.length;
  let i = 0;
  while (i <= n) {
    // One element: [i, comma-or-end).
    let start = i;
    let end = i;
    while (end < n && value.charCodeAt(end) !== 0x2c) end++;
    const next = end + 1;
    while (start < end && isOwsCode(value.charCodeAt(start))) start++;
    while (end > start && isOwsCode(value.charCodeAt(end - 1))) end--;
    if (end > start) {
      for (let k = start; k < end; k++) {
        if (!isTcharCode(value.charCodeAt(k))) return null;
      }
      out.push(value.slice(start, end));
    }
    i = next;
  }
  return out;
}

/**
 * Does a comma-separated header (Connection, Upgrade) list `token`, compared ASCII
 * case-insensitively? Elements that are not tokens are skipped rather than failing the whole
 * header: `Connection: keep-alive, Upgrade` must work whatever else a proxy appended.
 * Multiple header lines (an array) are searched as one list.
 */
export function headerHasToken(value: string | string[] | undefined, token: string): boolean {
  if (typeof value !== 'string') {
    // Arrays are several header lines; anything else (undefined, or a non-string from an untyped
    // caller) lists nothing rather than throwing.
    if (!Array.isArray(value)) return false;
    for (const v of value) {
      if (typeof v === 'string' && headerHasToken(v, token)) return true;
    }
    return false;
  }
  const wanted = token.toLowerCase();
  const n = value.length;
  let i = 0;
  while (i <= n) {
    let start = i;
    let end = i;
    while (end < n && value.charCodeAt(end) !== 0x2c) end++;
    i = end + 1;
    while (start < end && isOwsCode(value.charCodeAt(start))) start++;
    while (end > start && isOwsCode(value.charCodeAt(end - 1))) end--;
    if (end - start === wanted.length && equalsLowerCase(value, start, wanted)) return true;
  }
  return false;
}

/** Is `value[start, start + lower.length)` equal to `lower`, ASCII case-insensitively? (No
 *  lower-cased copy: Connection and Upgrade are read on every handshake.) */
function equalsLowerCase(value: string, start: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    let c = value.charCodeAt(start + k);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lower.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Several lines of one list-valued header read as a single list (RFC 9110 §5.3). Returns null
 * for anything that is neither a string nor an array of strings (an untyped caller's mistake is
 * a malformed header, not a TypeError).
 */
export function joinHeaderLines(value: string | readonly string[]): string | null {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return null;
  for (const v of value) if (typeof v !== 'string') return null;
  return value.join(',');
}

/** Reads an own property only: `headers.constructor` must not find Object.prototype's. */
export function getOwnHeader(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | string[] | undefined {
  return Object.prototype.hasOwnProperty.call(headers, name) ? headers[name] : undefined;
}

/**
 * A short, printable excerpt of peer-supplied text for error messages: never the raw bytes
 * (they could be anything), at most `max` characters, anything outside printable ASCII shown as '?'.
 */
export function sanitizeExcerpt(text: string, max = 32): string {
  const n = Math.min(text.length, max);
  let out = '';
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    out += c >= 0x20 && c <= 0x7e ? text[i] : '?';
  }
  return text.length > max ? `${out}...` : out;
}
