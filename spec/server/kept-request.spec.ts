// KeptRequest: a request kept as its head's text must restore into exactly the request the server
// built when it first parsed that head (the one an accept hook would have seen).
import * as fc from 'fast-check';
import { HttpHeadParser } from '../../src/handshake/http-head-parser';
import { validateUpgradeRequest } from '../../src/handshake/server-handshake';
import type { UpgradeRequest } from '../../src/rx/upgrade-request';
import { HeadTemplates } from '../../src/server/head-templates';
import { KeptRequest, KeptRequestWithParams, upgradeRequestOf } from '../../src/server/kept-request';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** The request the server builds at handshake time from the same bytes. */
function parsedNow(head: string, remoteAddress: string | undefined, remotePort: number | undefined, secure: boolean): UpgradeRequest {
  const parsed = HttpHeadParser.request().push(Buffer.from(head, 'latin1'));
  if (parsed.kind !== 'done') throw new Error(`test head does not parse: ${parsed.kind}`);
  const validation = validateUpgradeRequest(parsed.head.method, parsed.head.target, parsed.head.headers, parsed.head.httpVersion);
  if (!validation.ok) throw new Error(`test head does not validate: ${validation.status} ${validation.message}`);
  return upgradeRequestOf(parsed.head.target, parsed.head.headers, validation.info, remoteAddress, remotePort, secure);
}

function head(target: string, lines: string[], prefix = ''): string {
  const base = ['Host: example.test:8080', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13'];
  return `${prefix}GET ${target} HTTP/1.1\r\n${[...base, ...lines].join('\r\n')}\r\n\r\n`;
}

describe('KeptRequest', () => {
  it.each([
    ['the bare minimum', head('/', [])],
    ['a path and a query', head('/chat/room?id=7&x=%20y', [])],
    ['an absolute-form target (RFC 9112 §3.2.2): host from the target', head('ws://Other.Test:9/p?q', [])],
    ['subprotocols, origin and extensions', head('/', ['Sec-WebSocket-Protocol: b, a', 'Origin: https://o.test', 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'])],
    ['repeated headers: cookies joined with "; ", others with ", ", set-cookie as a list', head('/', ['Cookie: a=1', 'X-Tag: one', 'Cookie: b=2', 'X-Tag: two', 'Set-Cookie: s=1', 'Set-Cookie: s=2'])],
    ['header names that are Object.prototype members', head('/', ['__proto__: x', 'constructor: y', 'toString: z'])],
    ['obs-text (bytes 0x80-0xff) and inner whitespace in values', head('/', ['X-Latin: caf\xe9 \xff\tend', 'X-Pad:    padded   '])],
    ['empty lines before the request line (RFC 9112 §2.2)', head('/', [], '\r\n\r\n')],
  ])('%s: restores an equal request, headers with a null prototype', (_title, text) => {
    const kept = new KeptRequest(text, undefined, '10.0.0.1', 5555, true);
    const restored = kept.restore();
    expect(restored).toStrictEqual(parsedNow(text, '10.0.0.1', 5555, true));
    expect(Object.getPrototypeOf(restored)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(restored.headers)).toBeNull();
    expect(kept.remoteAddress).toBe('10.0.0.1');
  });

  it('kept as a shared template and its key: restores the request of that head, key included', () => {
    const templates = new HeadTemplates();
    const other = 'AQIDBAUGBwgJCgsMDQ4PEA==';
    templates.shared(head('/', ['Origin: https://o.test']).replace(KEY, other), other);
    const text = head('/', ['Origin: https://o.test']);
    const template = templates.shared(text, KEY);
    expect(template).toBeDefined();
    const restored = new KeptRequest(template!, KEY, '10.0.0.1', 5555, false).restore();
    expect(restored).toStrictEqual(parsedNow(text, '10.0.0.1', 5555, false));
    expect(restored.headers['sec-websocket-key']).toBe(KEY);
    const params = { name: 'x' };
    expect(new KeptRequestWithParams(template!, KEY, '10.0.0.1', 5555, false, params).restore()).toStrictEqual({ ...parsedNow(text, '10.0.0.1', 5555, false), params });
  });

  it('a route with path parameters: the restored request carries their values; others an empty params', () => {
    const text = head('/room/caf%C3%A9', []);
    const params = { name: 'café' };
    const restored = new KeptRequestWithParams(text, undefined, '10.0.0.1', 5555, false, params).restore();
    expect(restored).toStrictEqual({ ...parsedNow(text, '10.0.0.1', 5555, false), params });
    expect({ ...new KeptRequest(text, undefined, '10.0.0.1', 5555, false).restore().params }).toEqual({});
  });

  it('keeps the socket details as given, undefined included', () => {
    const text = head('/', []);
    expect(new KeptRequest(text, undefined, undefined, undefined, false).restore()).toMatchObject({ remoteAddress: undefined, remotePort: undefined, secure: false });
  });

  it('each restore is a new object (the connection keeps the first)', () => {
    const kept = new KeptRequest(head('/', ['Sec-WebSocket-Protocol: a']), undefined, '::1', 1, false);
    const first = kept.restore();
    const second = kept.restore();
    expect(second).not.toBe(first);
    expect(second).toStrictEqual(first);
  });

  it('any valid head with any extra headers restores equal to what was parsed (property)', () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((n) => !['host', 'content-length', 'transfer-encoding', 'upgrade', 'connection'].includes(n) && !n.startsWith('sec-websocket'));
    const value = fc
      .array(fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f), { maxLength: 30 })
      .map((codes) => String.fromCharCode(...codes).trim());
    const pathChar = fc.constantFrom(...'abcxyz0129-._~%/?=&');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(token, value), { maxLength: 12 }),
        fc.array(pathChar, { maxLength: 20 }).map((cs) => `/${cs.join('')}`),
        fc.boolean(),
        (extra, target, secure) => {
          const text = head(target, extra.map(([n, v]) => `${n}: ${v}`));
          expect(new KeptRequest(text, undefined, '127.0.0.1', 1234, secure).restore()).toStrictEqual(parsedNow(text, '127.0.0.1', 1234, secure));
        },
      ),
    );
  });
});
