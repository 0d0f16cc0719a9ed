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
 * accessor on the prototype), and call `packFlags(Class.prototype, { name: true, ... },
 * firstBit)` once after the class. A subclass starts its flags at the bit its base's call
 * returned.
 *
 * The names are the keys of an object literal, not strings: a bundler that shortens private
 * member names (scripts/browser-bundle.ts) renames `this.name` but not a string, and would part
 * the accessor from its uses; a key it sees as a name in use, and leaves all of them alone.
 *
 * @internal
 */
export function packFlags(prototype: object, flags: Readonly<Record<string, true>>, firstBit = 0): number {
  const names = Object.keys(flags);
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

/**
 * Small unsigned integers (an opcode, a state) kept in bits of the same `flags` field, as
 * packFlags keeps booleans: `{ name: width }` gives each `width` bits from `firstBit` on. A value
 * must fit its width (it is masked); reading one never set gives 0. Returns the next free bit.
 *
 * @internal
 */
export function packBitFields(prototype: object, fields: Readonly<Record<string, number>>, firstBit = 0): number {
  let bit = firstBit;
  for (const name of Object.keys(fields)) {
    const width = fields[name]!;
    if (!Number.isInteger(width) || width < 1 || bit < 0 || bit + width > 30) {
      throw new RangeError(`packBitFields: ${name} (bits ${bit} to ${bit + width - 1}) does not fit in 30`);
    }
    if (Object.prototype.hasOwnProperty.call(prototype, name)) throw new Error(`packBitFields: ${name} is already defined`);
    const shift = bit;
    const max = (1 << width) - 1;
    const mask = max << shift;
    Object.defineProperty(prototype, name, {
      get(this: { flags: number }): number {
        return (this.flags & mask) >>> shift;
      },
      set(this: { flags: number }, value: number) {
        this.flags = (this.flags & ~mask) | ((value & max) << shift);
      },
      configurable: true,
    });
    bit += width;
  }
  return bit;
}
