import { UsageError } from '../errors';

/** Where a route sits in the server's host and path table (docs/routing.md has the rules). */
export interface RouteKey {
  /** Exact host, compared case-insensitively, with or without the port. Omitted: any host. */
  host?: string | undefined;
  /** Exact path, without the query string. */
  path: string;
  /** Use this route's host table when no host matches. */
  defaultHost?: boolean | undefined;
  /** Use this route when no path on its host matches. */
  defaultPath?: boolean | undefined;
}

/** Routes registered without a host live in this table, which is also the fallback host. */
const ANY_HOST = '*';

interface HostTable<R> {
  paths: Map<string, R>;
  defaultPath: R | undefined;
}

/**
 * The host and path table (docs/routing.md has the rules as a table):
 * 1. the Host header, lower-cased, matches a host exactly, with its port or without it;
 * 2. else the default host's table is used (the table of routes registered without a host, or of
 *    the host whose route was registered with `defaultHost`);
 * 3. within that table the path matches exactly, else the table's default path;
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
    const table = this.hosts.get(host) ?? { paths: new Map<string, R>(), defaultPath: undefined };
    if (table.paths.has(key.path)) throw new UsageError('bad_route', `a route for ${host}${key.path} already exists`);
    if (key.defaultPath === true && table.defaultPath !== undefined) {
      throw new UsageError('bad_route', `host '${host}' already has a default path`);
    }
    table.paths.set(key.path, route);
    if (key.defaultPath === true) table.defaultPath = route;
    this.hosts.set(host, table);
    if (isDefaultHost) this.defaultHost = host;
  }

  match(hostHeader: string | undefined, path: string): R | undefined {
    const table = this.hostTable(hostHeader);
    if (table === undefined) return undefined;
    return table.paths.get(path) ?? table.defaultPath;
  }

  /** Every registered route, once. */
  routes(): R[] {
    const all: R[] = [];
    for (const table of this.hosts.values()) for (const route of table.paths.values()) all.push(route);
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
