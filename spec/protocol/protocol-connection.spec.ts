import fc from 'fast-check';
import { ProtocolError, UsageError } from '../../src/errors';
import { encodeFrame } from '../../src/protocol/frame-serializer';
import { Opcode } from '../../src/protocol/opcode';
import { ProtocolConnection, ProtocolSettings } from '../../src/protocol/protocol-connection';
import type { ProtocolEvents } from '../../src/protocol/protocol-types';
import {
  concat,
  expectSplitInvariant,
  fromHex,
  hex,
  makeConnection,
  maskedFrameByHand,
  peerFrame,
  recorder,
  runChunks,
  runWhole,
  testMask,
  utf8,
} from './helpers';

/** Frames a client sends (masked with the test key): what a server-role connection receives. */
const toServer = (opcode: number, payload: Uint8Array | string = '', opts: { fin?: boolean; rsvBits?: number } = {}) =>
  peerFrame('server', opcode, payload, opts);
/** Frames a server sends (unmasked): what a client-role connection receives. */
const toClient = (opcode: number, payload: Uint8Array | string = '', opts: { fin?: boolean; rsvBits?: number } = {}) =>
  peerFrame('client', opcode, payload, opts);

const closePayload = (code: number, reason = ''): Uint8Array => concat(new Uint8Array([code >> 8, code & 0xff]), utf8(reason));
/** The server's unmasked close frame for `code` with our reason text. */
const serverClose = (code: number, reason = ''): string => `write ${hex(encodeFrame(Opcode.Close, closePayload(code, reason)))}`;

const protocolErrorLog = (code: number, err: string, reason: string): string[] => [
  serverClose(code, reason),
  `protocolError ${code} ${err}`,
  'armCloseTimer',
  'endTransport',
];

describe('ProtocolConnection: receiving', () => {
  it('§5.7 single-frame masked text (server) and unmasked text (client), at every split', () => {
    expect(expectSplitInvariant('server', fromHex('818537fa213d7f9f4d5158'))).toEqual([
      'text "Hello"',
      'closed 1006 "" false',
    ]);
    expect(expectSplitInvariant('client', fromHex('810548656c6c6f'))).toEqual(['text "Hello"', 'closed 1006 "" false']);
  });

  it('§5.7 fragmented text, at every split', () => {
    const bytes = concat(toServer(Opcode.Text, 'Hel', { fin: false }), toServer(Opcode.Continuation, 'lo'));
    expect(expectSplitInvariant('server', bytes)).toEqual(['text "Hello"', 'closed 1006 "" false']);
    expect(expectSplitInvariant('client', fromHex('010348656c 80026c6f'))).toEqual(['text "Hello"', 'closed 1006 "" false']);
  });

  it('§5.7 a client answers an unmasked ping with the masked pong of the example, byte for byte', () => {
    expect(expectSplitInvariant('client', fromHex('890548656c6c6f'))).toEqual([
      'write 8a8537fa213d7f9f4d5158',
      'ping 48656c6c6f',
      'closed 1006 "" false',
    ]);
  });

  it('§5.7 256-byte and 64 KiB binary messages', () => {
    const p256 = new Uint8Array(256).map((_, i) => i);
    expect(runChunks('client', concat(fromHex('827e0100'), p256), [3, 100])).toEqual([`binary ${hex(p256)}`, 'closed 1006 "" false']);
    const p64k = new Uint8Array(65536).map((_, i) => i * 3);
    const framed = toServer(Opcode.Binary, p64k);
    expect(runChunks('server', framed, [7, 20_000, 50_001])).toEqual([`binary ${hex(p64k)}`, 'closed 1006 "" false']);
  });

  it('§5.6 empty text and binary messages, single and fragmented', () => {
    const bytes = concat(
      toServer(Opcode.Text, ''),
      toServer(Opcode.Binary, new Uint8Array(0)),
      toServer(Opcode.Text, '', { fin: false }),
      toServer(Opcode.Continuation, ''),
    );
    expect(expectSplitInvariant('server', bytes)).toEqual(['text ""', 'binary ', 'text ""', 'closed 1006 "" false']);
  });

  it('§5.6 a single-frame binary message whole in one chunk is delivered without a copy', () => {
    const { conn, rec } = makeConnection('client');
    const chunk = toClient(Opcode.Binary, new Uint8Array([1, 2, 3]));
    let got: Uint8Array | undefined;
    rec.hooks.onBinary = ((b: Uint8Array) => (got = b)) as never;
    conn.receive(chunk);
    expect(got!.buffer).toBe(chunk.buffer);
    expect(got!.byteOffset).toBe(2);
  });

  it('§5.5.3 pongs are reported and not answered', () => {
    expect(expectSplitInvariant('server', toServer(Opcode.Pong, 'hb'))).toEqual(['pong 6862', 'closed 1006 "" false']);
  });

  it('R1 RSV1/2/3 set without an extension → 1002; a valid message earlier in the same chunk is still delivered', () => {
    for (const rsv of [4, 2, 1, 7]) {
      const bytes = concat(toServer(Opcode.Text, 'ok'), toServer(Opcode.Text, 'x', { rsvBits: rsv }));
      expect(expectSplitInvariant('server', bytes)).toEqual([
        'text "ok"',
        ...protocolErrorLog(1002, 'reserved_bits_set', 'reserved bits set without an extension'),
        'closed 1002 "reserved bits set without an extension" false',
      ]);
    }
  });

  it('R2 opcodes 3–7 and 0xB–0xF → 1002', () => {
    for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
      expect(runWhole('server', toServer(op, ''))).toEqual([
        ...protocolErrorLog(1002, 'unknown_opcode', 'reserved opcode'),
        'closed 1002 "reserved opcode" false',
      ]);
    }
  });

  it('R3 unmasked frame to a server → 1002; masked frame to a client → 1002', () => {
    expect(runWhole('server', toClient(Opcode.Text, 'x'))).toEqual([
      ...protocolErrorLog(1002, 'unmasked_frame', 'client frame is not masked'),
      'closed 1002 "client frame is not masked" false',
    ]);
    const log = runWhole('client', toServer(Opcode.Text, 'x'));
    expect(log[0]).toMatch(/^write 88/); // a (masked) close frame
    // §7.1.1: the failing client waits (close timer armed) for the server to close TCP first.
    expect(log.slice(1)).toEqual(['protocolError 1002 masked_frame', 'armCloseTimer', 'closed 1002 "server frame is masked" false']);
  });

  it('R4 a 125-byte ping is echoed exactly by the pong; a 126-byte ping → 1002', () => {
    const payload = new Uint8Array(125).map((_, i) => i * 2 + 1);
    expect(expectSplitInvariant('server', toServer(Opcode.Ping, payload))).toEqual([
      `write ${hex(encodeFrame(Opcode.Pong, payload))}`,
      `ping ${hex(payload)}`,
      'closed 1006 "" false',
    ]);
    const big = fromHex(`89fe007e 37fa213d ${'00'.repeat(126)}`);
    expect(expectSplitInvariant('server', big)).toEqual([
      ...protocolErrorLog(1002, 'control_frame_too_big', 'control frame payload over 125 bytes'),
      'closed 1002 "control frame payload over 125 bytes" false',
    ]);
  });

  it('R5 fragmented ping, pong or close → 1002', () => {
    for (const op of [Opcode.Ping, Opcode.Pong, Opcode.Close]) {
      // encodeFrame refuses to build these, so set the header by hand: FIN clear, masked, len 0
      const bytes = fromHex(`0${op.toString(16)} 80 37fa213d`);
      expect(expectSplitInvariant('server', bytes)).toEqual([
        ...protocolErrorLog(1002, 'fragmented_control_frame', 'control frame is fragmented'),
        'closed 1002 "control frame is fragmented" false',
      ]);
    }
  });

  it('R6 an orphan continuation → 1002', () => {
    expect(expectSplitInvariant('server', toServer(Opcode.Continuation, 'x'))).toEqual([
      ...protocolErrorLog(1002, 'unexpected_continuation', 'continuation frame without a message'),
      'closed 1002 "continuation frame without a message" false',
    ]);
  });

  it('R6 a new text/binary frame while a fragmented message is open → 1002', () => {
    for (const op of [Opcode.Text, Opcode.Binary]) {
      const bytes = concat(toServer(Opcode.Text, 'a', { fin: false }), toServer(op, 'b'));
      expect(expectSplitInvariant('server', bytes)).toEqual([
        ...protocolErrorLog(1002, 'expected_continuation', 'new message inside a fragmented message'),
        'closed 1002 "new message inside a fragmented message" false',
      ]);
    }
  });

  it('R7 a 64-bit length with the MSB set → 1002', () => {
    expect(expectSplitInvariant('server', fromHex('82ff 8000000000000000 37fa213d'))).toEqual([
      ...protocolErrorLog(1002, 'frame_length_msb', 'frame length has the most significant bit set'),
      'closed 1002 "frame length has the most significant bit set" false',
    ]);
  });

  it('R7 declared lengths of 2^53−1 and 2^40 fail 1009 at header time with no large allocation', () => {
    for (const len of ['001fffffffffffff', '0000010000000000', '0020000000000000']) {
      const before = process.memoryUsage().arrayBuffers;
      const log = runWhole('server', fromHex(`82ff ${len} 37fa213d 0102`), { maxMessageBytes: 32 * 1024 * 1024 });
      expect(log[1]).toMatch(/^protocolError 1009 /);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    }
  });

  it('R7 a length above maxMessageBytes → 1009 at header time, before any payload arrives', () => {
    const { conn, rec } = makeConnection('server', { maxMessageBytes: 10 });
    conn.receive(fromHex('82 8b 37fa213d')); // header only: 11 bytes declared
    expect(rec.log).toEqual(protocolErrorLog(1009, 'message_too_big', 'message exceeds the size limit'));
  });

  it('R34 fragments that together exceed the limit → 1009 at the offending fragment', () => {
    const bytes = concat(
      toServer(Opcode.Binary, new Uint8Array(6), { fin: false }),
      toServer(Opcode.Continuation, new Uint8Array(4), { fin: false }),
      toServer(Opcode.Continuation, new Uint8Array(1)),
    );
    const { conn, rec } = makeConnection('server', { maxMessageBytes: 10 });
    const second = toServer(Opcode.Binary, new Uint8Array(6), { fin: false }).length;
    const third = second + toServer(Opcode.Continuation, new Uint8Array(4), { fin: false }).length;
    conn.receive(bytes.slice(0, third));
    expect(rec.log).toEqual([]);
    conn.receive(bytes.slice(third, third + 6)); // just the offending header (2 bytes + mask key)
    expect(rec.log).toEqual(protocolErrorLog(1009, 'message_too_big', 'message exceeds the size limit'));
  });

  it('R35 more fragments than maxFragments → 1008 at the offending fragment; maxFragments exactly is fine', () => {
    const frames = (n: number): Uint8Array =>
      concat(
        toServer(Opcode.Binary, new Uint8Array([0]), { fin: false }),
        ...Array.from({ length: n - 2 }, () => toServer(Opcode.Continuation, new Uint8Array([1]), { fin: false })),
        toServer(Opcode.Continuation, new Uint8Array([2])),
      );
    expect(runWhole('server', frames(5), { maxFragments: 5 })[0]).toBe('binary 0001010102');
    expect(runWhole('server', frames(6), { maxFragments: 5 })).toEqual([
      ...protocolErrorLog(1008, 'too_many_fragments', 'message has too many fragments'),
      'closed 1008 "message has too many fragments" false',
    ]);
  });

  it('R9 10,000 frames in one chunk are all delivered, in order, with no stack overflow', () => {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 10_000; i++) frames.push(toServer(Opcode.Text, `m${i}`.padEnd(32, '.')));
    const { conn, rec } = makeConnection('server');
    conn.receive(concat(...frames));
    expect(rec.log).toHaveLength(10_000);
    expect(rec.log[9_999]).toBe(`text ${JSON.stringify('m9999'.padEnd(32, '.'))}`);
  });

  it('R10 a ping in the middle of a fragmented message is answered before the message completes', () => {
    const bytes = concat(
      toServer(Opcode.Text, 'Hel', { fin: false }),
      toServer(Opcode.Ping, 'p'),
      toServer(Opcode.Continuation, 'lo'),
    );
    expect(expectSplitInvariant('server', bytes)).toEqual([
      `write ${hex(encodeFrame(Opcode.Pong, utf8('p')))}`,
      'ping 70',
      'text "Hello"',
      'closed 1006 "" false',
    ]);
  });

  it('R11 invalid UTF-8 in a single text frame → 1007 and the message is never emitted', () => {
    const bytes = toServer(Opcode.Text, fromHex('cebae1bdb9cf83cebcceb5eda080656469746564'));
    expect(expectSplitInvariant('server', bytes)).toEqual([
      ...protocolErrorLog(1007, 'invalid_utf8', 'text is not valid utf-8'),
      'closed 1007 "text is not valid utf-8" false',
    ]);
  });

  it('R12 an invalid sequence split across fragments → 1007 at the offending fragment', () => {
    const { conn, rec } = makeConnection('server');
    conn.receive(toServer(Opcode.Text, fromHex('41e2'), { fin: false }));
    expect(rec.log).toEqual([]);
    conn.receive(toServer(Opcode.Continuation, fromHex('28'), { fin: false })); // E2 28: bad continuation
    expect(rec.log).toEqual(protocolErrorLog(1007, 'invalid_utf8', 'text is not valid utf-8'));
  });

  it('R12 a valid code point split across fragments is accepted', () => {
    const bytes = concat(
      toServer(Opcode.Text, fromHex('f09f'), { fin: false }),
      toServer(Opcode.Continuation, fromHex('98'), { fin: false }),
      toServer(Opcode.Continuation, fromHex('80')),
    );
    expect(expectSplitInvariant('server', bytes)).toEqual(['text "😀"', 'closed 1006 "" false']);
  });

  it('R13 overlongs, surrogates, > U+10FFFF and truncation at FIN → 1007; U+FFFE accepted; binary never checked', () => {
    for (const bad of ['c0af', 'e08080', 'eda080', 'f4908080', 'f09f98']) {
      expect(runWhole('server', toServer(Opcode.Text, fromHex(bad)))[1]).toBe('protocolError 1007 invalid_utf8');
      const fragmented = concat(toServer(Opcode.Text, fromHex(bad), { fin: false }), toServer(Opcode.Continuation, ''));
      expect(runWhole('server', fragmented)[1]).toBe('protocolError 1007 invalid_utf8');
    }
    expect(runWhole('server', toServer(Opcode.Text, fromHex('efbfbe')))[0]).toBe('text "\ufffe"');
    expect(runWhole('server', toServer(Opcode.Binary, fromHex('c0afff')))[0]).toBe('binary c0afff');
  });

  it('R14 a close reason with invalid UTF-8 → 1007', () => {
    expect(expectSplitInvariant('server', toServer(Opcode.Close, fromHex('03e8 ff')))).toEqual([
      ...protocolErrorLog(1007, 'invalid_utf8', 'close reason is not valid utf-8'),
      'closed 1007 "close reason is not valid utf-8" false',
    ]);
  });

  it('R15 an empty close payload → we reply with an empty close and the app sees 1005', () => {
    const bytes = toServer(Opcode.Close, new Uint8Array(0));
    expect(expectSplitInvariant('server', bytes)).toEqual([
      'write 8800',
      'armCloseTimer',
      'closeFrame 1005 ""',
      'endTransport',
      'closed 1005 "" true',
    ]);
  });

  it('R15 a 1-byte close payload → 1002', () => {
    expect(runWhole('server', toServer(Opcode.Close, new Uint8Array([3])))).toEqual([
      ...protocolErrorLog(1002, 'invalid_close_payload', 'close payload of 1 byte'),
      'closed 1002 "close payload of 1 byte" false',
    ]);
  });

  it('R16 codes 0, 999, 1004–1006, 1015, 1016, 1100, 2000, 2999, 5000 → 1002', () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000]) {
      expect(runWhole('server', toServer(Opcode.Close, closePayload(code)))).toEqual([
        ...protocolErrorLog(1002, 'invalid_close_code', 'invalid close code'),
        'closed 1002 "invalid close code" false',
      ]);
    }
  });

  it('R16 codes 1000–1003, 1007–1014 and 3000–4999 are echoed', () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999]) {
      expect(runWhole('server', toServer(Opcode.Close, closePayload(code, 'bye')))).toEqual([
        serverClose(code),
        'armCloseTimer',
        `closeFrame ${code} "bye"`,
        'endTransport',
        `closed ${code} "bye" true`,
      ]);
    }
  });

  it('R17 receiving a 126-byte close payload → 1002', () => {
    const bytes = fromHex(`88fe007e 37fa213d ${'03e8'}${'41'.repeat(124)}`);
    expect(runWhole('server', bytes)[1]).toBe('protocolError 1002 control_frame_too_big');
  });

  it('R18 two closes from the peer get one reply; data or pings after the close are discarded, no pong', () => {
    const bytes = concat(
      toServer(Opcode.Close, closePayload(1000)),
      toServer(Opcode.Text, 'late'),
      toServer(Opcode.Ping, 'p'),
      toServer(Opcode.Close, closePayload(1001)),
    );
    expect(expectSplitInvariant('server', bytes)).toEqual([
      serverClose(1000),
      'armCloseTimer',
      'closeFrame 1000 ""',
      'endTransport',
      'closed 1000 "" true',
    ]);
  });

  it('R20 EOF mid-message → 1006 and the partial message is dropped', () => {
    const { conn, rec } = makeConnection('server');
    conn.receive(toServer(Opcode.Text, 'part', { fin: false }));
    conn.receive(toServer(Opcode.Continuation, new Uint8Array(100)).subarray(0, 50));
    conn.transportClosed();
    conn.transportClosed(); // once only
    expect(rec.log).toEqual(['closed 1006 "" false']);
  });
});

describe('ProtocolConnection: every fixture at every split', () => {
  const fixtures: [string, Uint8Array][] = [
    ...[3, 7, 0xb, 0xf].map((op): [string, Uint8Array] => [`R2 opcode ${op}`, toServer(op, 'x')]),
    ['R3 unmasked to server', toClient(Opcode.Text, 'x')],
    ['R7 length 2^40', fromHex('82ff 0000010000000000 37fa213d 00')],
    ...['c0af', 'e08080', 'eda080', 'f4908080', 'f09f98', 'efbfbe'].map((b): [string, Uint8Array] => [
      `R13 text ${b}`,
      concat(toServer(Opcode.Text, fromHex(b.slice(0, 2)), { fin: false }), toServer(Opcode.Continuation, fromHex(b.slice(2)))),
    ]),
    ...[999, 1004, 1015, 3000, 4999, 5000].map((c): [string, Uint8Array] => [`R16 close ${c}`, toServer(Opcode.Close, closePayload(c, 'r'))]),
    ['R17 126-byte close', fromHex(`88fe007e 37fa213d ${'03e8'}${'41'.repeat(124)}`)],
    ['R35 too many fragments', concat(...Array.from({ length: 12 }, (_, i) => toServer(i ? 0 : 2, 'f', { fin: false })))],
    ['mixed traffic', concat(toServer(Opcode.Binary, new Uint8Array(130).fill(1)), toServer(Opcode.Ping, ''), toServer(Opcode.Text, 'é'))],
  ];
  it.each(fixtures)('R8 %s: whole, byte by byte and at every split give identical events', (_name, bytes) => {
    expectSplitInvariant('server', bytes, { maxFragments: 10 });
  });
});

describe('ProtocolConnection: closing handshake', () => {
  it('§7.1.2 the server closes first: close frame, timer; the peer’s reply → endTransport; clean', () => {
    const { conn, rec } = makeConnection('server');
    conn.close(1001, 'going');
    expect(conn.state).toBe('closing');
    conn.close(1000); // no-op
    expect(rec.log).toEqual([serverClose(1001, 'going'), 'armCloseTimer']);
    conn.receive(toServer(Opcode.Close, closePayload(1001)));
    conn.transportClosed();
    expect(conn.state).toBe('closed');
    expect(rec.log.slice(2)).toEqual(['closeFrame 1001 ""', 'endTransport', 'closed 1001 "" true']);
  });

  it('§7.1.1 a client waits for the server to end TCP after the handshake (no endTransport)', () => {
    const { conn, rec } = makeConnection('client');
    conn.close();
    expect(rec.log).toEqual([`write ${hex(encodeFrame(Opcode.Close, closePayload(1000), { mask: testMask }))}`, 'armCloseTimer']);
    conn.receive(toClient(Opcode.Close, closePayload(1000)));
    expect(rec.log.slice(2)).toEqual(['closeFrame 1000 ""']);
    conn.transportClosed();
    expect(rec.log.slice(3)).toEqual(['closed 1000 "" true']);
  });

  it('§5.5.1 a client answers the server’s close with a masked echo and arms the timer', () => {
    const { conn, rec } = makeConnection('client');
    conn.receive(toClient(Opcode.Close, closePayload(4001, 'x')));
    expect(rec.log).toEqual([
      `write ${hex(encodeFrame(Opcode.Close, closePayload(4001), { mask: testMask }))}`,
      'armCloseTimer',
      'closeFrame 4001 "x"',
    ]);
  });

  it('R19 the peer ignores our close → transportClosed reports 1006, not clean', () => {
    const { conn, rec } = makeConnection('server');
    conn.close();
    conn.transportClosed();
    expect(rec.log.at(-1)).toBe('closed 1006 "" false');
  });

  it('§1.4 after our close, the data the peer sent before seeing it is still delivered; pings are not answered', () => {
    const { conn, rec } = makeConnection('server');
    conn.receive(toServer(Opcode.Text, 'partial', { fin: false }));
    conn.close();
    conn.receive(
      concat(
        toServer(Opcode.Continuation, ' end'),
        toServer(Opcode.Binary, new Uint8Array([1])),
        toServer(Opcode.Text, 'x', { fin: false }),
        toServer(Opcode.Ping, 'p'),
        toServer(Opcode.Pong, 'q'),
        toServer(Opcode.Continuation, 'y'),
        toServer(Opcode.Close, closePayload(1000)),
      ),
    );
    expect(rec.log).toEqual([
      serverClose(1000),
      'armCloseTimer',
      'text "partial end"',
      'binary 01',
      'ping 70',
      'pong 71',
      'text "xy"',
      'closeFrame 1000 ""',
      'endTransport',
    ]);
  });

  it('§5.5.1 a protocol error after our close does not send a second close frame', () => {
    const { conn, rec } = makeConnection('server');
    conn.close();
    conn.receive(toServer(5, ''));
    expect(rec.log).toEqual([serverClose(1000), 'armCloseTimer', 'protocolError 1002 unknown_opcode', 'endTransport']);
    conn.transportClosed();
    expect(rec.log.at(-1)).toBe('closed 1002 "reserved opcode" false');
  });

  it('R17 close() with a reason over 123 bytes or an invalid code throws synchronously', () => {
    const { conn, rec } = makeConnection('server');
    expect(() => conn.close(1000, 'x'.repeat(124))).toThrow(UsageError);
    expect(() => conn.close(1005)).toThrow(UsageError);
    expect(() => conn.close(1000, 'é'.repeat(62))).toThrow(/124 bytes/);
    expect(rec.log).toEqual([]);
    expect(conn.state).toBe('open');
    conn.close(1000, 'x'.repeat(123));
    expect(rec.log[0]).toBe(serverClose(1000, 'x'.repeat(123)));
  });

  it('§7.1.7 fail() writes a close frame, arms the timer, ends the transport; onClosed reports our code', () => {
    const { conn, rec } = makeConnection('server');
    conn.fail(1011, 'handler threw');
    conn.fail(1008); // already failing: nothing more written
    conn.receive(toServer(Opcode.Text, 'ignored'));
    expect(rec.log).toEqual([serverClose(1011, 'handler threw'), 'armCloseTimer', 'endTransport']);
    expect(() => conn.fail(1006)).toThrow(UsageError);
    conn.transportClosed();
    conn.fail(1011); // closed: no-op
    expect(rec.log.at(-1)).toBe('closed 1011 "handler threw" false');
  });

  it('§7.1.7 fail() after close() writes no second close frame; a server then ends the transport', () => {
    const { conn, rec } = makeConnection('server');
    conn.close();
    conn.fail(1008, 'backpressure');
    expect(rec.log.slice(1)).toEqual(['armCloseTimer', 'endTransport']);
    conn.transportClosed();
    expect(rec.log.at(-1)).toBe('closed 1008 "backpressure" false');
  });

  it('§7.1.1 fail() after close() on a client writes no second close frame and waits for the server to close TCP', () => {
    const { conn, rec } = makeConnection('client');
    conn.close();
    conn.fail(1008, 'backpressure');
    expect(rec.log.slice(1)).toEqual(['armCloseTimer']);
    conn.transportClosed();
    expect(rec.log.at(-1)).toBe('closed 1008 "backpressure" false');
  });
});

describe('ProtocolConnection: pause, resume and re-entrancy', () => {
  const three = (): Uint8Array =>
    concat(toServer(Opcode.Text, 'a'), toServer(Opcode.Text, 'b'), toServer(Opcode.Ping, 'c'), toServer(Opcode.Text, 'd'));

  it('a connection paused from onText holds the rest of the chunk; resume() delivers it in order', () => {
    const { conn, rec } = makeConnection('server');
    rec.hooks.onText = (() => conn.pause()) as never;
    conn.receive(three());
    expect(rec.log).toEqual(['text "a"']);
    expect(conn.paused).toBe(true);
    conn.receive(toServer(Opcode.Text, 'e')); // queued behind the held bytes
    expect(rec.log).toHaveLength(1);
    conn.resume();
    expect(rec.log).toEqual(['text "a"', 'text "b"']);
    rec.hooks.onText = undefined;
    conn.resume();
    expect(rec.log.slice(2)).toEqual([`write ${hex(encodeFrame(Opcode.Pong, utf8('c')))}`, 'ping 63', 'text "d"', 'text "e"']);
    expect(conn.paused).toBe(false);
  });

  it('pausing before data arrives keeps it all until resume()', () => {
    const { conn, rec } = makeConnection('server');
    conn.pause();
    conn.receive(three());
    conn.receive(new Uint8Array(0));
    expect(rec.log).toEqual([]);
    conn.resume();
    expect(rec.log.filter((l) => l.startsWith('text'))).toEqual(['text "a"', 'text "b"', 'text "d"']);
    conn.resume(); // not paused: no-op
  });

  it('input kept while paused is each connection\'s own (idle connections start from one shared empty list)', () => {
    const a = makeConnection('server');
    const b = makeConnection('server');
    a.conn.pause();
    b.conn.pause();
    a.conn.receive(toServer(Opcode.Text, 'for a'));
    b.conn.receive(toServer(Opcode.Text, 'for b'));
    const c = makeConnection('server');
    c.conn.receive(toServer(Opcode.Text, 'for c'));
    a.conn.resume();
    b.conn.resume();
    expect(a.rec.log).toEqual(['text "for a"']);
    expect(b.rec.log).toEqual(['text "for b"']);
    expect(c.rec.log).toEqual(['text "for c"']);
  });

  it('a message split across chunks while another connection assembles its own stays intact', () => {
    const a = makeConnection('server');
    const b = makeConnection('server');
    const fa = toServer(Opcode.Text, 'alpha '.repeat(20));
    const fb = toServer(Opcode.Binary, new Uint8Array(100).fill(7));
    a.conn.receive(fa.slice(0, 30));
    b.conn.receive(fb.slice(0, 40));
    a.conn.receive(fa.slice(30));
    b.conn.receive(fb.slice(40));
    expect(a.rec.log).toEqual([`text ${JSON.stringify('alpha '.repeat(20))}`]);
    expect(b.rec.log).toEqual([`binary ${'07'.repeat(100)}`]);
  });

  it('pause() then resume() inside the same event carries straight on', () => {
    const { conn, rec } = makeConnection('server');
    rec.hooks.onText = (() => {
      conn.pause();
      conn.resume();
    }) as never;
    conn.receive(three());
    expect(rec.log.filter((l) => l.startsWith('text'))).toHaveLength(3);
  });

  it('a paused connection resumed mid-frame split across chunks keeps the frame intact', () => {
    const { conn, rec } = makeConnection('server');
    const bytes = concat(toServer(Opcode.Text, 'first'), toServer(Opcode.Binary, new Uint8Array(300).fill(9)));
    rec.hooks.onText = (() => conn.pause()) as never;
    conn.receive(bytes.slice(0, 20));
    conn.receive(bytes.slice(20));
    rec.hooks.onText = undefined;
    conn.resume();
    expect(rec.log).toEqual(['text "first"', `binary ${'09'.repeat(300)}`]);
  });

  it('re-entrant close() from onText: later messages in the chunk are still delivered, the peer’s close found', () => {
    const { conn, rec } = makeConnection('server');
    rec.hooks.onText = ((t: string) => {
      if (t === 'a') conn.close(1000, 'bye');
    }) as never;
    conn.receive(concat(three(), toServer(Opcode.Close, closePayload(1000))));
    expect(rec.log).toEqual(['text "a"', serverClose(1000, 'bye'), 'armCloseTimer', 'text "b"', 'ping 63', 'text "d"', 'closeFrame 1000 ""', 'endTransport']);
  });

  it('re-entrant send from onText writes in order', () => {
    const { conn, rec } = makeConnection('server');
    rec.hooks.onText = ((t: string) => conn.sendText(t.toUpperCase())) as never;
    conn.receive(concat(toServer(Opcode.Text, 'a'), toServer(Opcode.Text, 'b')));
    expect(rec.log).toEqual(['text "a"', 'write 810141', 'text "b"', 'write 810142']);
  });

  it('re-entrant transportClosed() from onText stops processing', () => {
    const { conn, rec } = makeConnection('server');
    rec.hooks.onText = (() => conn.transportClosed()) as never;
    conn.receive(three());
    expect(rec.log).toEqual(['text "a"', 'closed 1006 "" false']);
    conn.receive(three());
    expect(rec.log).toHaveLength(2);
  });

  it('re-entrant transportClosed() from onCloseFrame or onProtocolError gives no endTransport advice', () => {
    const a = makeConnection('server');
    a.rec.hooks.onCloseFrame = (() => a.conn.transportClosed()) as never;
    a.conn.receive(toServer(Opcode.Close, closePayload(1000)));
    expect(a.rec.log.slice(2)).toEqual(['closeFrame 1000 ""', 'closed 1000 "" true']);
    const b = makeConnection('server');
    b.rec.hooks.onProtocolError = (() => b.conn.transportClosed()) as never;
    b.conn.receive(toServer(5, ''));
    expect(b.rec.log.slice(1)).toEqual(['protocolError 1002 unknown_opcode', 'closed 1002 "reserved opcode" false']);
  });

  it('a transport that closes synchronously inside write(): onClosed is final and reports the right code', () => {
    for (const [bytes, last] of [
      [toServer(5, ''), 'closed 1002 "reserved opcode" false'],
      [toServer(Opcode.Close, closePayload(1001)), 'closed 1001 "" true'],
    ] as const) {
      const { conn, rec } = makeConnection('server');
      rec.hooks.write = (() => conn.transportClosed()) as never;
      conn.receive(concat(bytes, toServer(Opcode.Text, 'after')));
      expect(rec.log.slice(1)).toEqual([last]);
    }
    const c = makeConnection('server');
    c.rec.hooks.write = (() => c.conn.transportClosed()) as never;
    c.conn.close();
    c.conn.fail(1011);
    expect(c.rec.log.slice(1)).toEqual(['closed 1006 "" false']);
    const d = makeConnection('server');
    d.rec.hooks.write = (() => d.conn.transportClosed()) as never;
    d.conn.fail(1011, 'x');
    expect(d.rec.log.slice(1)).toEqual(['closed 1011 "x" false']);
  });

  it('receive() called from inside an event is queued behind the current chunk', () => {
    const { conn, rec } = makeConnection('server');
    let once = true;
    rec.hooks.onText = (() => {
      if (once) {
        once = false;
        conn.receive(toServer(Opcode.Text, 'z'));
      }
    }) as never;
    conn.receive(concat(toServer(Opcode.Text, 'x'), toServer(Opcode.Text, 'y')));
    expect(rec.log).toEqual(['text "x"', 'text "y"', 'text "z"']);
  });

  it('resume() from inside an event while draining lets the running loop continue', () => {
    const { conn, rec } = makeConnection('server');
    conn.pause();
    conn.receive(three());
    rec.hooks.onText = (() => {
      conn.pause();
      conn.resume();
    }) as never;
    conn.resume();
    expect(rec.log.filter((l) => l.startsWith('text'))).toHaveLength(3);
  });

  it('a throwing handler propagates; the rest of the input is abandoned and fail(1011) still works', () => {
    const { conn, rec } = makeConnection('server');
    rec.hooks.onText = (() => {
      throw new Error('user bug');
    }) as never;
    expect(() => conn.receive(three())).toThrow('user bug');
    conn.receive(toServer(Opcode.Text, 'more'));
    expect(rec.log).toEqual(['text "a"']);
    conn.fail(1011, 'internal error');
    expect(rec.log.slice(1)).toEqual([serverClose(1011, 'internal error'), 'armCloseTimer', 'endTransport']);
  });

  it('a throwing handler during resume() propagates the same way', () => {
    const { conn, rec } = makeConnection('server');
    conn.pause();
    conn.receive(three());
    rec.hooks.onText = (() => {
      throw new Error('boom');
    }) as never;
    expect(() => conn.resume()).toThrow('boom');
    expect(rec.log).toEqual(['text "a"']);
  });
});

describe('ProtocolConnection: sending', () => {
  it('§5.7 a server sends unmasked text; a client sends the masked example frame byte for byte', () => {
    const s = makeConnection('server');
    s.conn.sendText('Hello');
    expect(s.rec.log).toEqual(['write 810548656c6c6f']);
    const c = makeConnection('client');
    c.conn.sendText('Hello');
    expect(c.rec.log).toEqual(['write 818537fa213d7f9f4d5158']);
  });

  it('small frames take one allocation (header + payload) from options.alloc', () => {
    const sizes: number[] = [];
    const alloc = (n: number): Uint8Array => {
      sizes.push(n);
      return new Uint8Array(n);
    };
    const { conn } = makeConnection('client', { alloc });
    conn.sendText('héllo');
    conn.sendBinary(new Uint8Array(200));
    conn.ping('p');
    expect(sizes).toEqual([2 + 4 + 6, 4 + 4 + 200, 2 + 4 + 1]);
  });

  it('§5.2 large text uses the 16- and 64-bit length encodings', () => {
    const { conn, rec } = makeConnection('server');
    conn.sendText('x'.repeat(70_000));
    expect(rec.log[0]!.slice(6, 26)).toBe('817f0000000000011170');
  });

  it('large server payloads (≥ 16 KiB) are written by reference after their header', () => {
    const { conn, rec } = makeConnection('server');
    const writes: Uint8Array[] = [];
    rec.hooks.write = ((b: Uint8Array) => writes.push(b)) as never;
    const data = new Uint8Array(16 * 1024).fill(5);
    conn.sendBinary(data);
    expect(writes).toHaveLength(2);
    expect(hex(writes[0]!)).toBe('827e4000');
    expect(writes[1]).toBe(data);
  });

  it('§5.3 a client masks a copy: the caller’s buffer is untouched and the wire bytes unmask to it', () => {
    const { conn, rec } = makeConnection('client');
    const writes: Uint8Array[] = [];
    rec.hooks.write = ((b: Uint8Array) => writes.push(b)) as never;
    const data = new Uint8Array(20_000).map((_, i) => i);
    const copy = data.slice();
    conn.sendBinary(data);
    expect(data).toEqual(copy);
    expect(writes).toHaveLength(1);
    // a server-role connection parses it back
    const server = makeConnection('server');
    server.conn.receive(writes[0]!);
    expect(server.rec.log[0]).toBe(`binary ${hex(copy)}`);
  });

  it('R38 property: whatever a client sends (text, binary, views at offsets) a server receives exactly', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 200 }).map((s) => ({ text: s })),
            fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.nat(8)).map(([b, off]) => ({ bin: b.subarray(Math.min(off, b.length)) })),
          ),
          { maxLength: 8 },
        ),
        (messages) => {
          const client = makeConnection('client', { maskSource: undefined });
          const server = makeConnection('server');
          client.rec.hooks.write = ((b: Uint8Array) => server.conn.receive(b.slice())) as never;
          const expected: string[] = [];
          for (const m of messages) {
            if ('text' in m) {
              client.conn.sendText(m.text);
              expected.push(`text ${JSON.stringify(new TextDecoder().decode(new TextEncoder().encode(m.text)))}`);
            } else {
              client.conn.sendBinary(m.bin);
              expected.push(`binary ${hex(m.bin)}`);
            }
          }
          expect(server.rec.log).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('§5.4 sendFrame streams a fragmented message; control frames may interleave', () => {
    const { conn, rec } = makeConnection('server');
    conn.sendFrame(Opcode.Text, utf8('Hel'), false);
    conn.sendFrame(Opcode.Ping, utf8('p'), true);
    conn.sendFrame(Opcode.Continuation, utf8('l'), false);
    conn.sendFrame(Opcode.Pong, new Uint8Array(0), true);
    conn.sendFrame(Opcode.Continuation, utf8('o'), true);
    conn.sendText('next');
    expect(rec.log).toEqual([
      'write 010348656c',
      'write 890170',
      'write 00016c',
      'write 8a00',
      'write 80016f',
      'write 81046e657874',
    ]);
  });

  it('§5.4 fragmented-send misuse throws UsageError', () => {
    const { conn } = makeConnection('server');
    const code = (f: () => void): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as UsageError).code;
      }
      throw new Error('did not throw');
    };
    expect(code(() => conn.sendFrame(Opcode.Continuation, utf8('x'), true))).toBe('no_fragmented_send');
    conn.sendFrame(Opcode.Binary, utf8('a'), false);
    expect(code(() => conn.sendFrame(Opcode.Text, utf8('x'), true))).toBe('fragmented_send_in_progress');
    expect(code(() => conn.sendText('x'))).toBe('fragmented_send_in_progress');
    expect(code(() => conn.sendBinary(utf8('x')))).toBe('fragmented_send_in_progress');
    expect(code(() => conn.sendPreEncoded(utf8('x')))).toBe('fragmented_send_in_progress');
    expect(code(() => conn.sendFrame(Opcode.Ping, utf8('x'), false))).toBe('invalid_control_frame');
    expect(code(() => conn.sendFrame(Opcode.Ping, new Uint8Array(126), true))).toBe('control_payload_too_large');
    expect(code(() => conn.sendFrame(Opcode.Close, new Uint8Array(2), true))).toBe('invalid_opcode');
    expect(code(() => conn.sendFrame(3, new Uint8Array(0), true))).toBe('invalid_opcode');
    expect(code(() => conn.sendFrame(Opcode.Continuation, 'x' as unknown as Uint8Array, true))).toBe('invalid_payload');
    conn.sendFrame(Opcode.Continuation, utf8('b'), true);
    expect(code(() => conn.sendText(42 as unknown as string))).toBe('invalid_payload');
    conn.sendText('ok');
  });

  it('§5.5.2 ping/pong payloads ≤ 125 bytes, strings allowed; more throws UsageError', () => {
    const { conn, rec } = makeConnection('server');
    conn.ping();
    conn.ping('hi');
    conn.pong(new Uint8Array([1]));
    conn.pong();
    expect(rec.log).toEqual(['write 8900', 'write 89026869', 'write 8a0101', 'write 8a00']);
    expect(() => conn.ping(new Uint8Array(126))).toThrow(UsageError);
    expect(() => conn.pong('x'.repeat(126))).toThrow(UsageError);
    expect(() => conn.ping(123 as unknown as Uint8Array)).toThrow(UsageError);
  });

  it('sendPreEncoded writes the shared frame by reference, server side only', () => {
    const frame = encodeFrame(Opcode.Text, utf8('all'));
    const { conn, rec } = makeConnection('server');
    const writes: Uint8Array[] = [];
    rec.hooks.write = ((b: Uint8Array) => writes.push(b)) as never;
    conn.sendPreEncoded(frame);
    expect(writes[0]).toBe(frame);
    const client = makeConnection('client');
    expect(() => client.conn.sendPreEncoded(frame)).toThrow(UsageError);
  });

  it('sending in closing or closed state throws UsageError send_after_close', () => {
    const { conn } = makeConnection('server');
    conn.close();
    for (const f of [
      () => conn.sendText('x'),
      () => conn.sendBinary(new Uint8Array(1)),
      () => conn.sendFrame(Opcode.Text, new Uint8Array(1), true),
      () => conn.sendPreEncoded(new Uint8Array(2)),
      () => conn.ping(),
      () => conn.pong(),
    ]) {
      expect(f).toThrow(expect.objectContaining({ code: 'send_after_close' }));
    }
    conn.transportClosed();
    expect(() => conn.sendText('x')).toThrow(UsageError);
    expect(conn.state).toBe('closed');
  });

  it('§5.5.2 autoPong: false reports pings without answering', () => {
    expect(runWhole('server', toServer(Opcode.Ping, 'x'), { autoPong: false })).toEqual(['ping 78', 'closed 1006 "" false']);
  });

  it('a text codec whose byteLength disagrees with encodeInto is caught before bytes leave', () => {
    const { conn } = makeConnection('server', {
      textCodec: { byteLength: () => 10, encodeInto: () => 3, decode: () => '' },
    });
    expect(() => conn.sendText('abc')).toThrow(/disagree/);
  });

  it('the default mask source is random (two clients differ) and the role is reported', () => {
    const a = new ProtocolConnection({ role: 'client', maxMessageBytes: 100, maxFragments: 10 }, recorder().events);
    const rec = recorder();
    const b = new ProtocolConnection({ role: 'client', maxMessageBytes: 100, maxFragments: 10 }, rec.events);
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) b.sendText('x');
    for (const l of rec.log) keys.add(l.slice(10, 18));
    expect(keys.size).toBeGreaterThan(15);
    expect(a.role).toBe('client');
  });
});

describe('ProtocolConnection: options', () => {
  const events = recorder().events;
  const base = { role: 'server' as const, maxMessageBytes: 100, maxFragments: 10 };
  it.each([
    [{ ...base, bogus: 1 }],
    [{ ...base, role: 'peer' }],
    [{ ...base, maxMessageBytes: -1 }],
    [{ ...base, maxMessageBytes: 1.5 }],
    [{ ...base, maxFragments: 0 }],
    [{ ...base, autoPong: 'yes' }],
    [{ ...base, alloc: 5 }],
    [{ ...base, allocMessage: 'no' }],
    [{ ...base, maskSource: {} }],
    [{ ...base, textCodec: { decode: () => '' } }],
    [null],
  ])('invalid options throw UsageError at construction: %j', (opts) => {
    expect(() => new ProtocolConnection(opts as never, events)).toThrow(UsageError);
    expect(() => new ProtocolSettings(opts as never)).toThrow(UsageError);
  });

  it('ProtocolSettings made once serve many connections (an idle connection does not copy its options), each with its own compression', () => {
    const settings = new ProtocolSettings(base);
    expect(Object.isFrozen(settings)).toBe(true);
    const decompressed: number[] = [];
    const compression = { shouldCompress: () => false, compress: () => undefined, decompress: (data: Uint8Array) => decompressed.push(data.length) };
    const plain = recorder();
    const compressed = recorder();
    const a = new ProtocolConnection(settings, plain.events);
    const b = new ProtocolConnection(settings, compressed.events, compression);
    expect((a as unknown as { settings: unknown }).settings).toBe((b as unknown as { settings: unknown }).settings);
    // The shared limit applies to both.
    a.receive(toServer(Opcode.Text, 'ok'));
    b.receive(toServer(Opcode.Text, 'ok'));
    expect(plain.log).toEqual(['text "ok"']);
    expect(compressed.log).toEqual(['text "ok"']);
    // RSV1 is defined only where compression was given (RFC 7692 §6); elsewhere it fails (§5.2).
    b.receive(toServer(Opcode.Binary, new Uint8Array(3), { rsvBits: 4 }));
    expect(decompressed).toEqual([3]);
    a.receive(toServer(Opcode.Binary, new Uint8Array(3), { rsvBits: 4 }));
    expect(plain.log).toContain('protocolError 1002 reserved_bits_set');
    const big = recorder();
    new ProtocolConnection(settings, big.events).receive(toServer(Opcode.Binary, new Uint8Array(101)));
    expect(big.log).toContain('protocolError 1009 message_too_big');
  });

  it('a connection given ProtocolSettings still checks its events and its compression', () => {
    const arena = { maxFrameBytes: 64, bytes: new Uint8Array(64), reserve: () => 0 };
    expect(() => new ProtocolConnection(new ProtocolSettings({ ...base, arena }), events)).toThrow(/writeArena/);
    expect(() => new ProtocolConnection(new ProtocolSettings({ ...base, streamThresholdBytes: 10 }), { ...events, onMessageStart: undefined })).toThrow(/streamThresholdBytes/);
    expect(() => new ProtocolConnection(new ProtocolSettings(base), events, {} as never)).toThrow(/compression must have/);
  });
});

describe('ProtocolConnection: what input holds (for a server-wide budget) and when input ends', () => {
  it('heldInputBytes counts the buffer of a message that spans reads and input kept while paused, and nothing once delivered', () => {
    const { conn } = makeConnection('server');
    const frame = toServer(Opcode.Binary, new Uint8Array(1000));
    expect(conn.heldInputBytes).toBe(0);
    conn.receive(frame.subarray(0, 500));
    const held = conn.heldInputBytes;
    expect(held).toBeGreaterThanOrEqual(500 - 8);
    expect(held).toBeLessThanOrEqual(1000);
    conn.receive(frame.subarray(500));
    expect(conn.heldInputBytes).toBe(0);
    conn.pause();
    conn.receive(frame);
    expect(conn.heldInputBytes).toBe(frame.length);
    conn.resume();
    expect(conn.heldInputBytes).toBe(0);
  });

  it('inputEnded is false while reading, even after our own close (we wait for the peer\'s), and true once we failed', () => {
    const { conn } = makeConnection('server');
    expect(conn.inputEnded).toBe(false);
    conn.close(1000);
    expect(conn.inputEnded).toBe(false);
    const other = makeConnection('server').conn;
    other.receive(toServer(Opcode.Text, Uint8Array.of(0xff)));
    expect(other.inputEnded).toBe(true);
  });
});

describe('ProtocolConnection: properties', () => {
  const ALLOWED = new Set([1002, 1007, 1008, 1009]);

  function runAndCheck(bytes: Uint8Array, cuts: number[]): string[] {
    const rec = recorder();
    const errors: ProtocolError[] = [];
    const events: ProtocolEvents = {
      ...rec.events,
      onProtocolError: (e) => {
        errors.push(e);
        rec.events.onProtocolError(e);
      },
    };
    const conn = new ProtocolConnection({ role: 'server', maxMessageBytes: 4096, maxFragments: 8 }, events);
    let prev = 0;
    for (const cut of [...cuts, bytes.length]) {
      conn.receive(bytes.slice(prev, cut));
      prev = cut;
    }
    conn.transportClosed();
    expect(errors.length).toBeLessThanOrEqual(1);
    for (const e of errors) expect(ALLOWED.has(e.closeCode)).toBe(true);
    return rec.log;
  }

  const cutsFor = (len: number) =>
    fc.array(fc.nat({ max: len }), { maxLength: 10 }).map((xs) => [...new Set(xs)].sort((a, b) => a - b));

  it('R8 property: random bytes in random chunkings never throw, fail only with 1002/1007/1008/1009, and chunking never changes the events', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }).chain((b) => fc.tuple(fc.constant(b), cutsFor(b.length))),
        ([bytes, cuts]) => {
          expect(runAndCheck(bytes, cuts)).toEqual(runAndCheck(bytes, []));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: pausing inside events (and resuming after each chunk) never changes the events', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.constant('')), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        (texts, rawCuts, every) => {
          const bytes = concat(
            ...texts.map((t, i) => (i % 4 === 3 ? toServer(Opcode.Ping, t) : toServer(Opcode.Text, t))),
          );
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const { conn, rec } = makeConnection('server');
          let n = 0;
          const pauser = (() => {
            if (++n % every === 0) conn.pause();
          }) as never;
          rec.hooks.onText = pauser;
          rec.hooks.onPing = pauser;
          let prev = 0;
          for (const cut of [...cuts, bytes.length]) {
            conn.receive(bytes.slice(prev, cut));
            prev = cut;
            while (conn.paused) conn.resume();
          }
          conn.transportClosed();
          expect(rec.log).toEqual(runWhole('server', bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('R8 property: random frame sequences (any opcode, fin, rsv, mask, UTF-8-ish payloads) are chunking-invariant', () => {
    const frame = fc.record({
      opcode: fc.oneof(fc.constantFrom(0, 1, 2, 8, 9, 10), fc.integer({ min: 0, max: 15 })),
      fin: fc.oneof(fc.constant(true), fc.boolean()),
      rsv: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 7 })),
      masked: fc.oneof(fc.constant(true), fc.constant(true), fc.boolean()),
      payload: fc.oneof(
        fc.string({ maxLength: 20 }).map((s) => utf8(s)),
        fc.uint8Array({ maxLength: 140 }),
        fc.constantFrom(fromHex('03e8'), fromHex('03e8ff'), fromHex('f09f'), fromHex('98'), fromHex('0000')),
      ),
    });
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (frames, rawCuts) => {
        const bytes = concat(
          ...frames.map((f) => {
            const control = f.opcode >= 8;
            const payload = control ? f.payload.subarray(0, 125) : f.payload;
            return encodeFrame(f.opcode, payload, {
              fin: control || f.fin,
              rsvBits: f.rsv,
              ...(f.masked ? { mask: testMask } : {}),
            });
          }),
        );
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        expect(runAndCheck(bytes, cuts)).toEqual(runAndCheck(bytes, []));
      }),
      { numRuns: 1500 },
    );
  });
});

describe('ProtocolConnection: large messages (exact-size assembly, SIMD unmasking)', () => {
  const payloadOf = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 13 + seed) & 0xff);

  it('R8 property: large single-frame and fragmented messages, any chunking, arrive byte for byte as sent', () => {
    const message = fc.record({
      size: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 60_000, max: 300_000 })),
      fragments: fc.integer({ min: 1, max: 3 }),
      seed: fc.nat({ max: 255 }),
      key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 12 }), (messages, rawCuts) => {
        const payloads = messages.map((m) => payloadOf(m.size, m.seed));
        const frames = messages.map((m, i) => {
          const payload = payloads[i]!;
          const step = Math.ceil(payload.length / m.fragments) || 1;
          const parts: Uint8Array[] = [];
          for (let at = 0, n = 0; n === 0 || at < payload.length; at += step, n++) {
            const end = Math.min(payload.length, at + step);
            parts.push(maskedFrameByHand(n === 0 ? Opcode.Binary : Opcode.Continuation, payload.subarray(at, end), m.key, end === payload.length));
          }
          return concat(...parts);
        });
        const bytes = concat(...frames);
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const { conn, rec } = makeConnection('server');
        const received: Uint8Array[] = [];
        rec.hooks.onBinary = ((data: Uint8Array) => received.push(data.slice())) as never;
        let prev = 0;
        for (const cut of [...cuts, bytes.length]) {
          conn.receive(bytes.slice(prev, cut));
          prev = cut;
        }
        expect(received.map((r) => r.length)).toEqual(payloads.map((p) => p.length));
        received.forEach((r, i) => expect(Buffer.compare(r, payloads[i]!)).toBe(0));
      }),
      { numRuns: 40 },
    );
  });

  it('§5.3 a client masks large payloads (SIMD path) so that the byte-wise unmask gives them back', () => {
    for (const size of [1023, 1024, 4097, 65536, 70_001]) {
      const { conn, rec } = makeConnection('client');
      const payload = payloadOf(size, size);
      conn.sendBinary(payload);
      const frame = fromHex(rec.log[0]!.slice('write '.length));
      const header = size < 126 ? 2 : size < 65536 ? 4 : 10;
      expect(frame.length).toBe(header + 4 + size);
      const key = frame.subarray(header, header + 4);
      const unmasked = frame.subarray(header + 4).map((b, i) => b ^ key[i & 3]!);
      expect(Buffer.compare(unmasked, payload)).toBe(0);
      expect(payload).toEqual(payloadOf(size, size)); // the caller's bytes are never masked in place
    }
  });
});
