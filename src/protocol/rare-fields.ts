/**
 * Fields most instances never set, kept in one side object made on the first write of any of
 * them, instead of a slot each on every instance.
 *
 * Why: every field costs a pointer on every instance (8 bytes on 64-bit Node), set or not. An
 * idle server connection never has a ping in flight, a drain listener, a close timer or topic
 * memberships, yet paid a slot for each; a dozen such fields are 100 B per idle connection.
 * The accessors keep the code that reads and assigns them as it was (`this.drainSubject ??= ...`).
 *
 * How: give the class (the base class, in a hierarchy) a `rare: Record<string, unknown> |
 * undefined` field, declare each rare field with `declare private name: T` (a declared field
 * emits nothing, so nothing shadows the accessor), and call `packRare(Class.prototype, { name:
 * defaultValue, ... })` once after the class. Reading a field never set gives its default;
 * writing its default while there is no side object makes none.
 *
 * The names are the keys of an object literal (see packFlags for why not strings).
 *
 * @internal
 */
export function packRare(prototype: object, defaults: Readonly<Record<string, unknown>>): void {
  for (const name of Object.keys(defaults)) {
    if (Object.prototype.hasOwnProperty.call(prototype, name)) throw new Error(`packRare: ${name} is already defined`);
    const fallback = defaults[name];
    Object.defineProperty(prototype, name, {
      get(this: { rare: Record<string, unknown> | undefined }): unknown {
        const rare = this.rare;
        if (rare === undefined) return fallback;
        const value = rare[name];
        return value === undefined ? fallback : value;
      },
      set(this: { rare: Record<string, unknown> | undefined }, value: unknown) {
        const rare = this.rare;
        if (rare !== undefined) rare[name] = value;
        else if (value !== fallback) this.rare = { [name]: value };
      },
      configurable: true,
    });
  }
}
