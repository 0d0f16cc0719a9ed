import { MessageAssembler } from '../../src/protocol/message-assembler';

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);

describe('MessageAssembler', () => {
  it('§5.4 reassembles fragments into one buffer, in order', () => {
    const a = new MessageAssembler(100, 10);
    expect(a.begin(false, 2, false)).toBe(0);
    expect(a.append(bytes(1, 2))).toBe(true);
    expect(a.addFrame(3, true)).toBe(0);
    expect(a.append(bytes(3))).toBe(true);
    expect(a.append(bytes(4, 5))).toBe(true);
    expect(a.length).toBe(5);
    expect(Array.from(a.take())).toEqual([1, 2, 3, 4, 5]);
    expect(a.length).toBe(0);
  });

  it('R34 cumulative declared length over maxMessageBytes → 1009 at the offending header', () => {
    const a = new MessageAssembler(10, 100);
    expect(a.begin(false, 6, false)).toBe(0);
    expect(a.addFrame(4, false)).toBe(0);
    expect(a.addFrame(1, true)).toBe(1009);
  });

  it('R35 more frames than maxFragments → 1008; exactly maxFragments is fine', () => {
    const a = new MessageAssembler(100, 3);
    expect(a.begin(false, 0, false)).toBe(0);
    expect(a.addFrame(0, false)).toBe(0);
    expect(a.addFrame(0, false)).toBe(0);
    expect(a.addFrame(0, true)).toBe(1008);
  });

  it('R12 validates text as fragments arrive; a split code point is fine, an invalid byte fails at once', () => {
    const a = new MessageAssembler(100, 10);
    a.begin(true, 1, false);
    expect(a.append(bytes(0xe2))).toBe(true);
    a.addFrame(2, true);
    expect(a.append(bytes(0x82, 0xac))).toBe(true);
    expect(a.endText()).toBe(true);
    expect(new TextDecoder().decode(a.peek())).toBe('€');
    a.release();
    a.begin(true, 2, false);
    expect(a.append(bytes(0xe2, 0x28))).toBe(false);
    a.discard();
    a.begin(true, 1, true);
    expect(a.append(bytes(0xe2))).toBe(true);
    expect(a.endText()).toBe(false);
  });

  it('binary is never validated', () => {
    const a = new MessageAssembler(100, 10);
    a.begin(false, 2, true);
    expect(a.append(bytes(0xff, 0xfe))).toBe(true);
  });

  it('binary and text interleave: binary stays unchecked, text after it is checked from a clean state', () => {
    const a = new MessageAssembler(100, 10);
    a.begin(false, 1, true);
    expect(a.append(bytes(0xe2))).toBe(true); // an unfinished code point, in binary: fine
    expect(a.endText()).toBe(true);
    a.release();
    a.begin(true, 1, false);
    expect(a.append(bytes(0xe2))).toBe(true);
    a.discard(); // the open code point goes with the message
    a.begin(false, 2, true);
    expect(a.append(bytes(0x82, 0xac))).toBe(true);
    a.release();
    a.begin(true, 2, true);
    expect(a.append(bytes(0x82, 0xac))).toBe(false); // continuation bytes with no lead
  });

  it('never grows beyond the known size, and take() hands the buffer over', () => {
    const a = new MessageAssembler(1 << 20, 10);
    a.begin(false, 1000, true);
    for (let i = 0; i < 1000; i++) a.append(bytes(i & 0xff));
    const out = a.take();
    expect(out.length).toBe(1000);
    expect(out.buffer.byteLength).toBe(1000); // capped at the declared size of the final frame
    expect(out[999]).toBe(999 & 0xff);
    // the next message gets a fresh buffer: `out` stays intact
    a.begin(false, 1, true);
    a.append(bytes(7));
    expect(out[0]).toBe(0);
  });

  it('uses the given allocator and exposes only appended bytes, even from dirty memory', () => {
    const sizes: number[] = [];
    const dirty = (n: number): Uint8Array => {
      sizes.push(n);
      return new Uint8Array(n).fill(0xee);
    };
    const a = new MessageAssembler(1 << 20, 10, dirty);
    a.begin(false, 300, false); // size not known yet: the buffer grows as bytes arrive
    a.append(bytes(1, 2));
    a.addFrame(0, true);
    a.append(new Uint8Array(298).fill(3));
    const out = a.take();
    expect(sizes).toEqual([256, 300]);
    expect(out.length).toBe(300);
    expect(Array.from(out.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(out.every((b, i) => b === (i === 0 ? 1 : i === 1 ? 2 : 3))).toBe(true);
  });

  it('capacity never runs ahead of the bytes received by more than 4× or 1 MiB (2× while the size is unknown)', () => {
    const caps: number[] = [];
    const alloc = (n: number): Uint8Array => {
      caps.push(n);
      return new Uint8Array(n);
    };
    const known = new MessageAssembler(1 << 30, 10, alloc);
    known.begin(false, 16 << 20, true);
    for (let i = 0; i < 256; i++) {
      known.append(new Uint8Array(65536));
      const capacity = known.peek().buffer.byteLength;
      expect(capacity).toBeLessThanOrEqual(Math.max(256, 4 * known.length, known.length + (1 << 20)));
    }
    // 4× at a time until the exact size is within 4× of what arrived, then taken whole.
    expect(caps).toEqual([65536, 262144, 1 << 20, 4 << 20, 16 << 20]);
    caps.length = 0;
    const unknown = new MessageAssembler(1 << 30, 100, alloc);
    unknown.begin(false, 65536, false);
    unknown.append(new Uint8Array(65536));
    for (let i = 0; i < 15; i++) {
      unknown.addFrame(65536, false);
      unknown.append(new Uint8Array(65536));
      expect(unknown.peek().buffer.byteLength).toBeLessThanOrEqual(2 * unknown.length);
    }
    expect(caps).toEqual([65536, 131072, 262144, 524288, 1 << 20]);
  });

  it('a known size at most 1 MiB past the first bytes is allocated whole (one buffer, no copy between buffers)', () => {
    const caps: number[] = [];
    const a = new MessageAssembler(1 << 30, 10, (n) => {
      caps.push(n);
      return new Uint8Array(n);
    });
    // A 1 MiB message read in 64 KiB pieces, the first one short of the 14-byte header.
    a.begin(false, 1 << 20, true);
    a.append(new Uint8Array(65536 - 14).fill(1));
    for (let i = 1; i < 16; i++) a.append(new Uint8Array(65536).fill(1 + i));
    a.append(new Uint8Array(14).fill(17));
    expect(caps).toEqual([1 << 20]);
    const out = a.take();
    expect(out.length).toBe(1 << 20);
    expect([out[0], out[65521], out[65522], out[(1 << 20) - 15], out[(1 << 20) - 14], out[(1 << 20) - 1]]).toEqual([1, 1, 2, 16, 17, 17]);
    // 1 MiB and one byte past what arrived is too far ahead: the buffer grows as bytes arrive.
    caps.length = 0;
    a.begin(false, (1 << 20) + 2, true);
    a.append(bytes(1));
    expect(caps).toEqual([256]);
  });

  it('an allocator may give less than asked, down to what is needed; capacity is what it gave', () => {
    const asked: Array<[number, number]> = [];
    const frugal = (size: number, needed: number): Uint8Array => {
      asked.push([size, needed]);
      return new Uint8Array(needed);
    };
    const a = new MessageAssembler(1 << 20, 10, frugal);
    a.begin(false, 1000, true);
    for (let i = 0; i < 10; i++) a.append(new Uint8Array(100).fill(i));
    expect(asked[0]).toEqual([1000, 100]); // the known size is asked for whole
    expect(asked).toHaveLength(10);
    expect(a.capacity).toBe(1000);
    const out = a.take();
    expect(out.every((b, i) => b === Math.floor(i / 100))).toBe(true);
    expect(a.capacity).toBe(0);
  });

  it('a known size within 4× of the first bytes is allocated whole (one buffer for a split 64 KiB message)', () => {
    const caps: number[] = [];
    const a = new MessageAssembler(1 << 30, 10, (n) => {
      caps.push(n);
      return new Uint8Array(n);
    });
    a.begin(false, 65536, true);
    a.append(new Uint8Array(65522));
    a.append(new Uint8Array(14));
    expect(caps).toEqual([65536]);
    expect(a.take().length).toBe(65536);
  });

  it('a huge declared (but unsent) length allocates nothing up front', () => {
    const a = new MessageAssembler(2 ** 40, 10);
    expect(a.begin(false, 2 ** 39, false)).toBe(0);
    a.append(bytes(1));
    expect(a.peek().buffer.byteLength).toBe(256);
  });

  it('release() keeps a modest buffer and drops a big one; empty messages give empty views', () => {
    const a = new MessageAssembler(1 << 20, 10);
    expect(a.peek().length).toBe(0);
    a.begin(true, 0, true);
    expect(a.take().length).toBe(0);
    a.begin(true, 100_000, true);
    a.append(new Uint8Array(100_000).fill(0x41));
    const big = a.peek().buffer;
    a.release();
    a.begin(true, 1, true);
    a.append(bytes(0x42));
    expect(a.peek().buffer).not.toBe(big);
    const small = a.peek().buffer;
    a.release();
    a.begin(true, 1, true);
    a.append(bytes(0x43));
    expect(a.peek().buffer).toBe(small);
  });

  it('streamed messages: handOver() gives what was kept so far and lets go of it; pass() then counts and checks without keeping', () => {
    const a = new MessageAssembler(10, 10);
    expect(a.begin(true, 2, false)).toBe(0);
    expect(a.declaredLength).toBe(2);
    a.append(bytes(0x61, 0xe2)); // 'a' and the first byte of '€'
    const first = a.handOver();
    expect(Array.from(first)).toEqual([0x61, 0xe2]);
    expect(a.peek().length).toBe(0);
    expect(a.addFrame(2, false)).toBe(0);
    expect(a.declaredLength).toBe(4);
    // The UTF-8 state carries over: the code point ends in the passed bytes.
    expect(a.pass(bytes(0x82, 0xac))).toBe(true);
    expect(a.length).toBe(4);
    expect(a.addFrame(7, true)).toBe(1009); // the limit counts the handed-over bytes too
    expect(a.pass(bytes(0xff))).toBe(false);
    a.discard();
    expect(Array.from(first)).toEqual([0x61, 0xe2]); // handed over: never reused
    a.begin(false, 1, true);
    expect(a.pass(bytes(0xff))).toBe(true); // binary is never checked
  });
});
