// ClientConnection over a real socket to an rxws server: which close code this side asked for.
import { firstValueFrom } from 'rxjs';
import { openConnection } from '../../src/client/connect';
import type { ClientConnection } from '../../src/client/client-connection';
import type { Connection } from '../../src/rx/connection';
import type { CloseMessage } from '../../src/rx/message';
import { startEchoServer } from '../helpers/echo-server';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** An rxws echo server that records the close each of its connections saw, and a client of it. */
async function clientOfEcho(): Promise<{ conn: ClientConnection; serverSide: () => Promise<Connection>; serverClose: () => Promise<CloseMessage> }> {
  const echo = await startEchoServer();
  cleanups.push(() => echo.server.close({ timeoutMs: 200 }));
  const accepted = firstValueFrom(echo.route.connections$);
  const conn = await openConnection(echo.url);
  cleanups.push(() => conn.terminate());
  return { conn, serverSide: () => accepted, serverClose: async () => firstValueFrom((await accepted).closed$) };
}

describe('ClientConnection: localCloseCode', () => {
  it.each([
    ['sink.complete()', (c: ClientConnection) => c.sink.complete(), 1000],
    ['sink.error() with a sendable closeCode', (c: ClientConnection) => c.sink.error({ closeCode: 4003 }), 4003],
    ['sink.error() with anything else', (c: ClientConnection) => c.sink.error(new Error('boom')), 1011],
    ['close()', (c: ClientConnection) => void c.close(4001, 'bye'), 4001],
    ['fail()', (c: ClientConnection) => c.fail(1008, 'policy'), 1008],
  ])('%s: the server sees the code and localCloseCode remembers it', async (_title, start, code) => {
    const { conn, serverClose } = await clientOfEcho();
    expect(conn.sink).toBe(conn.sink);
    start(conn);
    expect((await serverClose()).code).toBe(code);
    await firstValueFrom(conn.closed$);
    expect(conn.localCloseCode).toBe(code);
  });

  it('a close the server started is not ours, even if sink.complete() follows it', async () => {
    const { conn, serverSide } = await clientOfEcho();
    void (await serverSide()).close(4002, 'server bye');
    expect(await conn.waitForMessage('close', { timeoutMs: 2000 })).toMatchObject({ code: 4002 });
    conn.sink.complete();
    expect(conn.localCloseCode).toBeUndefined();
  });

  it('sink.next() sends; the echo comes back', async () => {
    const { conn } = await clientOfEcho();
    const reply = conn.waitForMessage('text', { timeoutMs: 2000 });
    conn.sink.next('hello');
    expect((await reply).data).toBe('hello');
  });
});
