/**
 * Boolean state kept in the bits of one number field, `flags`, instead of a field each.
 *
 * Why: every field costs a pointer on every instance (8 bytes on 64-bit Node), and the objects
 * behind one connection carried some thirty booleans: about 240 B on each idle connection, the
 * memory that adds up on a server. The accessors keep the code that reads and assigns them as
 * it was (`this.closeSent = true`).
 *
 * How: give the class a `flags = 0` field (the base class, in a hierarchy), declare each flag
 * with `declare private name: boolean` (a declared field emits nothing, so nothing shadows the
 * accessor on the prototype), and call `packFlags(Class.prototype, [...names], firstBit)` once
 * after the class. A subclass starts its flags at the bit its base's call returned.
 *
 * @internal
 */
export function packFlags(prototype: object, names: readonly string[], firstBit = 0): number {
  const next = firstBit + names.length;
  // Small integers (Smis) have at least 31 bits; past them V8 would box the number on every write.
  if (firstBit < 0 || next > 30) throw new RangeError(`packFlags: bits ${firstBit} to ${next - 1} do not fit in 30`);
  names.forEach((name, i) => {
    if (Object.prototype.hasOwnProperty.call(prototype, name)) throw new Error(`packFlags: ${name} is already defined`);
    const mask = 1 << (firstBit + i);
    Object.defineProperty(prototype, name, {
      get(this: { flags: number }): boolean {
        return (this.flags & mask) !== 0;
      },
      set(this: { flags: number }, on: boolean) {
        this.flags = on ? this.flags | mask : this.flags & ~mask;
      },
      configurable: true,
    });
  });
  return next;
}
