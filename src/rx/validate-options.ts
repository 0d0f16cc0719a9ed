import { UsageError } from '../errors';
import { checkDeflateOption } from '../extensions/permessage-deflate';

/**
 * How one option is checked: undefined when the value is acceptable, else what is wrong with it,
 * worded to follow "client option 'x' " ('must be an integer'). A function rather than a rule
 * record: a bundle then carries only the kinds of check its tables use (the browser's client
 * options need no boolean rule, for one), and no interpreter of them.
 */
export type OptionRule = (value: unknown) => string | undefined;

export type OptionRules<T> = { readonly [K in keyof T]-?: OptionRule };

/**
 * Merges `given` over `defaults`, throwing a UsageError at once for an unknown key or a value out
 * of range: a typo in an option name must not silently fall back to a default.
 */
export function validateOptions<T extends object>(
  what: string,
  given: Partial<T> | undefined,
  defaults: Readonly<T>,
  rules: OptionRules<T>,
): T {
  const result = { ...defaults } as T;
  if (given === undefined) return result;
  if (given === null || typeof given !== 'object') throw new UsageError('bad_option', `${what} options must be an object`);
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(rules, key)) throw new UsageError('unknown_option', `unknown ${what} option '${key}'`);
    const value = (given as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const problem = (rules as Record<string, OptionRule>)[key]!(value);
    if (problem !== undefined) throw new UsageError('bad_option', `${what} option '${key}' ${problem}`);
    (result as Record<string, unknown>)[key] = value;
  }
  return result;
}

// The rule makers are free of side effects (the annotation says so to bundlers): a rule table
// nobody reads is then dropped whole from a bundle (the reconnect rules from an app without
// reconnect, permessage-deflate's from the browser).

/** A whole number from `min` to `max`. */
/* @__NO_SIDE_EFFECTS__ */
export function integer(min: number, max: number): OptionRule {
  return (value) =>
    typeof value !== 'number' || !Number.isInteger(value)
      ? 'must be an integer'
      : value < min || value > max
        ? `must be between ${min} and ${max}`
        : undefined;
}

/** One of the strings `values`. */
/* @__NO_SIDE_EFFECTS__ */
export function oneOf(values: readonly string[]): OptionRule {
  return (value) => (typeof value === 'string' && values.includes(value) ? undefined : `must be one of ${values.join(', ')}`);
}

/** `true` or `false`. */
export function trueOrFalse(value: unknown): string | undefined {
  return typeof value === 'boolean' ? undefined : 'must be true or false';
}

/** A string. */
export function aString(value: unknown): string | undefined {
  return typeof value === 'string' ? undefined : 'must be a string';
}

/** A function (a hook, a callback). */
export function aFunction(value: unknown): string | undefined {
  return typeof value === 'function' ? undefined : 'must be a function';
}

/** @internal Number.MAX_SAFE_INTEGER as a literal, for rule tables: bundlers cannot prove a
 *  global's property read free of side effects, and would keep an unused table (these rules and
 *  permessage-deflate, the reconnect rules in an app without reconnect) in a browser bundle. */
export const MAX_SAFE_INTEGER = 9_007_199_254_740_991;

/** Rules for the per-connection options, shared by the server, its routes and the client. */
export const CONNECTION_OPTION_RULES = {
  maxMessageBytes: integer(1, MAX_SAFE_INTEGER),
  maxFragments: integer(1, MAX_SAFE_INTEGER),
  closeTimeoutMs: integer(1, 2_147_483_647),
  maxBufferedBytes: integer(1, MAX_SAFE_INTEGER),
  backpressure: oneOf(['close', 'drop']),
  backlogBytes: integer(1, MAX_SAFE_INTEGER),
  autoPong: trueOrFalse,
  heartbeat: (value: unknown) => {
    if (value === null || typeof value !== 'object') return 'must be { intervalMs, timeoutMs }';
    const { intervalMs, timeoutMs, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return `has unknown key '${Object.keys(rest)[0]}'`;
    for (const [name, v] of [['intervalMs', intervalMs], ['timeoutMs', timeoutMs]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2_147_483_647) return `${name} must be a positive integer`;
    }
    return undefined;
  },
  perMessageDeflate: checkDeflateOption,
  streamThresholdBytes: integer(0, MAX_SAFE_INTEGER),
} as const satisfies Record<string, OptionRule>;
