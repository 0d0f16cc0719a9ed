import { UsageError } from '../errors';
import { aFunction, integer, oneOf, type OptionRules, validateOptions } from '../rx/validate-options';
import { jsonCodec, type Codec } from './codec';
import type { InferInput, InferOutput, StandardSchemaV1 } from './standard-schema';
import { TypedView, type ConnectionLike, type TypedConnection, type TypedSettings } from './typed-connection';

/** Options of `typed()`. Schemas are Standard Schema v1 objects (Zod, Valibot, ArkType, your own). */
export interface TypedOptions<R extends StandardSchemaV1 | undefined, S extends StandardSchemaV1 | undefined, K extends string> {
  /** Checks every incoming message after decoding; its output type is what `messages$` emits.
   *  Without it, every incoming data message is reported as invalid. */
  receive?: R;
  /** Checks every outgoing message before encoding; its input type is what `sink`, `send`,
   *  `request` and `reply` accept. Without it, the view cannot send. */
  send?: S;
  /** How messages are turned into values and back. Default `jsonCodec`: JSON in text messages. */
  codec?: Codec;
  /** The field that carries request ids, in requests and their responses. Default `'id'`. */
  requestId?: K;
  /** What an invalid incoming message does besides being reported on `invalid$`: `'report'`
   *  (default) keeps the connection open; `'close'` closes it with 1007 and delivers nothing more. */
  onInvalid?: 'report' | 'close';
  /** How long `request` waits for a response unless told otherwise. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Makes request ids. Default: 1, 2, 3... per typed connection. Give one that makes strings if
   *  your schema wants string ids, or distinct ranges when both peers make requests. */
  nextRequestId?: () => string | number;
}

/** The defaults of `typed()`'s options. */
export const DEFAULT_TYPED_OPTIONS = /* @__PURE__ */ Object.freeze({
  codec: jsonCodec,
  requestId: 'id',
  onInvalid: 'report',
  requestTimeoutMs: 30_000,
} as const);

/** The type of the values a `receive` schema produces (never without one). */
export type Received<R> = R extends StandardSchemaV1 ? InferOutput<R> : never;
/** The type of the values a `send` schema accepts (never without one). */
export type Sendable<S> = S extends StandardSchemaV1 ? InferInput<S> : never;

/**
 * A typed view of a connection (server or client side, Node or browser): incoming messages
 * decoded (JSON by default) and validated by `receive`, outgoing ones validated by `send` and
 * encoded, plus request/response matched by an id field. The message types are inferred from the
 * schemas, so a discriminated union narrows in `switch (message.type)`.
 *
 * A peer's bad message never throws into your code and, by default, does not close the
 * connection: it is reported on `invalid$`. Our own bad message is a usage error. Unknown option
 * keys, values out of range and things that are not schemas or codecs throw a UsageError at once.
 *
 * ```ts
 * const chat = typed(conn, { receive: ClientMessage, send: ServerMessage });
 * chat.messages$.subscribe((m) => { switch (m.type) { case 'say': ...; } });
 * chat.sink.next({ type: 'welcome', name: 'ada' });
 * ```
 */
export function typed<
  R extends StandardSchemaV1 | undefined = undefined,
  S extends StandardSchemaV1 | undefined = undefined,
  K extends string = 'id',
  C extends ConnectionLike = ConnectionLike,
>(connection: C, options: TypedOptions<R, S, K>): TypedConnection<Received<R>, Sendable<S>, K, C> {
  if (connection === null || typeof connection !== 'object' || typeof connection.messages$?.subscribe !== 'function' || typeof connection.sink?.next !== 'function') {
    throw new UsageError('bad_connection', 'typed() needs a connection with messages$ and sink');
  }
  const settings = validateOptions<TypedSettings>('typed', options as Partial<TypedSettings>, { receive: undefined, send: undefined, nextRequestId: undefined, ...DEFAULT_TYPED_OPTIONS }, RULES);
  return new TypedView<Received<R>, Sendable<S>, K, C>(connection, settings);
}

const RULES: OptionRules<TypedSettings> = {
  receive: schemaProblem,
  send: schemaProblem,
  codec: (value) =>
    typeof value === 'object' && value !== null && typeof (value as Codec).decode === 'function' && typeof (value as Codec).encode === 'function'
      ? undefined
      : 'must be an object with decode and encode functions',
  requestId: (value) => (typeof value === 'string' && value !== '' ? undefined : 'must be a non-empty string'),
  onInvalid: oneOf(['report', 'close']),
  requestTimeoutMs: integer(1, 2_147_483_647),
  nextRequestId: aFunction,
};

function schemaProblem(value: unknown): string | undefined {
  const standard = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null || typeof standard !== 'object' || standard === null) {
    return 'must be a Standard Schema (an object with a ~standard property)';
  }
  if (standard.version !== 1) return 'must be a Standard Schema of version 1';
  if (typeof standard.validate !== 'function') return 'must have a ~standard.validate function';
  return undefined;
}
