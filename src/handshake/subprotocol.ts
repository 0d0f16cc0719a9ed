import { parseTokenList } from './header-tokens';

/**
 * Parses Sec-WebSocket-Protocol (RFC 6455 §4.1 item 10, §11.3.4): `1#token`, every element
 * unique. Absent gives []; several header lines are read as one list (RFC 9110 §5.3).
 * Returns null (answer 400) when an element is not a token, a name repeats (compared exactly:
 * subprotocol names are case-sensitive), or the header is present but lists nothing.
 */
export function parseSubprotocols(value: string | string[] | undefined): string[] | null {
  if (value === undefined) return [];
  const joined = typeof value === 'string' ? value : value.join(',');
  const list = parseTokenList(joined);
  if (list === null || list.length === 0) return null;
  const seen = new Set<string>();
  for (const name of list) {
    if (seen.has(name)) return null;
    seen.add(name);
  }
  return list;
}
