// The protocol core's streamed receive (options.streamThresholdBytes): messages at or over the
// threshold come out as onMessageStart, onMessageChunk..., onMessageEnd instead of whole, with
// every RFC 6455 rule and limit still applied. Sans-I/O: bytes in, the event log out.
import { ProtocolConnection } from '../../src/protocol/protocol-connection';
import { Opcode } from '../../src/protocol/opcode';
import { UsageError } from '../../src/errors';
import { concat, hex, makeConnection, peerFrame, recorder, runChunks, utf8 } from './helpers';

/** The log with consecutive chunks joined: what a reader of the bytes sees, whatever the cuts. */
function joined(log: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of log) {
    const last = out[out.length - 1];
    if (entry.startsWith('streamChunk ') && last !== undefined && last.startsWith('streamChunk ')) out[out.length - 1] = last + entry.slice(12);
    else out.push(entry);
  }
  return out;
}

/** RELIABILITY 8 for streams: whole, byte by byte and at every split point, the same events once
 *  chunks are joined (chunk boundaries follow the reads, as they must). */
function expectSplitInvariant(bytes: Uint8Array, threshold: number, extra: object = {}): string[] {
  const options = { streamThresholdBytes: threshold, ...extra };
  const whole = joined(runChunks('server', bytes, [], options));
  const cuts: number[] = [];
  for (let i = 1; i < bytes.length; i++) {
    cuts.push(i);
    expect(joined(runChunks('server', bytes, [i], options))).toEqual(whole);
  }
  expect(joined(runChunks('server', bytes, cuts, options))).toEqual(whole);
  return whole;
}

const bytes = (n: number, start = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

describe('streamThresholdBytes: which messages stream', () => {
  it('a single frame at the threshold streams; one byte under arrives whole', () => {
    const data = bytes(10);
    const log = expectSplitInvariant(concat(peerFrame('server', Opcode.Binary, data), peerFrame('server', Opcode.Binary, bytes(9))), 10);
    expect(log).toEqual(['streamStart binary', `streamChunk ${hex(data)}`, 'streamEnd', `binary ${hex(bytes(9))}`, 'closed 1006 "" false']);
  });

  it('without the option nothing streams, however big (the default)', () => {
    const { conn, rec } = makeConnection('server');
    conn.receive(peerFrame('server', Opcode.Binary, bytes(5000)));
    expect(rec.log).toEqual([`binary ${hex(bytes(5000))}`]);
  });

  it('§5.4 a fragmented message switches once its headers have declared the threshold; what came before is the first chunk', () => {
    const frames = concat(
      peerFrame('server', Opcode.Text, 'ab', { fin: false }),
      peerFrame('server', Opcode.Continuation, 'cd', { fin: false }),
      peerFrame('server', Opcode.Continuation, 'efg', { fin: false }),
      peerFrame('server', Opcode.Continuation, 'h', { fin: true }),
    );
    // 2 + 2 declared: under 6; + 3 = 7: over, at the third header, before its payload.
    const log = expectSplitInvariant(frames, 6);
    expect(log).toEqual(['streamStart text', `streamChunk ${hex(utf8('abcdefgh'))}`, 'streamEnd', 'closed 1006 "" false']);
    const { conn, rec } = makeConnection('server', { streamThresholdBytes: 6 });
    conn.receive(frames.slice());
    expect(rec.log).toEqual(['streamStart text', `streamChunk ${hex(utf8('abcd'))}`, `streamChunk ${hex(utf8('efg'))}`, `streamChunk ${hex(utf8('h'))}`, 'streamEnd']);
  });

  it('a fragmented message that ends under the threshold arrives whole', () => {
    const frames = concat(peerFrame('server', Opcode.Binary, bytes(3), { fin: false }), peerFrame('server', Opcode.Continuation, bytes(3, 3), { fin: true }));
    expect(expectSplitInvariant(frames, 7)).toEqual([`binary ${hex(bytes(6))}`, 'closed 1006 "" false']);
  });

  it('threshold 0 streams every message, empty ones included', () => {
    const frames = concat(peerFrame('server', Opcode.Text, ''), peerFrame('server', Opcode.Binary, bytes(2)));
    expect(expectSplitInvariant(frames, 0)).toEqual(['streamStart text', 'streamEnd', 'streamStart binary', `streamChunk ${hex(bytes(2))}`, 'streamEnd', 'closed 1006 "" false']);
  });

  it('§5.5 a ping inside a streamed message is answered at once, and control frames are not part of it', () => {
    const { conn, rec } = makeConnection('server', { streamThresholdBytes: 1 });
    conn.receive(concat(peerFrame('server', Opcode.Binary, bytes(2), { fin: false }), peerFrame('server', Opcode.Ping, 'p')));
    expect(rec.log).toEqual(['streamStart binary', `streamChunk ${hex(bytes(2))}`, 'write 8a0170', 'ping 70']);
    conn.receive(peerFrame('server', Opcode.Continuation, bytes(1, 2)));
    expect(rec.log.slice(4)).toEqual([`streamChunk ${hex(bytes(1, 2))}`, 'streamEnd']);
  });

  it('the options are checked: a negative or fractional threshold, or one without the three events, is a UsageError', () => {
    expect(() => makeConnection('server', { streamThresholdBytes: -1 })).toThrow(UsageError);
    expect(() => makeConnection('server', { streamThresholdBytes: 1.5 })).toThrow(UsageError);
    const { events } = recorder();
    const { onMessageStart: _omit, ...withoutStart } = events;
    expect(() => new ProtocolConnection({ role: 'server', maxMessageBytes: 10, maxFragments: 10, streamThresholdBytes: 1 }, withoutStart)).toThrow(UsageError);
  });
});

describe('RFC 6455 §8.1 and the limits still apply to streamed messages', () => {
  it('R12 invalid UTF-8 fails with 1007 at the offending piece, which is not handed out; the valid bytes before it were', () => {
    const frames = concat(
      peerFrame('server', Opcode.Text, 'ok ', { fin: false }),
      peerFrame('server', Opcode.Continuation, Uint8Array.of(0x61, 0xff), { fin: false }),
      peerFrame('server', Opcode.Continuation, 'never', { fin: true }),
    );
    const { conn, rec } = makeConnection('server', { streamThresholdBytes: 1 });
    conn.receive(frames.slice()); // the core unmasks in place
    expect(rec.log.slice(0, 3)).toEqual(['streamStart text', `streamChunk ${hex(utf8('ok '))}`, 'write 881903ef74657874206973206e6f742076616c6964207574662d38']);
    expect(rec.log).toContain('protocolError 1007 invalid_utf8');
    // However the reads split it: what was handed out is a valid prefix, never the bad byte, and
    // the message never ends.
    for (let i = 1; i < frames.length; i++) {
      const log = joined(runChunks('server', frames, [i], { streamThresholdBytes: 1 }));
      const streamed = log.filter((e) => e.startsWith('streamChunk ')).join('');
      expect(['', 'streamChunk 6f6b20', 'streamChunk 6f6b2061']).toContain(streamed);
      expect(log).toContain('protocolError 1007 invalid_utf8');
      expect(log).not.toContain('streamEnd');
    }
  });

  it('R12 a code point split across fragments is fine; a message that ends inside one fails with 1007 instead of ending', () => {
    const euro = utf8('€'); // e2 82 ac
    const split = concat(peerFrame('server', Opcode.Text, euro.subarray(0, 1), { fin: false }), peerFrame('server', Opcode.Continuation, euro.subarray(1), { fin: true }));
    expect(expectSplitInvariant(split, 1)).toEqual(['streamStart text', `streamChunk ${hex(euro)}`, 'streamEnd', 'closed 1006 "" false']);
    const truncated = peerFrame('server', Opcode.Text, euro.subarray(0, 2));
    const log = expectSplitInvariant(truncated, 1);
    expect(log).toContain('protocolError 1007 invalid_utf8');
    expect(log).not.toContain('streamEnd');
  });

  it('R7 a single frame over maxMessageBytes fails with 1009 at its header: nothing is started', () => {
    const { conn, rec } = makeConnection('server', { streamThresholdBytes: 1, maxMessageBytes: 10 });
    conn.receive(peerFrame('server', Opcode.Binary, bytes(11)));
    expect(rec.log[0]).toMatch(/^write 88..03f1/); // close 1009
    expect(rec.log).toContain('protocolError 1009 message_too_big');
    expect(rec.log.join()).not.toContain('stream');
  });

  it('R34 fragments that add up past maxMessageBytes fail with 1009 at the offending header, after the bytes before it were streamed', () => {
    const { conn, rec } = makeConnection('server', { streamThresholdBytes: 1, maxMessageBytes: 10 });
    conn.receive(concat(peerFrame('server', Opcode.Binary, bytes(6), { fin: false }), peerFrame('server', Opcode.Continuation, bytes(5), { fin: true })));
    expect(rec.log.slice(0, 2)).toEqual(['streamStart binary', `streamChunk ${hex(bytes(6))}`]);
    expect(rec.log).toContain('protocolError 1009 message_too_big');
    expect(rec.log).not.toContain('streamEnd');
  });

  it('R35 more than maxFragments frames fail with 1008', () => {
    const { conn, rec } = makeConnection('server', { streamThresholdBytes: 0, maxFragments: 3 });
    const frames = [peerFrame('server', Opcode.Binary, bytes(1), { fin: false })];
    for (let i = 0; i < 5; i++) frames.push(peerFrame('server', Opcode.Continuation, bytes(1), { fin: false }));
    conn.receive(concat(...frames));
    expect(rec.log.filter((e) => e.startsWith('streamChunk'))).toHaveLength(3);
    expect(rec.log).toContain('protocolError 1008 too_many_fragments');
  });

  it('§5.4 an orphan continuation or a new message inside a streamed one fails with 1002', () => {
    const { conn, rec } = makeConnection('server', { streamThresholdBytes: 0 });
    conn.receive(concat(peerFrame('server', Opcode.Binary, bytes(1), { fin: false }), peerFrame('server', Opcode.Text, 'x')));
    expect(rec.log).toContain('protocolError 1002 expected_continuation');
    expect(rec.log).not.toContain('streamEnd');
  });

  it('§1.4 after our close a streamed message still goes on to its end (the peer sent it before it saw ours); after a failure nothing more comes', () => {
    const { conn, rec } = makeConnection('server', { streamThresholdBytes: 1 });
    conn.receive(peerFrame('server', Opcode.Binary, bytes(2), { fin: false }));
    conn.close(1000);
    conn.receive(peerFrame('server', Opcode.Continuation, bytes(2, 2), { fin: true }));
    expect(rec.log.filter((e) => e.startsWith('stream'))).toEqual(['streamStart binary', `streamChunk ${hex(bytes(2))}`, `streamChunk ${hex(bytes(2, 2))}`, 'streamEnd']);
    const failed = makeConnection('server', { streamThresholdBytes: 1 });
    failed.conn.receive(peerFrame('server', Opcode.Binary, bytes(2), { fin: false }));
    failed.conn.fail(1011);
    failed.conn.receive(peerFrame('server', Opcode.Continuation, bytes(2), { fin: true }));
    expect(failed.rec.log.filter((e) => e.startsWith('stream'))).toEqual(['streamStart binary', `streamChunk ${hex(bytes(2))}`]);
  });
});

describe('pausing a streamed message', () => {
  it('pause() from a chunk stops parsing at the end of that frame, even mid-message and mid-chunk; resume() goes on in order', () => {
    const { conn, rec } = makeConnection('server', { streamThresholdBytes: 1 });
    rec.hooks.onMessageChunk = () => conn.pause();
    conn.receive(concat(
      peerFrame('server', Opcode.Binary, bytes(2), { fin: false }),
      peerFrame('server', Opcode.Continuation, bytes(2, 2), { fin: false }),
      peerFrame('server', Opcode.Continuation, bytes(2, 4), { fin: true }),
    ));
    expect(rec.log).toEqual(['streamStart binary', `streamChunk ${hex(bytes(2))}`]);
    conn.resume();
    expect(rec.log.slice(2)).toEqual([`streamChunk ${hex(bytes(2, 2))}`]);
    rec.hooks.onMessageChunk = undefined;
    conn.resume();
    expect(rec.log.slice(3)).toEqual([`streamChunk ${hex(bytes(2, 4))}`, 'streamEnd']);
  });
});
