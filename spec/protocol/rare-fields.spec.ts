import { packRare } from '../../src/protocol/rare-fields';

class Base {
  rare: Record<string, unknown> | undefined;
  declare waiters: Array<() => void> | undefined;
  declare count: number;
}
packRare(Base.prototype, { waiters: undefined, count: 0 });

class Derived extends Base {
  declare timer: string | undefined;
}
packRare(Derived.prototype, { timer: undefined });

describe('packRare', () => {
  it('reads defaults and makes no side object until a field gets another value', () => {
    const x = new Derived();
    expect([x.waiters, x.count, x.timer]).toEqual([undefined, 0, undefined]);
    x.count = 0;
    x.waiters = undefined;
    expect(x.rare).toBeUndefined();
    expect(Object.keys(x)).toEqual(['rare']);
  });

  it('keeps what is written in one side object, for every layer of the hierarchy', () => {
    const x = new Derived();
    (x.waiters ??= []).push(() => undefined);
    x.count += 2;
    x.timer = 't';
    expect(x.waiters).toHaveLength(1);
    expect([x.count, x.timer]).toEqual([2, 't']);
    expect(Object.keys(x.rare!).sort()).toEqual(['count', 'timer', 'waiters']);
    x.timer = undefined;
    x.count = 0;
    expect([x.count, x.timer]).toEqual([0, undefined]);
    expect(new Derived().waiters).toBeUndefined();
  });

  it('refuses a name already defined on the prototype', () => {
    expect(() => packRare(Base.prototype, { count: 1 })).toThrow(/already defined/);
  });
});
