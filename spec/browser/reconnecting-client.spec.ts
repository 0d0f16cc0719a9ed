// The browser entry's ReconnectingClient, in Node on the `ws` class (real browsers:
// real-browsers.spec.ts): the shared client on the browser's connect().
import { filter, firstValueFrom } from 'rxjs';
import { ClientConnection } from '../../src/browser/client-connection';
import { ReconnectingClient } from '../../src/browser/reconnecting-client';
import { ofText } from '../../src/rx/operators/of-text';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer, type BrowserTestServer } from '../helpers/browser-test-server';

describe('browser ReconnectingClient', () => {
  let server: BrowserTestServer;
  beforeEach(async () => {
    server = await startBrowserTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('connects with the browser connect(), reconnects after a drop, and stops on close()', async () => {
    const client = new ReconnectingClient(server.url('rc'), { webSocketClass: WS_CLASS, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const states: string[] = [];
    client.state$.subscribe((s) => states.push(s));
    const first = await firstValueFrom(client.connection$);
    expect(first).toBeInstanceOf(ClientConnection);
    client.send('!drop');
    const second = await firstValueFrom(client.connection$.pipe(filter((c) => c !== first)));
    expect(second).toBeInstanceOf(ClientConnection);
    const echo = firstValueFrom(client.messages$.pipe(ofText()));
    client.send('again');
    expect(await echo).toBe('again');
    await client.close();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'closed']);
  });

  it('checks the browser connect() options at construction', () => {
    expect(() => new ReconnectingClient(server.url('x'), { webSocketClass: WS_CLASS, headers: {} } as never)).toThrow(expect.objectContaining({ code: 'unknown_option' }));
  });
});
