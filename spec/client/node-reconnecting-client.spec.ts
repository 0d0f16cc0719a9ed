// The Node entry's ReconnectingClient: the shared client (spec/client/reconnecting-client.spec.ts
// covers its behaviour) on Node's connect(), here against a real rxws server on 127.0.0.1.
import { firstValueFrom, filter } from 'rxjs';
import { ReconnectingClient } from '../../src/client/node-reconnecting-client';
import { ClientConnection } from '../../src/client/client-connection';
import { UsageError } from '../../src/errors';
import { ofText } from '../../src/rx/operators/of-text';
import { WebSocketServer } from '../../src/server/server';

describe('ReconnectingClient (Node entry)', () => {
  let server: WebSocketServer;
  afterEach(async () => {
    await server?.close({ timeoutMs: 200 });
  });

  it('connects to a url with connect(), as ClientConnections, and sends what was queued first', async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.route({ path: '/', handle: (conn) => void conn.messages$.pipe(ofText()).subscribe((text) => conn.sink.next(`echo ${text}`)) });
    const { port } = await server.listen();
    const client = new ReconnectingClient(`ws://127.0.0.1:${port}/`, { handshakeTimeoutMs: 2000 });
    expect(client.send('queued')).toBe(true);
    const reply = firstValueFrom(client.messages$.pipe(filter((m) => m.type === 'text')));
    const connection = await firstValueFrom(client.connection$);
    expect(connection).toBeInstanceOf(ClientConnection);
    expect(await reply).toEqual({ type: 'text', data: 'echo queued' });
    await client.close();
    expect(client.state).toBe('closed');
  });

  it('checks the connect() options at construction', () => {
    expect(() => new ReconnectingClient('ws://127.0.0.1:1/', { handshakeTimeoutMs: -1 })).toThrow(UsageError);
    expect(() => new ReconnectingClient('not a url')).toThrow(UsageError);
  });
});
