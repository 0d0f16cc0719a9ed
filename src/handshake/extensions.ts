import { UsageError } from '../errors';
import { isOwsCode, isTcharCode, isToken, joinHeaderLines } from './header-tokens';

/** One element of Sec-WebSocket-Extensions: an extension name and its parameters. */
export interface ExtensionOffer {
  name: string;
  /** Parameter values; `true` for a parameter given without "=value". A Map, so a parameter
   *  named `__proto__` or `constructor` is an ordinary key, never the prototype's. */
  params: Map<string, string | true>;
}

/** What `parseExtensions` returns: the offer plus every parameter in order, duplicates
 *  included. `params` keeps the first value of a repeated name, so
 *  `paramList.length !== params.size` means the peer repeated a parameter, which RFC 7692 §5
 *  requires permessage-deflate to treat as an invalid offer. */
export interface ParsedExtensionOffer extends ExtensionOffer {
  paramList: ReadonlyArray<readonly [string, string | true]>;
}

/**
 * Parses Sec-WebSocket-Extensions (RFC 6455 §9.1):
 *
 *   extension-list  = 1#extension
 *   extension       = extension-token *( ";" extension-param )
 *   extension-param = token [ "=" (token | quoted-string) ]
 *
 * with optional whitespace around the separators (RFC 6455 uses RFC 2616's implied *LWS) and
 * empty list elements ignored (RFC 9110 §5.6.1). A quoted value is unescaped and must then be a
 * token. Absent gives []; several header lines are one list. Returns null on any syntax error,
 * including a present header that lists nothing.
 *
 * One forward scan with no regular expression: a value like `a; b="\x\x\x...` (unterminated) or a
 * long run of spaces is rejected in time linear in its length (no ReDoS).
 */
export function parseExtensions(
  value: string | string[] | undefined,
): ParsedExtensionOffer[] | null {
  if (value === undefined) return [];
  const joined = joinHeaderLines(value);
  if (joined === null) return null;
  const s: string = joined;
  const n = s.length;
  const out: ParsedExtensionOffer[] = [];
  let i = 0;

  const skipOws = (): void => {
    while (i < n && isOwsCode(s.charCodeAt(i))) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && isTcharCode(s.charCodeAt(i))) i++;
    return s.slice(start, i);
  };

  for (;;) {
    skipOws();
    if (i >= n) break;
    if (s.charCodeAt(i) === 0x2c) {
      i++; // empty list element
      continue;
    }
    const name = readToken();
    if (name === '') return null;
    const params = new Map<string, string | true>();
    const paramList: Array<readonly [string, string | true]> = [];
    skipOws();
    while (i < n && s.charCodeAt(i) === 0x3b) {
      i++;
      skipOws();
      const paramName = readToken();
      if (paramName === '') return null;
      skipOws();
      let paramValue: string | true = true;
      if (i < n && s.charCodeAt(i) === 0x3d) {
        i++;
        skipOws();
        if (i < n && s.charCodeAt(i) === 0x22) {
          const unquoted = readQuoted();
          // RFC 6455 §9.1: "the value after quoted-string unescaping MUST conform to the
          // 'token' ABNF".
          if (unquoted === null || !isToken(unquoted)) return null;
          paramValue = unquoted;
        } else {
          paramValue = readToken();
          if (paramValue === '') return null;
        }
        skipOws();
      }
      paramList.push([paramName, paramValue]);
      if (!params.has(paramName)) params.set(paramName, paramValue);
    }
    out.push({ name, params, paramList });
    if (i >= n) break;
    if (s.charCodeAt(i) !== 0x2c) return null;
    i++;
  }
  return out.length === 0 ? null : out;

  /** RFC 9110 §5.6.4 quoted-string, starting at the opening DQUOTE; null if malformed. */
  function readQuoted(): string | null {
    i++; // opening quote
    let text = '';
    let runStart = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        text += s.slice(runStart, i);
        i++;
        return text;
      }
      if (c === 0x5c) {
        // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        text += s.slice(runStart, i);
        if (i + 1 >= n || !isQuotedPairChar(s.charCodeAt(i + 1))) return null;
        text += s[i + 1];
        i += 2;
        runStart = i;
        continue;
      }
      // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
      if (!(c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff))) return null;
      i++;
    }
    return null; // unterminated
  }
}

function isQuotedPairChar(c: number): boolean {
  return c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
}

/**
 * Formats offers for Sec-WebSocket-Extensions: "name; key=value; flag, other". Names and values
 * must be tokens (RFC 6455 §9.1; a value that would need quoting is not allowed after unquoting
 * anyway), otherwise this throws UsageError before producing anything.
 */
export function formatExtensions(list: readonly ExtensionOffer[]): string {
  const parts: string[] = [];
  for (const offer of list) {
    if (!isToken(offer.name)) {
      throw new UsageError('invalid_extension', 'extension name must be an http token');
    }
    let part = offer.name;
    for (const [key, value] of offer.params) {
      if (!isToken(key)) {
        throw new UsageError('invalid_extension', 'extension parameter name must be an http token');
      }
      if (value === true) {
        part += `; ${key}`;
      } else if (typeof value === 'string' && isToken(value)) {
        part += `; ${key}=${value}`;
      } else {
        throw new UsageError(
          'invalid_extension',
          'extension parameter value must be true or an http token',
        );
      }
    }
    parts.push(part);
  }
  return parts.join(', ');
}
