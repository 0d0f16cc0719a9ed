import { KeptUpgradeRequest, NO_PARAMS, type UpgradeRequest, type UpgradeResponse } from '../../src/rx/upgrade-request';
import { Resources } from '../helpers/harness';

const resources = new Resources();
afterEach(() => resources.dispose());

describe('src/rx/upgrade-request.ts', () => {
  it('NO_PARAMS is empty, frozen and has no prototype (no inherited names look like params)', () => {
    expect(Object.keys(NO_PARAMS)).toEqual([]);
    expect(Object.isFrozen(NO_PARAMS)).toBe(true);
    expect(Object.getPrototypeOf(NO_PARAMS)).toBeNull();
    expect(NO_PARAMS['toString']).toBeUndefined();
  });

  it('a KeptUpgradeRequest restores to a fresh UpgradeRequest each time', () => {
    const request: UpgradeRequest = {
      method: 'GET', url: '/a?b', path: '/a', query: 'b', params: NO_PARAMS, host: 'h', headers: {}, origin: undefined,
      protocols: [], remoteAddress: '127.0.0.1', remotePort: 1, secure: false,
    };
    class Kept extends KeptUpgradeRequest {
      readonly remoteAddress = request.remoteAddress;
      restore(): UpgradeRequest {
        return { ...request };
      }
    }
    const kept = new Kept();
    expect(kept.restore()).toEqual(request);
    expect(kept.restore()).not.toBe(kept.restore());
  });

  it('the server fills every field of conn.request as documented', async () => {
    const { url, port, nextConnection } = await resources.server();
    await resources.client(`${url}?x=1&y=2`, { headers: { origin: 'https://page.test', cookie: 'id=7' } });
    const connection = await nextConnection();
    const request = connection.request;
    expect(request).toEqual({
      method: 'GET',
      url: '/?x=1&y=2',
      path: '/',
      query: 'x=1&y=2',
      params: {},
      host: `127.0.0.1:${port}`,
      headers: expect.objectContaining({ origin: 'https://page.test', cookie: 'id=7', upgrade: 'websocket' }),
      origin: 'https://page.test',
      protocols: [],
      remoteAddress: '127.0.0.1',
      remotePort: expect.any(Number),
      secure: false,
    });
    expect(Object.keys(request.headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('the client sees the UpgradeResponse: 101, lower-case headers, the chosen protocol', async () => {
    const { openConnection } = await import('../../src');
    const { url } = await resources.server({ protocols: ['b'] });
    const client = await openConnection(url, { protocols: ['a', 'b'] });
    try {
      const response = client.response as UpgradeResponse;
      expect(response.status).toBe(101);
      expect(response.protocol).toBe('b');
      expect(response.headers['sec-websocket-protocol']).toBe('b');
      expect(Object.keys(response.headers).every((name) => name === name.toLowerCase())).toBe(true);
      expect(client.request.params).toEqual({});
    } finally {
      client.terminate();
    }
  });
});
