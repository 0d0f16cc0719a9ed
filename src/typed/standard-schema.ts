/**
 * The Standard Schema v1 interface, as types only: the shape that Zod (3.24+ and 4), Valibot 1,
 * ArkType 2 and others put on every schema under the `~standard` key. rxws reads that key and
 * nothing else, so it works with any of them, and with a hand-written object of the same shape,
 * without depending on any validator at run time.
 *
 * Written from the published v1 specification; a schema library's own copy of these types is
 * structurally the same, so its schemas are accepted as they are.
 */

/** A schema that validates `unknown` input and produces a value of type `Output`. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The standard properties, under a key that will not clash with a library's own API. */
  readonly '~standard': StandardSchemaV1Props<Input, Output>;
}

/** What a schema carries under `~standard`. */
export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  /** Always 1 for this version of the standard. */
  readonly version: 1;
  /** The library that made the schema ('zod', 'valibot', 'arktype', or your own name). */
  readonly vendor: string;
  /**
   * Checks a value. Returns `{ value }` on success or `{ issues }` on failure, either at once or
   * as a promise (asynchronous checks). It must not throw for bad input: that is what issues are for.
   */
  readonly validate: (
    value: unknown,
    options?: StandardSchemaV1Options | undefined,
  ) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  /** Present in the types only (never read at run time): what the schema accepts and produces. */
  readonly types?: StandardSchemaV1Types<Input, Output> | undefined;
}

/** Options a caller may pass to `validate`; rxws passes none. */
export interface StandardSchemaV1Options {
  /** Library-specific settings. */
  readonly libraryOptions?: Record<string, unknown> | undefined;
}

/** The input and output types of a schema, for inference. */
export interface StandardSchemaV1Types<Input = unknown, Output = Input> {
  /** What the schema accepts. */
  readonly input: Input;
  /** What the schema produces from it. */
  readonly output: Output;
}

/** What `validate` returns: a success with the (possibly transformed) value, or the issues. */
export type StandardSchemaV1Result<Output> = StandardSchemaV1Success<Output> | StandardSchemaV1Failure;

/** A successful check: `value` is the schema's output (defaults applied, transforms run). */
export interface StandardSchemaV1Success<Output> {
  /** The checked value, as the schema outputs it. */
  readonly value: Output;
  /** Absent on success: a result with `issues` is a failure. */
  readonly issues?: undefined;
}

/** A failed check. */
export interface StandardSchemaV1Failure {
  /** What was wrong, at least one issue. */
  readonly issues: ReadonlyArray<StandardSchemaV1Issue>;
}

/** One problem found by a schema. */
export interface StandardSchemaV1Issue {
  /** A human-readable description, written by the schema library. */
  readonly message: string;
  /** Where in the value the problem is: keys, or segments carrying a key. */
  readonly path?: ReadonlyArray<PropertyKey | StandardSchemaV1PathSegment> | undefined;
}

/** A path element given as an object. */
export interface StandardSchemaV1PathSegment {
  /** The key (property name or array index) this segment stands for. */
  readonly key: PropertyKey;
}

/** The type a schema accepts (for Zod, `z.input<typeof schema>`). */
export type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];

/** The type a schema produces (for Zod, `z.output<typeof schema>`). */
export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
