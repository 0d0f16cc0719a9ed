import { packBitFields, packFlags } from '../../src/protocol/packed-flags';

class Base {
  flags = 0;
  declare a: boolean;
  declare b: boolean;
  plain = false;
}
const BASE_END = packFlags(Base.prototype, { a: true, b: true });

class Derived extends Base {
  declare c: boolean;
}
packFlags(Derived.prototype, { c: true }, BASE_END);

describe('packFlags', () => {
  it('reads and writes each flag as its own bit of one field, starting false', () => {
    const x = new Derived();
    expect([x.a, x.b, x.c]).toEqual([false, false, false]);
    x.b = true;
    expect(x.flags).toBe(0b10);
    x.c = true;
    x.a = true;
    expect([x.a, x.b, x.c]).toEqual([true, true, true]);
    x.b = false;
    expect([x.a, x.b, x.c]).toEqual([true, false, true]);
    expect(x.flags).toBe(0b101);
  });

  it('keeps the flags off the instance: one field, however many flags', () => {
    const x = new Derived();
    x.a = true;
    expect(Object.keys(x).sort()).toEqual(['flags', 'plain']);
  });

  it('returns the next free bit, and refuses more bits than a small integer holds or a name taken', () => {
    expect(BASE_END).toBe(2);
    expect(() => packFlags({}, { x: true }, 30)).toThrow(RangeError);
    expect(() => packFlags({}, Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`f${i}`, true] as const)))).toThrow(RangeError);
    expect(() => packFlags(Base.prototype, { a: true }, 5)).toThrow(/already defined/);
  });
});

class WithFields {
  flags = 0;
  declare on: boolean;
  declare opcode: number;
  declare state: number;
}
const FIELDS_END = packBitFields(WithFields.prototype, { opcode: 4, state: 2 }, packFlags(WithFields.prototype, { on: true }));

describe('packBitFields', () => {
  it('reads and writes each field in its own bits of flags, starting at 0, beside the flags', () => {
    const x = new WithFields();
    expect([x.on, x.opcode, x.state]).toEqual([false, 0, 0]);
    x.opcode = 0xa;
    x.on = true;
    x.state = 2;
    expect([x.on, x.opcode, x.state]).toEqual([true, 0xa, 2]);
    expect(x.flags).toBe(0b10_1010_1);
    x.opcode = 0;
    expect([x.on, x.opcode, x.state]).toEqual([true, 0, 2]);
    x.state = 1;
    x.opcode = 0xf;
    expect([x.on, x.opcode, x.state]).toEqual([true, 0xf, 1]);
    expect(Object.keys(x)).toEqual(['flags']);
  });

  it('a value wider than its field is masked, never spills into the next', () => {
    const x = new WithFields();
    x.opcode = 0x1f;
    expect([x.opcode, x.state]).toEqual([0xf, 0]);
  });

  it('returns the next free bit, and refuses fields past 30 bits, bad widths or a name taken', () => {
    expect(FIELDS_END).toBe(7);
    expect(() => packBitFields({}, { x: 4 }, 27)).toThrow(RangeError);
    expect(() => packBitFields({}, { x: 0 })).toThrow(RangeError);
    expect(() => packBitFields(WithFields.prototype, { opcode: 4 }, 10)).toThrow(/already defined/);
  });
});
