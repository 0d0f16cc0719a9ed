import { UsageError } from '../errors';

/** A parameter name: what can follow `:` in a route path. */
const PARAM_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A route path with parameters, such as `/room/:name`: `/`-separated segments, each either
 * literal (compared exactly, raw, case-sensitively, as exact paths are) or `:name`, which matches
 * any one non-empty segment. The request path must have the same number of segments.
 */
export class PathPattern {
  private constructor(
    /** Every segment after the leading `/`: its literal text, or undefined for a parameter. */
    private readonly literals: ReadonlyArray<string | undefined>,
    /** The parameters' names, in the order they appear. */
    readonly names: readonly string[],
  ) {}

  /** The pattern of a route path, or undefined when it has no parameter (an exact path). Throws a
   *  UsageError (`bad_route`) for a parameter without a valid name, or a name used twice. */
  static parse(path: string): PathPattern | undefined {
    const segments = path.split('/').slice(1);
    if (!segments.some((segment) => segment.startsWith(':'))) return undefined;
    const names: string[] = [];
    const literals = segments.map((segment) => {
      if (!segment.startsWith(':')) return segment;
      const name = segment.slice(1);
      if (!PARAM_NAME.test(name)) throw new UsageError('bad_route', `'${segment}' in ${path} is not a parameter: a name is letters, digits, _ and $`);
      if (names.includes(name)) throw new UsageError('bad_route', `the parameter '${name}' appears twice in ${path}`);
      names.push(name);
      return undefined;
    });
    return new PathPattern(literals, names);
  }

  /** The raw (still percent-encoded) parameter values if `path` matches, else undefined. */
  match(path: string): string[] | undefined {
    const segments = path.split('/');
    const literals = this.literals;
    if (segments.length !== literals.length + 1) return undefined;
    const values: string[] = [];
    for (let i = 0; i < literals.length; i++) {
      const segment = segments[i + 1]!;
      const literal = literals[i];
      if (literal === undefined) {
        if (segment === '') return undefined;
        values.push(segment);
      } else if (segment !== literal) {
        return undefined;
      }
    }
    return values;
  }

  /**
   * The parameters by name, percent-decoded (RFC 3986 §2.1), in an object without a prototype
   * (a parameter may be called `__proto__`). Undefined when a value's percent-encoding is
   * malformed or is not UTF-8: the server answers 400.
   */
  decode(values: readonly string[]): Readonly<Record<string, string>> | undefined {
    const params: Record<string, string> = Object.create(null);
    for (let i = 0; i < values.length; i++) {
      const raw = values[i]!;
      let value = raw;
      if (raw.includes('%')) {
        try {
          value = decodeURIComponent(raw);
        } catch {
          return undefined;
        }
      }
      params[this.names[i]!] = value;
    }
    return params;
  }

  /**
   * Which of two patterns is tried first: segment by segment from the left, a literal segment
   * wins over a parameter at the first place they differ (`/room/:name/admin` before
   * `/room/:name/:page`, `/room/lobby/:page` before `/room/:name/:page`). Negative: `this` first.
   */
  compare(other: PathPattern): number {
    const n = Math.min(this.literals.length, other.literals.length);
    for (let i = 0; i < n; i++) {
      const mine = this.literals[i] === undefined;
      const theirs = other.literals[i] === undefined;
      if (mine !== theirs) return mine ? 1 : -1;
    }
    return this.literals.length - other.literals.length;
  }

  /** True when both match exactly the same paths (`/room/:a` and `/room/:b`): they cannot both
   *  be routes of one host. */
  sameShape(other: PathPattern): boolean {
    if (this.literals.length !== other.literals.length) return false;
    return this.literals.every((literal, i) => literal === other.literals[i]);
  }
}
