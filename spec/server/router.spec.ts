import { UsageError } from '../../src/errors';
import { Router, stripPort } from '../../src/server/router';

describe('Router (host and path table, as the original RegisterHandler)', () => {
  function table(): Router<string> {
    const router = new Router<string>();
    router.add('a-chat', { host: 'a.example', path: '/chat' });
    router.add('a-default', { host: 'a.example', path: '/', defaultPath: true });
    router.add('b-chat', { host: 'b.example:8080', path: '/chat', defaultHost: true });
    router.add('b-other', { host: 'b.example:8080', path: '/other' });
    return router;
  }

  it.each([
    ['exact host and path', 'a.example', '/chat', 'a-chat'],
    ['host compared case-insensitively', 'A.EXAMPLE', '/chat', 'a-chat'],
    ['host with a port matches a route without one', 'a.example:9000', '/chat', 'a-chat'],
    ['unknown path falls to the host default path', 'a.example', '/nope', 'a-default'],
    ['host registered with its port', 'b.example:8080', '/other', 'b-other'],
    ['unknown host falls to the default host', 'c.example', '/chat', 'b-chat'],
    ['missing Host header falls to the default host', undefined, '/other', 'b-other'],
    ['default host without a default path: 404', 'c.example', '/nope', undefined],
    ['paths are exact: a trailing slash is another path', 'a.example', '/chat/', 'a-default'],
    ['paths are case-sensitive', 'b.example:8080', '/Chat', undefined],
  ])('%s', (_title, host, path, expected) => {
    expect(table().match(host, path)).toBe(expected);
  });

  it('routes without a host form the default host table', () => {
    const router = new Router<string>();
    router.add('any-echo', { path: '/echo' });
    router.add('named', { host: 'n.example', path: '/echo' });
    expect(router.match('whatever', '/echo')).toBe('any-echo');
    expect(router.match('n.example', '/echo')).toBe('named');
    expect(router.match('n.example', '/other')).toBeUndefined();
    expect(router.match(undefined, '/other')).toBeUndefined();
  });

  it('a host with no default host and no match: 404 (R29)', () => {
    const router = new Router<string>();
    router.add('only', { host: 'x.example', path: '/' });
    expect(router.match('y.example', '/')).toBeUndefined();
  });

  it.each([
    ['a duplicate host and path', [{ path: '/a' }, { path: '/a' }]],
    ['two default paths on one host', [{ path: '/a', defaultPath: true }, { path: '/b', defaultPath: true }]],
    ['two default hosts', [{ host: 'x', path: '/', defaultHost: true }, { host: 'y', path: '/', defaultHost: true }]],
    ['a default host beside host-less routes', [{ path: '/' }, { host: 'y', path: '/', defaultHost: true }]],
    ['a path without a leading slash', [{ path: 'chat' }]],
    ['an empty host', [{ host: ' ', path: '/' }]],
  ])('rejects %s with a UsageError', (_title, keys) => {
    const router = new Router<number>();
    expect(() => keys.forEach((key, i) => router.add(i, key))).toThrow(UsageError);
  });

  it('lists every route once', () => {
    expect(table().routes().sort()).toEqual(['a-chat', 'a-default', 'b-chat', 'b-other']);
  });

  it.each([
    ['example.com:8080', 'example.com'],
    ['example.com', 'example.com'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['::1', '::1'],
  ])('stripPort(%s) = %s', (input, output) => {
    expect(stripPort(input)).toBe(output);
  });
});
