import { packFlags } from '../../src/protocol/packed-flags';

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
