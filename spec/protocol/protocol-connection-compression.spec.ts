// The protocol core's permessage-deflate hook (protocol-connection.ts, RFC 7692 §6), tested
// without zlib and without sockets: a fake "compressor" XORs bytes, synchronously or when the
// test says so, so order, limits and RSV1 rules are checked deterministically.
import type { MessageCompression } from '../../src/protocol/protocol-types';
import type { ProtocolConnection } from '../../src/protocol/protocol-connection';
import { concat, feedChunks, hex, makeConnection, peerFrame, runWhole, utf8 } from './helpers';

const RSV1 = 4;
const xor = (bytes: Uint8Array): Uint8Array => bytes.map((b) => b ^ 0x5a);
/** "Compressed" form of a text or bytes, as the fake decompresses it. */
const packed = (data: string | Uint8Array): Uint8Array => xor(typeof data === 'string' ? utf8(data) : data);
/** A payload the fake refuses to decompress (like corrupt DEFLATE data). */
const CORRUPT = Uint8Array.of(0xff ^ 0x5a, 1, 2);

class FakeCompression implements MessageCompression {
  conn!: ProtocolConnection;
  threshold = 1;
  sync = true;
  /** Output is handed back in chunks of this many bytes. */
  chunkBytes = 3;
  readonly log: string[] = [];
  readonly pending: Array<() => void> = [];

  shouldCompress(byteLength: number): boolean {
    return byteLength >= this.threshold;
  }

  compress(data: Uint8Array, fresh: boolean, done: (c: Uint8Array | null) => void): void {
    this.log.push(`compress ${hex(data)}${fresh ? ' fresh' : ''}`);
    const run = () => done(xor(data));
    if (this.sync) run();
    else this.pending.push(run);
  }

  decompress(data: Uint8Array): void {
    this.log.push(`decompress ${hex(data)}`);
    const run = () => {
      if (data[0] === (0xff ^ 0x5a)) return this.conn.inflateError();
      // [0xee, n] "inflates" to n zero bytes: a tiny bomb.
      const out = data[0] === (0xee ^ 0x5a) ? new Uint8Array(data[1]!) : xor(data);
      for (let i = 0; i < out.length; i += this.chunkBytes) {
        if (!this.conn.inflateData(out.subarray(i, i + this.chunkBytes))) {
          this.log.push('stopped');
          return;
        }
      }
      this.conn.inflateEnd();
    };
    if (this.sync) run();
    else this.pending.push(run);
  }

  /** Runs the oldest deferred job. */
  next(): void {
    this.pending.shift()!();
  }
}

function setup(role: 'server' | 'client' = 'server', options: { maxMessageBytes?: number; sync?: boolean; streamThresholdBytes?: number } = {}) {
  const fake = new FakeCompression();
  fake.sync = options.sync ?? true;
  const { conn, rec } = makeConnection(role, {
    compression: fake,
    ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
    ...(options.streamThresholdBytes !== undefined ? { streamThresholdBytes: options.streamThresholdBytes } : {}),
  });
  fake.conn = conn;
  return { conn, rec, fake };
}

describe('RFC 7692 §6.1: receiving compressed messages (RSV1)', () => {
  it('a compressed text and binary message are decompressed and delivered', () => {
    const { conn, rec } = setup();
    conn.receive(concat(peerFrame('server', 1, packed('héllo'), { rsvBits: RSV1 }), peerFrame('server', 2, packed(Uint8Array.of(1, 2, 3)), { rsvBits: RSV1 })));
    expect(rec.log).toEqual(['text "héllo"', 'binary 010203']);
  });

  it('uncompressed messages still pass untouched (RSV1 is per message)', () => {
    const { conn, rec, fake } = setup();
    conn.receive(peerFrame('server', 1, 'plain'));
    expect(rec.log).toEqual(['text "plain"']);
    expect(fake.log).toEqual([]);
  });

  it('an empty compressed message is delivered empty', () => {
    const { conn, rec } = setup();
    conn.receive(peerFrame('server', 1, new Uint8Array(0), { rsvBits: RSV1 }));
    expect(rec.log).toEqual(['text ""']);
  });

  it('a fragmented compressed message (64-byte fragments) is joined, then decompressed once', () => {
    const text = 'ab'.repeat(500);
    const data = packed(text);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < data.length; i += 64) {
      const end = Math.min(i + 64, data.length);
      frames.push(peerFrame('server', i === 0 ? 1 : 0, data.subarray(i, end), { fin: end === data.length, rsvBits: i === 0 ? RSV1 : 0 }));
    }
    // RELIABILITY 10: a ping between fragments is answered before the message completes.
    frames.splice(3, 0, peerFrame('server', 9, 'p'));
    const { conn, rec, fake } = setup();
    conn.receive(concat(...frames));
    expect(rec.log).toEqual(['write 8a0170', 'ping 70', `text ${JSON.stringify(text)}`]);
    expect(fake.log).toEqual([`decompress ${hex(data)}`]);
  });

  it('RELIABILITY 8: the same events whole, byte by byte and at every split point', () => {
    const bytes = concat(
      peerFrame('server', 1, packed('one'), { rsvBits: RSV1 }),
      peerFrame('server', 1, 'two'),
      peerFrame('server', 2, packed(Uint8Array.of(9, 8)), { fin: false, rsvBits: RSV1 }),
      peerFrame('server', 0, packed(Uint8Array.of(7)), { fin: true }),
    );
    const log = expectSplitInvariantCompressed(bytes);
    expect(log).toEqual(['text "one"', 'text "two"', 'binary 090807', 'closed 1006 "" false']);
  });

  it.each<[string, Uint8Array]>([
    ['RSV1 on a continuation frame', concat(peerFrame('server', 1, 'a', { fin: false }), peerFrame('server', 0, 'b', { rsvBits: RSV1 }))],
    ['RSV1 on a ping', peerFrame('server', 9, 'p', { rsvBits: RSV1 })],
    ['RSV1 on a pong', peerFrame('server', 10, 'p', { rsvBits: RSV1 })],
    ['RSV1 on a close', peerFrame('server', 8, Uint8Array.of(3, 232), { rsvBits: RSV1 })],
    ['RSV2 with compression negotiated', peerFrame('server', 1, 'a', { rsvBits: 2 })],
    ['RSV3 with compression negotiated', peerFrame('server', 1, 'a', { rsvBits: 1 })],
  ])('RELIABILITY 31: %s → 1002', (_, bytes) => {
    const { conn, rec } = setup();
    conn.receive(bytes);
    expect(rec.log.filter((l) => l.startsWith('protocolError'))).toEqual(['protocolError 1002 reserved_bits_set']);
  });

  it('RELIABILITY 1: RSV1 without permessage-deflate negotiated → 1002', () => {
    const log = runWhole('server', peerFrame('server', 1, packed('x'), { rsvBits: RSV1 }));
    expect(log).toContain('protocolError 1002 reserved_bits_set');
  });

  it('RELIABILITY 31: data that does not decompress → 1007', () => {
    const { conn, rec } = setup();
    conn.receive(peerFrame('server', 1, CORRUPT, { rsvBits: RSV1 }));
    const reason = utf8('compressed data is invalid');
    expect(rec.log).toEqual([
      `write ${hex(concat(Uint8Array.of(0x88, reason.length + 2, 0x03, 0xef), reason))}`,
      'protocolError 1007 invalid_compressed_data',
      'armCloseTimer',
      'endTransport',
    ]);
  });

  it('§8.1: decompressed text that is not UTF-8 → 1007, never delivered', () => {
    const { conn, rec } = setup();
    conn.receive(peerFrame('server', 1, xor(Uint8Array.of(0x61, 0xc3, 0x28)), { rsvBits: RSV1 }));
    expect(rec.log).toContain('protocolError 1007 invalid_utf8');
    expect(rec.log.some((l) => l.startsWith('text'))).toBe(false);
  });

  it('RELIABILITY 30: output past maxMessageBytes → 1009 during decompression, which is told to stop', () => {
    const { conn, rec, fake } = setup('server', { maxMessageBytes: 10 });
    // 2 compressed bytes that "inflate" to 200: the limit is crossed by the 4th 3-byte chunk.
    const bomb = peerFrame('server', 2, Uint8Array.of(0xee ^ 0x5a, 200), { rsvBits: RSV1 });
    conn.receive(bomb);
    expect(rec.log).toContain('protocolError 1009 message_too_big');
    expect(fake.log).toEqual([expect.stringMatching(/^decompress /), 'stopped']);
    expect(rec.log.some((l) => l.startsWith('binary'))).toBe(false);
  });

  it('exactly maxMessageBytes of output is accepted', () => {
    const { conn, rec } = setup('server', { maxMessageBytes: 12 });
    conn.receive(peerFrame('server', 2, xor(new Uint8Array(12)), { rsvBits: RSV1 }));
    expect(rec.log).toEqual([`binary ${'00'.repeat(12)}`]);
  });

  it('a compressed payload over maxMessageBytes is refused at its header (1009)', () => {
    const { conn, rec, fake } = setup('server', { maxMessageBytes: 4 });
    conn.receive(peerFrame('server', 2, new Uint8Array(5), { rsvBits: RSV1 }));
    expect(rec.log).toContain('protocolError 1009 message_too_big');
    expect(fake.log).toEqual([]);
  });
});

describe('streamThresholdBytes: compressed messages stream by their decompressed size', () => {
  it('a compressed message that inflates to the threshold streams: what was inflated before it is the first chunk', () => {
    const { conn, rec } = setup('server', { streamThresholdBytes: 7 });
    conn.receive(peerFrame('server', 2, packed(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)), { rsvBits: RSV1 }));
    // The fake inflates 3 bytes at a time: 3, 6, then 9 ≥ 7 at the third piece.
    expect(rec.log).toEqual(['streamStart binary', 'streamChunk 010203040506', 'streamChunk 0708', 'streamEnd']);
  });

  it('one that inflates to less arrives whole, and uncompressed messages are judged by their headers', () => {
    const { conn, rec } = setup('server', { streamThresholdBytes: 4 });
    conn.receive(concat(peerFrame('server', 1, packed('abc'), { rsvBits: RSV1 }), peerFrame('server', 1, 'abcd')));
    expect(rec.log).toEqual(['text "abc"', 'streamStart text', `streamChunk ${hex(utf8('abcd'))}`, 'streamEnd']);
  });

  it('R30 inflating past maxMessageBytes fails with 1009 mid-stream, and the message does not end', () => {
    const { conn, rec, fake } = setup('server', { streamThresholdBytes: 1, maxMessageBytes: 8 });
    conn.receive(peerFrame('server', 2, Uint8Array.of(0xee ^ 0x5a, 20), { rsvBits: RSV1 }));
    expect(rec.log.slice(0, 4)).toEqual(['streamStart binary', 'streamChunk 000000', 'streamChunk 000000', expect.stringMatching(/^write 88..03f1/)]);
    expect(rec.log).toContain('protocolError 1009 message_too_big');
    expect(rec.log).not.toContain('streamEnd');
    expect(fake.log).toContain('stopped');
  });

  it('R11 invalid UTF-8 in the inflated text fails with 1007 at the offending piece', () => {
    const { conn, rec } = setup('server', { streamThresholdBytes: 1 });
    conn.receive(peerFrame('server', 1, packed(Uint8Array.of(0x61, 0x62, 0x63, 0xff, 0x64)), { rsvBits: RSV1 }));
    expect(rec.log.slice(0, 2)).toEqual(['streamStart text', `streamChunk ${hex(utf8('abc'))}`]);
    expect(rec.log).toContain('protocolError 1007 invalid_utf8');
    expect(rec.log).not.toContain('streamEnd');
  });
});

describe('order is kept while decompression is asynchronous', () => {
  it('later frames of the same chunk wait; pings too; then everything follows in order', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    conn.receive(concat(peerFrame('server', 1, packed('first'), { rsvBits: RSV1 }), peerFrame('server', 1, 'second'), peerFrame('server', 9, 'p')));
    expect(conn.inflating).toBe(true);
    expect(rec.log).toEqual([]);
    conn.receive(peerFrame('server', 1, packed('third'), { rsvBits: RSV1 }));
    expect(rec.log).toEqual([]);
    fake.next();
    expect(rec.log).toEqual(['text "first"', 'text "second"', 'write 8a0170', 'ping 70']);
    expect(conn.inflating).toBe(true);
    fake.next();
    expect(rec.log.slice(4)).toEqual(['text "third"']);
    expect(conn.inflating).toBe(false);
  });

  it('pause() from inside the delivered message holds the rest until resume()', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    rec.hooks.onText = () => conn.pause();
    conn.receive(concat(peerFrame('server', 1, packed('a'), { rsvBits: RSV1 }), peerFrame('server', 1, 'b')));
    fake.next();
    expect(rec.log).toEqual(['text "a"']);
    rec.hooks.onText = undefined;
    conn.resume();
    expect(rec.log).toEqual(['text "a"', 'text "b"']);
  });

  it('the transport closing mid-decompression drops the message; late output is ignored', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    conn.receive(peerFrame('server', 1, packed('lost'), { rsvBits: RSV1 }));
    conn.transportClosed();
    fake.next();
    expect(rec.log).toEqual(['closed 1006 "" false']);
    expect(fake.log).toContain('stopped');
  });

  it('a message decompressed after our close is still delivered (§1.4), then the peer close is read', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    conn.receive(concat(peerFrame('server', 1, packed('late'), { rsvBits: RSV1 }), peerFrame('server', 8, Uint8Array.of(3, 232))));
    conn.close(1000);
    fake.next();
    expect(rec.log.filter((l) => l.startsWith('text') || l.startsWith('closeFrame'))).toEqual(['text "late"', 'closeFrame 1000 ""']);
  });

  it('a message decompressed after we failed the connection is not delivered (§7.1.7)', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    conn.receive(peerFrame('server', 1, packed('late'), { rsvBits: RSV1 }));
    conn.fail(1008, 'policy');
    fake.next();
    expect(rec.log.filter((l) => l.startsWith('text'))).toEqual([]);
  });

  it('a handler that throws abandons the input and rethrows to the transport', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    rec.hooks.onText = () => {
      throw new Error('user bug');
    };
    conn.receive(concat(peerFrame('server', 1, packed('a'), { rsvBits: RSV1 }), peerFrame('server', 1, 'b')));
    expect(() => fake.next()).toThrow('user bug');
    expect(rec.log).toEqual(['text "a"']);
  });
});

describe('RFC 7692 §7.2.1: sending compressed messages, in order', () => {
  it('a message at the threshold is compressed and framed with RSV1; below it is not', () => {
    const { conn, rec, fake } = setup();
    fake.threshold = 3;
    conn.sendText('ab');
    conn.sendText('abc');
    conn.sendBinary(Uint8Array.of(1, 2, 3));
    expect(rec.log).toEqual([`write 81026162`, `write c103${hex(packed('abc'))}`, `write c203${hex(packed(Uint8Array.of(1, 2, 3)))}`]);
    expect(fake.log).toEqual(['compress 616263', 'compress 010203']);
  });

  it('frames wait behind a compression, control frames do not, and our close comes last', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    fake.threshold = 3;
    conn.sendText('big'); // compressing
    conn.sendText('s'); // small, waits
    conn.ping('p'); // goes now
    conn.sendFragmented(1, utf8('xy'), 1); // waits
    conn.close(1000, 'bye'); // waits
    expect(rec.log).toEqual(['write 890170', 'armCloseTimer']);
    expect(conn.hasQueuedOutput).toBe(true);
    expect(conn.queuedOutputBytes).toBeGreaterThan(0);
    fake.next();
    expect(rec.log.slice(2)).toEqual([
      `write c103${hex(packed('big'))}`,
      'write 810173',
      'write 010178',
      'write 800179',
      `write 8805${hex(concat(Uint8Array.of(3, 232), utf8('bye')))}`,
    ]);
    expect(conn.hasQueuedOutput).toBe(false);
    expect(conn.queuedOutputBytes).toBe(0);
  });

  it('messages are compressed in send order and written in send order', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    conn.sendText('one');
    conn.sendText('two');
    fake.next();
    fake.next();
    expect(rec.log).toEqual([`write c103${hex(packed('one'))}`, `write c103${hex(packed('two'))}`]);
  });

  it('sendFragmented compresses first and sets RSV1 on the first frame only', () => {
    const { conn, rec } = setup();
    conn.sendFragmented(2, Uint8Array.of(1, 2, 3, 4, 5), 2);
    const p = packed(Uint8Array.of(1, 2, 3, 4, 5));
    expect(rec.log).toEqual([`write 4202${hex(p.subarray(0, 2))}`, `write 0002${hex(p.subarray(2, 4))}`, `write 8001${hex(p.subarray(4))}`]);
  });

  it('a client masks compressed frames like any other (§5.3)', () => {
    const { conn, rec } = setup('client');
    conn.sendText('abc');
    // 0xc1 (FIN, RSV1, text), masked length 3, the test key, then the masked payload.
    expect(rec.log[0]).toMatch(/^write c18337fa213d/);
  });

  it('a shared compressed frame makes the next compression start afresh', () => {
    const { conn, fake } = setup();
    conn.sendText('a');
    conn.sendPreEncoded(Uint8Array.of(0xc1, 0x00), true);
    conn.sendText('b');
    conn.sendPreEncoded(Uint8Array.of(0x81, 0x00));
    conn.sendText('c');
    expect(fake.log).toEqual(['compress 61', 'compress 62 fresh', 'compress 63']);
  });

  it('a reserved place for a shared frame holds later frames until it is filled', () => {
    const { conn, rec } = setup();
    const fill = conn.reservePreEncoded(true);
    conn.sendText('after');
    conn.ping();
    expect(rec.log).toEqual(['write 8900']);
    fill(Uint8Array.of(0xc1, 0x00));
    expect(rec.log.slice(1)).toEqual(['write c100', expect.stringMatching(/^write c105/)]);
    fill(Uint8Array.of(1)); // a second fill is ignored
    expect(rec.log).toHaveLength(3);
  });

  it('a dropped reservation (null) lets the rest go', () => {
    const { conn, rec } = setup('server', { sync: false });
    const fill = conn.reservePreEncoded(false);
    conn.sendPreEncoded(Uint8Array.of(0x81, 0x00));
    fill(null);
    expect(rec.log).toEqual(['write 8100']);
  });

  it('the peer closing while we compress: queued messages are dropped and the reply goes at once', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    conn.sendText('pending');
    conn.receive(peerFrame('server', 8, Uint8Array.of(3, 232)));
    expect(rec.log).toEqual(['write 880203e8', 'armCloseTimer', 'closeFrame 1000 ""', 'endTransport']);
    fake.next();
    expect(rec.log).toHaveLength(4);
  });

  it('our queued close goes out at once when the connection fails, ahead of nothing', () => {
    const { conn, rec, fake } = setup('server', { sync: false });
    conn.sendText('pending');
    conn.close(1000);
    conn.fail(1011, 'boom');
    expect(rec.log).toEqual(['armCloseTimer', 'write 880203e8', 'endTransport']);
    fake.next();
    expect(rec.log).toHaveLength(3);
  });

  it('a compressor failure fails the connection with 1011', () => {
    const fake = new FakeCompression();
    fake.compress = (_d, _f, done) => done(null);
    const { conn, rec } = makeConnection('server', { compression: fake });
    fake.conn = conn;
    conn.sendText('x');
    expect(rec.log[0]).toBe(`write 881003f3${hex(utf8('internal error'))}`);
  });

  it('the compression option is checked', () => {
    expect(() => makeConnection('server', { compression: {} as MessageCompression })).toThrow(/compression must have/);
  });
});

/** RELIABILITY 8 with the fake: a fresh connection per run, chunks copied (unmasked in place). */
function runSplit(bytes: Uint8Array, cuts: readonly number[]): string[] {
  const { conn, rec } = setup();
  feedChunks(conn, bytes, cuts);
  return rec.log;
}

function expectSplitInvariantCompressed(bytes: Uint8Array): string[] {
  const whole = runSplit(bytes, []);
  expect(runSplit(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(whole);
  for (let i = 1; i < bytes.length; i++) expect(runSplit(bytes, [i])).toEqual(whole);
  return whole;
}
