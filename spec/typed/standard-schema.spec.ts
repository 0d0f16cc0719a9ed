// src/typed/standard-schema.ts is types only; here the libraries' schemas are checked against it
// at run time (the `~standard` shape rxws reads) and at compile time (they are assignable to it).
import * as v from 'valibot';
import { z } from 'zod';
import type { InferInput, InferOutput, StandardSchemaV1, StandardSchemaV1Result } from '../../src';

const zod = z.object({ n: z.number(), tag: z.string().default('x') });
const valibot = v.object({ n: v.number(), tag: v.optional(v.string(), 'x') });

// Compile-time: both are StandardSchemaV1 as rxws declares it, with the inferred types.
const schemas: Array<[string, StandardSchemaV1<{ n: number; tag?: string | undefined }, { n: number; tag: string }>]> = [
  ['zod', zod],
  ['valibot', valibot],
];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inputOk: Same<InferInput<typeof zod>, { n: number; tag?: string | undefined }> = true;
const outputOk: Same<InferOutput<typeof valibot>, { n: number; tag: string }> = true;

describe.each(schemas)('a %s schema', (vendor, schema) => {
  it('has the ~standard shape rxws reads, and answers in the standard result form', async () => {
    expect(inputOk && outputOk).toBe(true);
    const standard = schema['~standard'];
    expect(standard.version).toBe(1);
    expect(standard.vendor).toBe(vendor);
    const ok = (await standard.validate({ n: 1 })) as StandardSchemaV1Result<{ n: number; tag: string }>;
    expect(ok.issues).toBeUndefined();
    expect((ok as { value: unknown }).value).toEqual({ n: 1, tag: 'x' });
    const bad = await standard.validate({ n: 'one' });
    expect(bad.issues).toBeDefined();
    expect(bad.issues![0]!.message).toEqual(expect.any(String));
    const segment = bad.issues![0]!.path![0]!;
    expect(typeof segment === 'object' ? segment.key : segment).toBe('n');
  });
});
