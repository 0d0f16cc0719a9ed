// The browser entry's ClientConnection, in Node on the `ws` class: what it reports about itself,
// the close codes a browser may send, and localCloseCode for reconnect().
import { firstValueFrom } from 'rxjs';
import { openConnection } from '../../src/browser/connect';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer, type BrowserTestServer } from '../helpers/browser-test-server';

const options = { webSocketClass: WS_CLASS };

describe('browser ClientConnection', () => {
  let server: BrowserTestServer;
  beforeEach(async () => {
    server = await startBrowserTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('reports its url, no subprotocol, the agreed extensions, and data', async () => {
    const conn = await openConnection<{ user: string }>(server.url('info'), options);
    expect(conn.url).toBe(server.url('info'));
    expect(conn.protocol).toBeUndefined();
    expect(typeof conn.extensions).toBe('string');
    conn.data = { user: 'ann' };
    expect(conn.data.user).toBe('ann');
    await conn.close();
  });

  it('close() takes 1000 and 3000-4999 only, as a browser does; others throw and leave it open', async () => {
    const conn = await openConnection(server.url('codes'), options);
    for (const code of [1001, 1002, 1008, 1011, 1014]) expect(() => conn.close(code)).toThrow(expect.objectContaining({ code: 'invalid_close_code' }));
    expect(conn.state).toBe('open');
    expect(conn.localCloseCode).toBeUndefined();
    await conn.close(3000, 'fine');
    expect(conn.localCloseCode).toBe(3000);
    expect(await server.closed('codes')).toEqual([{ code: 3000, reason: 'fine', wasClean: true }]);
  });

  it('localCloseCode: sink.complete() is 1000, sink.error() the code meant (1011), a server close leaves it undefined', async () => {
    const a = await openConnection(server.url('complete'), options);
    a.sink.complete();
    await firstValueFrom(a.closed$);
    expect(a.localCloseCode).toBe(1000);

    const b = await openConnection(server.url('error'), options);
    b.sink.error(new Error('boom'));
    expect((await firstValueFrom(b.closed$)).code).toBe(1011);
    expect(b.localCloseCode).toBe(1011);
    expect(await server.closed('error')).toEqual([{ code: 1000, reason: 'internal error', wasClean: true }]);

    const c = await openConnection(server.url('server'), options);
    c.sink.next('!close 4000 bye');
    expect((await firstValueFrom(c.closed$)).code).toBe(4000);
    expect(c.localCloseCode).toBeUndefined();
  });
});
