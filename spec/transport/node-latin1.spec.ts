import { HttpHeadParser, latin1 } from '../../src/handshake/http-head-parser';
import { nodeLatin1 } from '../../src/transport/node-latin1';

describe('nodeLatin1 (the server head parser\'s decoder)', () => {
  const every = Uint8Array.from({ length: 256 }, (_, i) => i);

  it('decodes every byte value as the portable latin1 does, from a Buffer and from a plain Uint8Array', () => {
    for (const bytes of [Buffer.from(every), every]) {
      expect(nodeLatin1(bytes, 0, 256)).toBe(latin1(every, 0, 256));
      for (let at = 0; at < 256; at += 17) expect(nodeLatin1(bytes, at, at + 5)).toBe(latin1(every, at, at + 5));
    }
    expect(nodeLatin1(every, 0, 256)).toHaveLength(256);
    expect(nodeLatin1(every, 0xe9, 0xea)).toBe('\u00e9');
  });

  it('honours a view\'s offset into its buffer, and an empty range', () => {
    const view = new Uint8Array(every.buffer, 100, 50);
    expect(nodeLatin1(view, 0, 3)).toBe(latin1(every, 100, 103));
    expect(nodeLatin1(Buffer.from(view), 10, 10)).toBe('');
  });

  it('gives the head parser the same heads as its own decoder, whole and split at every byte (lines carried over)', () => {
    const head = Buffer.concat([
      Buffer.from('GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Obs: caf', 'latin1'),
      Buffer.from([0xe9, 0x80, 0xff]),
      Buffer.from('\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\nrest', 'latin1'),
    ]);
    const expected = HttpHeadParser.request().push(head);
    if (expected.kind !== 'done') throw new Error('the fixture must parse');
    for (let split = 0; split <= head.length; split++) {
      const parser = HttpHeadParser.request(undefined, nodeLatin1);
      const first = parser.push(head.subarray(0, split));
      const result = first.kind === 'incomplete' ? parser.push(head.subarray(split)) : first;
      // (`rest` depends on the split; the head must not.)
      expect(result.kind === 'done' && result.head).toEqual(expected.head);
    }
  });

  it('is called once for a head that came whole, up to its blank line and not into what follows', () => {
    const head = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n\x81\x80\r\n\r\n', 'latin1');
    const used: string[] = [];
    const result = HttpHeadParser.request(undefined, (bytes, start, end) => {
      used.push(latin1(bytes, start, end));
      return nodeLatin1(bytes, start, end);
    }).push(head);
    expect(result).toEqual(HttpHeadParser.request().push(head));
    expect(used).toEqual(['GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n']);
  });
});
