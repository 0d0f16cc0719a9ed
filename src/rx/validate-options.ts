import { UsageError } from '../errors';
import { checkDeflateOption } from '../extensions/permessage-deflate';

/** How one option is checked. */
export type OptionRule =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'any' }
  | { kind: 'check'; test: (value: unknown) => string | undefined };

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
    if (!Object.prototype.hasOwnProperty.call(rules, key)) {
      throw new UsageError('unknown_option', `unknown ${what} option '${key}'`);
    }
    const value = (given as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const problem = check((rules as Record<string, OptionRule>)[key]!, value);
    if (problem !== undefined) throw new UsageError('bad_option', `${what} option '${key}' ${problem}`);
    (result as Record<string, unknown>)[key] = value;
  }
  return result;
}

function check(rule: OptionRule, value: unknown): string | undefined {
  switch (rule.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be an integer';
      if (value < rule.min || value > rule.max) return `must be between ${rule.min} and ${rule.max}`;
      return undefined;
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'enum':
      return typeof value === 'string' && rule.values.includes(value) ? undefined : `must be one of ${rule.values.join(', ')}`;
    case 'any':
      return undefined;
    case 'check':
      return rule.test(value);
  }
}

/** @internal Number.MAX_SAFE_INTEGER as a literal, for rule tables: bundlers cannot prove a
 *  global's property read free of side effects, and would keep an unused table (these rules and
 *  permessage-deflate, the reconnect rules in an app without reconnect) in a browser bundle. */
export const MAX_SAFE_INTEGER = 9_007_199_254_740_991;

/** Rules for the per-connection options, shared by the server, its routes and the client. */
export const CONNECTION_OPTION_RULES = {
  maxMessageBytes: { kind: 'int', min: 1, max: MAX_SAFE_INTEGER },
  maxFragments: { kind: 'int', min: 1, max: MAX_SAFE_INTEGER },
  closeTimeoutMs: { kind: 'int', min: 1, max: 2_147_483_647 },
  maxBufferedBytes: { kind: 'int', min: 1, max: MAX_SAFE_INTEGER },
  backpressure: { kind: 'enum', values: ['close', 'drop'] },
  backlogBytes: { kind: 'int', min: 1, max: MAX_SAFE_INTEGER },
  autoPong: { kind: 'bool' },
  heartbeat: {
    kind: 'check',
    test: (value: unknown) => {
      if (value === null || typeof value !== 'object') return 'must be { intervalMs, timeoutMs }';
      const { intervalMs, timeoutMs, ...rest } = value as Record<string, unknown>;
      if (Object.keys(rest).length > 0) return `has unknown key '${Object.keys(rest)[0]}'`;
      for (const [name, v] of [['intervalMs', intervalMs], ['timeoutMs', timeoutMs]] as const) {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2_147_483_647) return `${name} must be a positive integer`;
      }
      return undefined;
    },
  },
  perMessageDeflate: { kind: 'check', test: checkDeflateOption },
  streamThresholdBytes: { kind: 'int', min: 0, max: MAX_SAFE_INTEGER },
} as const satisfies Record<string, OptionRule>;
