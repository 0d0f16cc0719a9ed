// The protocol core's FrameArena (protocol-connection.ts): small frames written in place in a
// shared buffer instead of a buffer each. The bytes on the wire must be exactly those of the
// plain `alloc` path, in the same order, for every role and every kind of frame.
import fc from 'fast-check';
import { UsageError } from '../../src/errors';
import { ProtocolConnection } from '../../src/protocol/protocol-connection';
import type { FrameArena, MessageCompression, ProtocolOptions, Role } from '../../src/protocol/protocol-types';
import { hex, makeConnection, recorder, testMask } from './helpers';

/** A deliberately small arena, so frames regularly force a fresh buffer. */
class TestArena implements FrameArena {
  bytes = new Uint8Array(64);
  used = 0;
  buffers = 1;
  constructor(readonly maxFrameBytes = 40) {}
  reserve(size: number): number {
    if (this.used + size > this.bytes.length) {
      this.bytes = new Uint8Array(64);
      this.used = 0;
      this.buffers++;
    }
    const at = this.used;
    this.used += size;
    return at;
  }
}

/** A connection with an arena whose log shows arena frames as ordinary writes. */
function withArena(role: Role, extra: Partial<ProtocolOptions> = {}) {
  const arena = new TestArena();
  const rec = recorder();
  let arenaWrites = 0;
  rec.events.writeArena = (offset, size) => {
    arenaWrites++;
    rec.events.write(arena.bytes.slice(offset, offset + size));
  };
  const conn = new ProtocolConnection(
    { role, maxMessageBytes: 1 << 20, maxFragments: 1000, ...(role === 'client' ? { maskSource: testMask } : {}), arena, ...extra },
    rec.events,
  );
  return { conn, rec, arena, arenaWrites: () => arenaWrites };
}

type Op =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'ping' | 'pong'; bytes: Uint8Array }
  | { kind: 'fragments'; parts: Uint8Array[] }
  | { kind: 'close'; code: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 60, unit: 'binary' }) }),
  fc.record({ kind: fc.constant('binary' as const), bytes: fc.uint8Array({ maxLength: 90 }) }),
  fc.record({ kind: fc.constantFrom('ping' as const, 'pong' as const), bytes: fc.uint8Array({ maxLength: 125 }) }),
  fc.record({ kind: fc.constant('fragments' as const), parts: fc.array(fc.uint8Array({ maxLength: 50 }), { minLength: 2, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('close' as const), code: fc.constantFrom(1000, 1001, 4000) }),
);

function apply(conn: ProtocolConnection, o: Op): void {
  if (conn.state !== 'open') return;
  switch (o.kind) {
    case 'text':
      return conn.sendText(o.text);
    case 'binary':
      return conn.sendBinary(o.bytes);
    case 'ping':
      return conn.ping(o.bytes);
    case 'pong':
      return conn.pong(o.bytes);
    case 'fragments':
      o.parts.forEach((part, i) => conn.sendFrame(i === 0 ? 2 : 0, part, i === o.parts.length - 1));
      return;
    case 'close':
      return conn.close(o.code, 'bye');
  }
}

describe('FrameArena: small frames written in place', () => {
  it.each(['server', 'client'] as const)('%s: the wire bytes equal the alloc path, byte for byte, in order (property)', (role) => {
    let usedArena = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const plain = makeConnection(role);
        const arena = withArena(role);
        for (const o of ops) {
          apply(plain.conn, o);
          apply(arena.conn, o);
        }
        expect(arena.rec.log).toEqual(plain.rec.log);
        usedArena += arena.arenaWrites();
      }),
      { numRuns: 300 },
    );
    // The property is about the arena path: make sure it was taken.
    expect(usedArena).toBeGreaterThan(100);
  });

  it('frames over maxFrameBytes get their own buffer from alloc; smaller ones go to the arena', () => {
    const allocated: number[] = [];
    const { conn, rec, arenaWrites } = withArena('server', {
      alloc: (n) => {
        allocated.push(n);
        return new Uint8Array(n);
      },
    });
    conn.sendBinary(new Uint8Array(38)); // 40 bytes with its header: fits
    conn.sendBinary(new Uint8Array(39)); // 41 bytes: does not
    expect(arenaWrites()).toBe(1);
    expect(allocated).toEqual([41]);
    expect(rec.log.map((l) => l.length)).toEqual(['write '.length + 80, 'write '.length + 82]);
  });

  it('a frame that does not fit the current buffer starts a fresh one, never straddling two', () => {
    const { conn, arena, rec } = withArena('server');
    for (let i = 0; i < 5; i++) conn.sendBinary(Uint8Array.of(i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i));
    expect(arena.buffers).toBe(3); // two 22-byte frames fit in 64 bytes; the third starts a new buffer
    expect(rec.log[2]).toBe(`write 8214${hex(new Uint8Array(20).fill(2))}`);
    expect(rec.log[4]).toBe(`write 8214${hex(new Uint8Array(20).fill(4))}`);
  });

  it('RFC 7692: a small frame sent while a compressed message is pending waits behind it', () => {
    const pending: Array<() => void> = [];
    const compression: MessageCompression = {
      shouldCompress: (n) => n >= 10,
      compress: (data, _fresh, done) => void pending.push(() => done(data.map((b) => b ^ 0x5a))),
      decompress: () => undefined,
    };
    const { conn, rec, arenaWrites } = withArena('server', { compression });
    conn.sendBinary(new Uint8Array(12).fill(1)); // compressed, waits for the fake
    conn.sendBinary(Uint8Array.of(7)); // too small to compress: must not overtake
    conn.ping(Uint8Array.of(9)); // control frames may go at once (§5.4)
    expect(rec.log).toEqual(['write 890109']);
    pending.shift()!();
    expect(rec.log).toEqual(['write 890109', `write c20c${'5b'.repeat(12)}`, 'write 820107']);
    // The ping, and the compressed frame once its turn came; the small frame that had to wait was
    // given its own buffer (it could not sit in the arena while queued).
    expect(arenaWrites()).toBe(2);
  });

  it('an arena without events.writeArena, or a malformed arena, is a UsageError', () => {
    const base = { role: 'server' as const, maxMessageBytes: 100, maxFragments: 10 };
    expect(() => new ProtocolConnection({ ...base, arena: new TestArena() }, recorder().events)).toThrow(UsageError);
    const events = { ...recorder().events, writeArena: () => undefined };
    expect(() => new ProtocolConnection({ ...base, arena: { reserve: () => 0 } as never }, events)).toThrow(UsageError);
    expect(() => new ProtocolConnection({ ...base, arena: new TestArena() }, events)).not.toThrow();
  });
});
