// Binary messages are Uint8Arrays; whether a given one is a Node Buffer (a Uint8Array subclass) is
// an implementation detail. Jest 29 would call Buffer.from([1]) and Uint8Array.of(1) unequal, so
// this tester compares any two Uint8Arrays byte for byte: exactly as strict about the bytes.
// (@types/jest 29 lags the runtime, which has had addEqualityTesters since 29.4.)
(expect as unknown as { addEqualityTesters(testers: unknown[]): void }).addEqualityTesters([
  function uint8ArraysEqual(a: unknown, b: unknown): boolean | undefined {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return undefined;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  },
]);
