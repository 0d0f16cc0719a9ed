import { UsageError } from '../errors';
import { NO_PARAMS } from '../rx/upgrade-request';
import { PathPattern } from './path-pattern';

/** Where a route sits in the server's host and path table (docs/routing.md has the rules). */
export interface RouteKey {
  /** Exact host, compared case-insensitively, with or without the port. Omitted: any host. */
  host?: string | undefined;
  /**
   * The path, without the query string: exact (`/chat`), or with parameters (`/room/:name`), each
   * matching one non-empty segment; their percent-decoded values are `request.params`.
   */
  path: string;
  /** Use this route's host table when no host matches. */
  defaultHost?: boolean | undefined;
  /** Use this route when no path on its host matches. */
  defaultPath?: boolean | undefined;
}

/** Routes registered without a host live in this table, which is also the fallback host. */
const ANY_HOST = '*';

/** The route a request goes to, and the values of its path's parameters. */
export interface RouteMatch<R> {
  readonly route: R;
  /** Percent-decoded; undefined when a value's percent-encoding is malformed (the server answers
   *  400). Empty for exact paths and default paths. */
  readonly params: Readonly<Record<string, string>> | undefined;
}

interface PatternEntry<R> {
  pattern: PathPattern;
  route: R;
}

interface HostTable<R> {
  /** Exact paths, each with its match made once (no object per lookup). */
  paths: Map<string, RouteMatch<R>>;
  /** Paths with parameters, in the order they are tried (PathPattern.compare). */
  patterns: Array<PatternEntry<R>> | undefined;
  defaultPath: RouteMatch<R> | undefined;
}

/**
 * The host and path table (docs/routing.md has the rules as a table):
 * 1. the Host header, lower-cased, matches a host exactly, with its port or without it;
 * 2. else the default host's table is used (the table of routes registered without a host, or of
 *    the host whose route was registered with `defaultHost`);
 * 3. within that table the path matches exactly, else a path with parameters (where a literal
 *    segment wins over a parameter, from the left), else the table's default path;
 * 4. else there is no route (the server answers 404).
 */
export class Router<R> {
  private readonly hosts = new Map<string, HostTable<R>>();
  private defaultHost: string | undefined;

  add(route: R, key: RouteKey): void {
    if (typeof key.path !== 'string' || !key.path.startsWith('/')) throw new UsageError('bad_route', 'a route path must start with /');
    const host = key.host === undefined ? ANY_HOST : normalizeHost(key.host);
    if (host === '') throw new UsageError('bad_route', 'a route host must not be empty');
    const isDefaultHost = key.defaultHost === true || host === ANY_HOST;
    if (isDefaultHost && this.defaultHost !== undefined && this.defaultHost !== host) {
      throw new UsageError('bad_route', `'${host}' cannot be the default host: '${this.defaultHost}' already is`);
    }
    const table: HostTable<R> = this.hosts.get(host) ?? { paths: new Map(), patterns: undefined, defaultPath: undefined };
    const pattern = PathPattern.parse(key.path);
    if (table.paths.has(key.path) || (pattern !== undefined && table.patterns?.some((entry) => entry.pattern.sameShape(pattern)))) {
      throw new UsageError('bad_route', `a route for ${host}${key.path} already exists`);
    }
    if (key.defaultPath === true && table.defaultPath !== undefined) {
      throw new UsageError('bad_route', `host '${host}' already has a default path`);
    }
    const match: RouteMatch<R> = Object.freeze({ route, params: NO_PARAMS });
    if (pattern === undefined) {
      table.paths.set(key.path, match);
    } else {
      const patterns = (table.patterns ??= []);
      const at = patterns.findIndex((entry) => pattern.compare(entry.pattern) < 0);
      patterns.splice(at < 0 ? patterns.length : at, 0, { pattern, route });
    }
    if (key.defaultPath === true) table.defaultPath = match;
    this.hosts.set(host, table);
    if (isDefaultHost) this.defaultHost = host;
  }

  /** The route for a Host header and a path, or undefined (404). */
  match(hostHeader: string | undefined, path: string): R | undefined {
    return this.lookup(hostHeader, path)?.route;
  }

  /** The route for a Host header and a path with its path's parameters, or undefined (404). */
  lookup(hostHeader: string | undefined, path: string): RouteMatch<R> | undefined {
    const table = this.hostTable(hostHeader);
    if (table === undefined) return undefined;
    const exact = table.paths.get(path);
    if (exact !== undefined) return exact;
    if (table.patterns !== undefined) {
      for (const { pattern, route } of table.patterns) {
        const values = pattern.match(path);
        if (values !== undefined) return { route, params: pattern.decode(values) };
      }
    }
    return table.defaultPath;
  }

  /** Every registered route, once. */
  routes(): R[] {
    const all: R[] = [];
    for (const table of this.hosts.values()) {
      for (const { route } of table.paths.values()) all.push(route);
      for (const { route } of table.patterns ?? []) all.push(route);
    }
    return all;
  }

  private hostTable(hostHeader: string | undefined): HostTable<R> | undefined {
    if (hostHeader !== undefined && hostHeader !== '') {
      const host = normalizeHost(hostHeader);
      const exact = this.hosts.get(host);
      if (exact !== undefined) return exact;
      const bare = stripPort(host);
      if (bare !== host) {
        const withoutPort = this.hosts.get(bare);
        if (withoutPort !== undefined) return withoutPort;
      }
    }
    return this.defaultHost === undefined ? undefined : this.hosts.get(this.defaultHost);
  }
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase();
}

/** `example.com:8080` → `example.com`; `[::1]:8080` → `[::1]`; a bare IPv6 literal is left alone. */
export function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close < 0 ? host : host.slice(0, close + 1);
  }
  const colon = host.indexOf(':');
  if (colon < 0 || host.indexOf(':', colon + 1) >= 0) return host;
  return host.slice(0, colon);
}
