import { firstValueFrom, mergeMap, tap, throwError, toArray } from 'rxjs';
import { HandlerError, Route } from '../../src/server/route';
import { RxwsError, UsageError } from '../../src/errors';
import type { Connection } from '../../src';
import { Resources, until, wsClosed, wsMessage } from '../helpers/harness';

const resources = new Resources();
afterEach(() => resources.dispose());

describe('src/server/route.ts Route', () => {
  it('connections is the live set: added on open, removed before the close message is seen', async () => {
    const { route, url, nextConnection } = await resources.server();
    expect(route).toBeInstanceOf(Route);
    const ws = await resources.client(url);
    const connection = await nextConnection();
    expect([...route.connections]).toEqual([connection]);
    const sizeAtClose = firstValueFrom(connection.closed$).then(() => route.connections.size);
    ws.close();
    expect(await sizeAtClose).toBe(0);
  });

  it('full is true once maxConnections are open, and false again when one closes', async () => {
    const { route, url, nextConnection } = await resources.server({ maxConnections: 2 });
    expect(route.full).toBe(false);
    await resources.client(url);
    const second = await resources.client(url);
    await nextConnection();
    await nextConnection();
    expect(route.full).toBe(true);
    second.close();
    await until(() => !route.full);
    const uncapped = await resources.server();
    expect(uncapped.route.full).toBe(false);
  });

  it('broadcast returns how many connections it wrote to, skips except, and is bound', async () => {
    const { route, url, nextConnection } = await resources.server();
    expect(route.broadcast('nobody')).toBe(0);
    const a = await resources.client(url);
    const b = await resources.client(url);
    const ca = await nextConnection();
    await nextConnection();
    const toB = wsMessage(b);
    const send = route.broadcast;
    expect(send('to b', { except: ca })).toBe(1);
    expect((await toB).data.toString()).toBe('to b');
    const both = Promise.all([wsMessage(a), wsMessage(b)]);
    expect(send(new Uint8Array([1]))).toBe(2);
    expect((await both).map((m) => [m.isBinary, m.data[0]])).toEqual([[true, 1], [true, 1]]);
  });

  it('a teardown function returned by handle runs when the connection closes', async () => {
    let tornDown = 0;
    const { url } = await resources.server({ handle: () => () => void tornDown++ });
    const ws = await resources.client(url);
    expect(tornDown).toBe(0);
    ws.close();
    await until(() => tornDown === 1);
  });

  it('an { unsubscribe() } returned by handle is ended when the connection closes', async () => {
    let ended = 0;
    const { url } = await resources.server({ handle: () => ({ unsubscribe: () => void ended++ }) });
    const ws = await resources.client(url);
    ws.close();
    await until(() => ended === 1);
  });

  it('an Observable returned by handle is subscribed, and may finish the last message\'s work after the close', async () => {
    let seen: string[] | undefined;
    const { url } = await resources.server({
      handle: (c: Connection) => c.messages$.pipe(toArray(), tap((all) => (seen = all.map((m) => m.type)))),
    });
    const ws = await resources.client(url);
    ws.send('x');
    ws.close();
    await wsClosed(ws);
    await until(() => seen !== undefined);
    expect(seen).toEqual(['text', 'close']);
  });

  it('handle returning something else (a Promise) closes with 1011 and reports a UsageError naming it', async () => {
    const { server, url } = await resources.server({ handle: (async () => undefined) as never });
    const errors: RxwsError[] = [];
    server.errors$.subscribe((e) => errors.push(e));
    const ws = await resources.client(url);
    expect((await wsClosed(ws)).code).toBe(1011);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(UsageError);
    expect(errors[0]!.message).toContain('Promise');
  });

  it('an Observable from handle that errors closes with 1011 and reports a HandlerError with the cause', async () => {
    const cause = new Error('work failed');
    const { server, url } = await resources.server({
      handle: (c: Connection) => c.messages$.pipe(mergeMap(() => throwError(() => cause))),
    });
    const errors: RxwsError[] = [];
    server.errors$.subscribe((e) => errors.push(e));
    const ws = await resources.client(url);
    ws.send('go');
    expect((await wsClosed(ws)).code).toBe(1011);
    expect(errors[0]).toBeInstanceOf(HandlerError);
    expect(errors[0]!.code).toBe('handler_error');
    expect((errors[0] as HandlerError).cause).toBe(cause);
  });

  it('connections$ completes when the server has closed', async () => {
    const { server, route } = await resources.server();
    const completed = firstValueFrom(route.connections$.pipe(toArray()));
    await server.close({ timeoutMs: 100 });
    expect(await completed).toEqual([]);
  });
});
