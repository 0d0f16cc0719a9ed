/**
 * The protocol of the typed key-value example (kv-server.ts, kv-client.ts), as Zod schemas.
 * Both ends import it: the server receives `KvRequest` and sends `KvServerMessage`, the client
 * the other way round, so a change here is checked on both sides by the compiler and at run time.
 *
 * Requests carry an `id`, which `request()` fills in and `reply()` copies into the response. The
 * `changed` event has no id: the server pushes it when another client changes a key.
 */
import { z } from 'zod';

const Id = z.number().int().positive();
/** Keys are short and printable, so they can be shown in logs as they are. */
const Key = z.string().min(1).max(64).regex(/^[\w.:-]+$/, 'letters, digits and . _ : - only');
const Value = z.string().max(4096);

/** What a client sends. */
export const KvRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('get'), id: Id, key: Key }),
  z.object({ type: z.literal('set'), id: Id, key: Key, value: Value }),
  z.object({ type: z.literal('delete'), id: Id, key: Key }),
  z.object({ type: z.literal('keys'), id: Id }),
]);
export type KvRequest = z.infer<typeof KvRequest>;

/** What the server sends: responses (with the request's id) and pushed `changed` events. */
export const KvServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('value'), id: Id, key: Key, value: Value.nullable() }),
  z.object({ type: z.literal('keys'), id: Id, keys: z.array(Key) }),
  z.object({ type: z.literal('done'), id: Id }),
  z.object({ type: z.literal('error'), id: Id, message: z.string() }),
  z.object({ type: z.literal('changed'), key: Key, value: Value.nullable() }),
]);
export type KvServerMessage = z.infer<typeof KvServerMessage>;
