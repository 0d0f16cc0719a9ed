import { firstValueFrom } from 'rxjs';
import type { Connection } from '../../src/rx/connection';
import type { FramingTransportListener, PausableTransport, Transport, TransportListener } from '../../src/transport/transport';
import type { BrowserTransport } from '../../src/transport/browser-transport';
import type { ClientConnection } from '../../src/browser/client-connection';
import type { SocketTransport } from '../../src/transport/socket-transport';
import { Resources, wsClosed } from '../helpers/harness';

/** Type-level checks, compiled by `tsc --noEmit -p .`: both implementations satisfy the
 *  interface (the Node one can also pause, and reports pongs and protocol errors), and the RxJS
 *  connections are listeners of them. */
type Satisfies<T, I> = T extends I ? true : never;
const typeChecks: [
  Satisfies<SocketTransport, PausableTransport>,
  Satisfies<Connection, FramingTransportListener>,
  Satisfies<BrowserTransport, Transport>,
  Satisfies<ClientConnection, TransportListener>,
] = [true, true, true, true];

const resources = new Resources();
afterEach(() => resources.dispose());

/** The transport under a real server connection (the connection keeps it in `transport`). */
function transportOf(connection: Connection): Transport {
  return (connection as unknown as { transport: Transport }).transport;
}

describe('src/transport/transport.ts', () => {
  it('the type-level checks hold', () => {
    expect(typeChecks).toEqual([true, true, true, true]);
  });

  it("state: 'open', then 'closing' once our close frame is out, then 'closed' once the stream has closed", async () => {
    const { url, nextConnection } = await resources.server();
    const ws = await resources.client(url);
    const connection = await nextConnection();
    const transport = transportOf(connection);
    expect(transport.state).toBe('open');
    const peerClosed = wsClosed(ws);
    const closed = connection.close(1000, 'bye');
    expect(transport.state).toBe('closing');
    await closed;
    await peerClosed;
    expect(transport.state).toBe('closed');
  });

  it("'closing' also once the peer's close frame is received, until the stream closes", async () => {
    const { url, nextConnection } = await resources.server();
    const ws = await resources.client(url);
    const connection = await nextConnection();
    const transport = transportOf(connection);
    const seen: string[] = [];
    connection.messages$.subscribe((m) => seen.push(`${m.type}:${transport.state}`));
    ws.close(1001);
    await firstValueFrom(connection.closed$);
    expect(seen).toEqual(['close:closed']);
    expect(transport.state).toBe('closed');
  });

  it('bufferedAmount counts what is not yet handed to the network; whenFlushed resolves once it is', async () => {
    const { url, nextConnection } = await resources.server();
    await resources.client(url);
    const connection = await nextConnection();
    const transport = transportOf(connection);
    expect(transport.bufferedAmount).toBe(0);
    transport.sendBinary(new Uint8Array(64 * 1024));
    expect(transport.bufferedAmount).toBeGreaterThan(64 * 1024 - 1);
    await transport.whenFlushed();
    expect(transport.bufferedAmount).toBeLessThan(64 * 1024);
  });

  it('whenFlushed resolves (does not hang) once the connection has closed', async () => {
    const { url, nextConnection } = await resources.server();
    await resources.client(url);
    const connection = await nextConnection();
    const transport = transportOf(connection);
    transport.sendBinary(new Uint8Array(16));
    const flushed = transport.whenFlushed();
    connection.terminate();
    await firstValueFrom(connection.closed$);
    expect(transport.state).toBe('closed');
    await expect(flushed).resolves.toBeUndefined();
    await expect(transport.whenFlushed()).resolves.toBeUndefined();
  });

  it('fail(code) sends that code to the peer and closes (RFC 6455 §7.1.7)', async () => {
    const { url, nextConnection } = await resources.server();
    const ws = await resources.client(url);
    const connection = await nextConnection();
    transportOf(connection).fail(1008, 'policy');
    expect((await wsClosed(ws)).code).toBe(1008);
    expect((await firstValueFrom(connection.closed$)).code).toBe(1008);
  });
});
