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

  describe('paths with parameters', () => {
    function rooms(): Router<string> {
      const router = new Router<string>();
      router.add('any-room', { path: '/room/:name' });
      router.add('lobby', { path: '/room/lobby' });
      router.add('kind-lobby', { path: '/:kind/lobby' });
      router.add('page', { path: '/room/:name/:page' });
      router.add('admin', { path: '/room/:name/admin' });
      router.add('fallback', { path: '/', defaultPath: true });
      return router;
    }

    it.each([
      ['an exact path wins over a pattern', '/room/lobby', 'lobby', {}],
      ['a pattern, its parameter decoded', '/room/caf%C3%A9', 'any-room', { name: 'café' }],
      ['a literal segment wins over a parameter, from the left', '/hall/lobby', 'kind-lobby', { kind: 'hall' }],
      ['a literal last segment wins over a parameter', '/room/a/admin', 'admin', { name: 'a' }],
      ['two parameters', '/room/a/3', 'page', { name: 'a', page: '3' }],
      ['an empty segment matches no parameter: the default path', '/room/', 'fallback', {}],
      ['no pattern matches: the default path', '/x/y/z/w', 'fallback', {}],
    ])('%s', (_title, path, route, params) => {
      const match = rooms().lookup('any.example', path)!;
      expect(match.route).toBe(route);
      expect({ ...match.params }).toEqual(params);
      expect(rooms().match('any.example', path)).toBe(route);
    });

    it('malformed percent-encoding in a parameter: the route, with params undefined (the server answers 400)', () => {
      expect(rooms().lookup(undefined, '/room/%E2%82')).toEqual({ route: 'any-room', params: undefined });
    });

    it('exact and default matches are made once: no object per lookup', () => {
      const router = rooms();
      expect(router.lookup(undefined, '/room/lobby')).toBe(router.lookup(undefined, '/room/lobby'));
      expect(router.lookup(undefined, '/nope')).toBe(router.lookup(undefined, '/nope'));
    });

    it.each([
      ['the same shape twice', [{ path: '/room/:a' }, { path: '/room/:b' }]],
      ['a bad parameter name', [{ path: '/room/:-' }]],
    ])('rejects %s with a UsageError', (_title, keys) => {
      const router = new Router<number>();
      expect(() => keys.forEach((key, i) => router.add(i, key))).toThrow(UsageError);
    });

    it('patterns are per host, and listed with the other routes', () => {
      const router = new Router<string>();
      router.add('a', { host: 'a.example', path: '/room/:name' });
      router.add('b', { host: 'b.example', path: '/room/:name' });
      expect(router.match('b.example', '/room/x')).toBe('b');
      expect(router.routes().sort()).toEqual(['a', 'b']);
    });
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
