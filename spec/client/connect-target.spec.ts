import { UsageError } from '../../src/errors';
import { resolveTarget, sentUpgradeRequest, type ConnectTarget } from '../../src/client/connect-target';

describe('src/client/connect-target.ts resolveTarget', () => {
  it.each<[ConnectTarget, object]>([
    ['ws://example.test/chat?room=1', { host: 'example.test', port: 80, secure: false, path: '/chat?room=1', hostHeader: 'example.test' }],
    ['wss://example.test', { host: 'example.test', port: 443, secure: true, path: '/', hostHeader: 'example.test' }],
    ['http://example.test:8080/x', { host: 'example.test', port: 8080, secure: false, path: '/x', hostHeader: 'example.test:8080' }],
    ['https://example.test:443/', { host: 'example.test', port: 443, secure: true, path: '/', hostHeader: 'example.test' }],
    ['wss://example.test:80/', { host: 'example.test', port: 80, secure: true, path: '/', hostHeader: 'example.test:80' }],
    ['ws://[::1]:9000/a', { host: '::1', port: 9000, secure: false, path: '/a', hostHeader: '[::1]:9000' }],
    ['ws://[::1]/', { host: '::1', port: 80, secure: false, path: '/', hostHeader: '[::1]' }],
    ['ws://127.0.0.1:1/', { host: '127.0.0.1', port: 1, secure: false, path: '/', hostHeader: '127.0.0.1:1' }],
    [new URL('ws://example.test:65535/p'), { host: 'example.test', port: 65535, secure: false, path: '/p', hostHeader: 'example.test:65535' }],
  ])('resolves the url %s', (target, expected) => {
    expect(resolveTarget(target)).toEqual(expected);
  });

  it.each<[ConnectTarget, object]>([
    [{ host: 'example.test' }, { host: 'example.test', port: 80, secure: false, path: '/', hostHeader: 'example.test' }],
    [{ host: 'example.test', secure: true }, { host: 'example.test', port: 443, secure: true, path: '/', hostHeader: 'example.test' }],
    [{ host: '[::1]', port: 8443, secure: true, path: '/q?x=1' }, { host: '::1', port: 8443, secure: true, path: '/q?x=1', hostHeader: '[::1]:8443' }],
    [{ host: '::1', port: 80 }, { host: '::1', port: 80, secure: false, path: '/', hostHeader: '[::1]' }],
  ])('resolves the parts %j', (target, expected) => {
    expect(resolveTarget(target)).toEqual(expected);
  });

  it.each<[string, unknown, string]>([
    ['not a url', 'no scheme here', 'bad_url'],
    ['an ftp url', 'ftp://example.test/', 'bad_url'],
    ['a fragment (RFC 6455 §3)', 'ws://example.test/#x', 'bad_url'],
    ['a bare # fragment', 'ws://example.test/#', 'bad_url'],
    ['user info', 'ws://user:pw@example.test/', 'bad_url'],
    ['port 0', 'ws://example.test:0/', 'bad_url'],
    ['a null target', null, 'bad_target'],
    ['a number', 80, 'bad_target'],
    ['an unknown key', { host: 'h', hots: 'typo' }, 'bad_target'],
    ['an empty host', { host: '' }, 'bad_target'],
    ['secure not a boolean', { host: 'h', secure: 'yes' }, 'bad_target'],
    ['port 0 in parts', { host: 'h', port: 0 }, 'bad_target'],
    ['port 65536 in parts', { host: 'h', port: 65536 }, 'bad_target'],
    ['a fractional port', { host: 'h', port: 80.5 }, 'bad_target'],
    ['a path without /', { host: 'h', path: 'chat' }, 'bad_target'],
    ['a path with a fragment', { host: 'h', path: '/a#b' }, 'bad_target'],
  ])('throws a UsageError at once for %s', (_name, target, code) => {
    let thrown: unknown;
    try {
      resolveTarget(target as ConnectTarget);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).code).toBe(code);
  });
});

describe('sentUpgradeRequest', () => {
  it('reports the sent request as the server would: path and query split, Host lower-cased, no params, origin from the option or the headers', () => {
    const target = resolveTarget('wss://Example.COM:8443/chat/room?x=1&y=2');
    const request = sentUpgradeRequest('CONNECT', target, { origin: 'https://a.example' }, { origin: undefined, protocols: ['chat'], remoteAddress: '127.0.0.1', remotePort: 8443 });
    expect(request).toEqual({
      method: 'CONNECT',
      url: '/chat/room?x=1&y=2',
      path: '/chat/room',
      query: 'x=1&y=2',
      params: {},
      host: 'example.com:8443',
      headers: { origin: 'https://a.example' },
      origin: 'https://a.example',
      protocols: ['chat'],
      remoteAddress: '127.0.0.1',
      remotePort: 8443,
      secure: true,
    });
    const plain = sentUpgradeRequest('GET', resolveTarget('ws://h/'), {}, { origin: 'https://b.example', protocols: undefined, remoteAddress: undefined, remotePort: undefined });
    expect([plain.query, plain.origin, plain.protocols, plain.secure]).toEqual(['', 'https://b.example', [], false]);
  });
});
